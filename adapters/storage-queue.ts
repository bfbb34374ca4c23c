/**
 * A JSON message queue on Azure Queue Storage. Messages are base64-encoded JSON, the encoding the
 * Azure Functions queue trigger expects by default (host.json `messageEncoding: base64`).
 * A message is acknowledged to its sender only once the queue has stored it.
 */
import type { QueueClient } from '@azure/storage-queue';
import { fail } from '../core/errors';
import { maxQueueJsonBytes } from '../core/monitoring/graph-notification';

export class StorageQueue<T extends object> {
  readonly name: string;
  private ready: Promise<unknown> | undefined;

  /**
   * `queue` comes from adapters/storage-clients.ts. With `deadlineMs`, a send that has not been
   * stored by then is abandoned and fails STORAGE_UNAVAILABLE (the webhook then answers 503 and
   * Graph retries, rather than waiting on the SDK's retries past Graph's budget).
   */
  constructor(
    private readonly queue: QueueClient,
    private readonly options: { readonly deadlineMs?: number } = {},
  ) {
    this.name = queue.name;
  }

  /** Queues a message; with `delaySeconds` it stays invisible that long (a retry that waits). */
  async send(message: T, options: { readonly delaySeconds?: number } = {}): Promise<void> {
    const json = Buffer.from(JSON.stringify(message), 'utf8');
    if (json.length > maxQueueJsonBytes)
      fail('QUEUE_MESSAGE_TOO_LARGE', `A message for ${this.name} is over ${maxQueueJsonBytes} bytes.`, {
        queue: this.name,
        bytes: json.length,
      });
    const abortSignal =
      this.options.deadlineMs === undefined ? undefined : AbortSignal.timeout(this.options.deadlineMs);
    try {
      this.ready ??= this.queue.createIfNotExists(abortSignal && { abortSignal });
      await this.ready;
      await this.queue.sendMessage(json.toString('base64'), {
        ...(abortSignal && { abortSignal }),
        ...(options.delaySeconds !== undefined && { visibilityTimeout: options.delaySeconds }),
      });
    } catch (err) {
      this.ready = undefined;
      fail('STORAGE_UNAVAILABLE', `Could not queue a message on ${this.name}.`, { queue: this.name }, err);
    }
  }
}
