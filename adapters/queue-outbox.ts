/**
 * The outbox on Azure Queue Storage. Messages are base64-encoded JSON, the encoding the Azure
 * Functions queue trigger expects by default (host.json `messageEncoding: base64`).
 */
import { QueueClient } from '@azure/storage-queue';
import { fail } from '../core/errors';
import type { Outbox, OutboxMessage } from '../core/outbox';

export class QueueOutbox implements Outbox {
  private readonly queue: QueueClient;
  private ready: Promise<unknown> | undefined;

  constructor(connectionString: string, queueName: string) {
    this.queue = new QueueClient(connectionString, queueName);
  }

  async send(message: OutboxMessage): Promise<void> {
    try {
      this.ready ??= this.queue.createIfNotExists();
      await this.ready;
      await this.queue.sendMessage(Buffer.from(JSON.stringify(message), 'utf8').toString('base64'));
    } catch (err) {
      this.ready = undefined;
      fail('STORAGE_UNAVAILABLE', `Could not queue ${message.kind}.`, { caseId: message.caseId }, err);
    }
  }
}
