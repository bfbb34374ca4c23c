/**
 * Runs queue-triggered functions locally with the Azure Functions host's semantics
 * (https://learn.microsoft.com/azure/azure-functions/functions-bindings-storage-queue-trigger):
 * a message is invisible while processed, deleted on success, made visible again on failure, and
 * after 5 dequeues moved to `<queue>-poison`. Messages are base64 JSON, as the host expects.
 * Like the host (`batchSize` 16, `newBatchThreshold` 8), it fetches the next batch as soon as half
 * of the current one is done, rather than waiting for its slowest message.
 */
import { randomUUID } from 'node:crypto';
import { InvocationContext } from '@azure/functions';
import type { StorageClients } from '../../adapters/storage-clients';
import { toEsafetyError } from '../../core/errors';
import { withLogContext, type Logger } from '../../core/logger';
import type { QueueRegistration } from '../../functions/registrations';

export interface QueueRunnerOptions {
  readonly clients: StorageClients;
  readonly registrations: readonly QueueRegistration[];
  readonly log: Logger;
  readonly pollMs?: number;
  readonly visibilityTimeoutSeconds?: number;
  readonly maxDequeueCount?: number;
  /** Seconds a failed message stays invisible before its next try (the host's `visibilityTimeout`). */
  readonly retryDelaySeconds?: (dequeueCount: number) => number;
}

export interface RunningQueues {
  stop(): Promise<void>;
  /**
   * Stops as a killed worker would: no further polls, and nothing in flight is settled — whatever
   * its handler did, its message is neither deleted nor retried, and reappears once its
   * invisibility lapses (for another worker, or the same one started again).
   */
  kill(): void;
}

export async function startQueueRunner(options: QueueRunnerOptions): Promise<RunningQueues> {
  const log = options.log.child({ component: 'queue-runner' });
  const pollMs = options.pollMs ?? 250;
  const visibility = options.visibilityTimeoutSeconds ?? 30;
  const maxDequeue = options.maxDequeueCount ?? 5;
  const batchSize = 16;
  const newBatchThreshold = batchSize / 2;
  const retryDelay = options.retryDelaySeconds ?? ((n: number) => Math.min(n, 5));
  let running = true;
  let killed = false;
  const loops = await Promise.all(
    options.registrations.map(async (reg) => {
      const queue = options.clients.queue(reg.queueName);
      const poison = options.clients.queue(`${reg.queueName}-poison`);
      await queue.createIfNotExists();
      await poison.createIfNotExists();
      let inFlight = 0;
      const settled: (() => void)[] = [];
      /** Resolves when a message in flight finishes (or at once when none is). */
      const oneDone = () => (inFlight === 0 ? Promise.resolve() : new Promise<void>((r) => settled.push(r)));
      const once = async (): Promise<number> => {
        const { receivedMessageItems: items } = await queue.receiveMessages({
          numberOfMessages: batchSize,
          visibilityTimeout: visibility,
        });
        inFlight += items.length;
        items.forEach((m) => {
          const invocationId = randomUUID();
          // Every line logged for this invocation carries its id, as the Functions host's do.
          const invocationLog = log.child({
            function: reg.name,
            queue: reg.queueName,
            messageId: m.messageId,
            dequeueCount: m.dequeueCount,
          });
          void withLogContext({ invocationId }, async () => {
            const text = Buffer.from(m.messageText, 'base64').toString('utf8');
            const context = new InvocationContext({
              invocationId,
              functionName: reg.name,
              triggerMetadata: { id: m.messageId, dequeueCount: m.dequeueCount, insertionTime: m.insertedOn },
              logHandler: (level, ...args) =>
                invocationLog.debug({ level }, typeof args[0] === 'string' ? args[0] : 'function log'),
            });
            try {
              await reg.handler(parseMaybeJson(text), context);
              if (killed) return;
              await queue.deleteMessage(m.messageId, m.popReceipt);
            } catch (err) {
              if (killed) return;
              const code = toEsafetyError(err).code;
              if (m.dequeueCount >= maxDequeue) {
                await poison.sendMessage(m.messageText);
                await queue.deleteMessage(m.messageId, m.popReceipt);
                invocationLog.error({ code, event: 'queue.poisoned' }, 'message moved to poison queue');
              } else {
                await queue.updateMessage(m.messageId, m.popReceipt, undefined, retryDelay(m.dequeueCount));
                invocationLog.warn({ code, event: 'queue.retry' }, 'message will be retried');
              }
            }
          })
            .catch((err: unknown) =>
              // The queue itself failed (retry or poison bookkeeping): the message reappears later.
              invocationLog.warn(
                { code: toEsafetyError(err).code, event: 'queue.settleFailed' },
                'message could not be settled',
              ),
            )
            .finally(() => {
              inFlight--;
              settled.splice(0).forEach((r) => r());
            });
        });
        return items.length;
      };
      // Wrapped in an object: returning the loop's promise itself would make start() wait for it to end.
      const done = (async () => {
        while (running) {
          while (running && inFlight > newBatchThreshold) await oneDone();
          if (!running) break;
          let handled = 0;
          try {
            handled = await once();
          } catch (err) {
            log.warn(
              { queue: reg.queueName, code: toEsafetyError(err).code, event: 'queue.pollFailed' },
              'queue poll failed',
            );
          }
          if (handled === 0 && running) await new Promise((r) => setTimeout(r, pollMs));
        }
        while (inFlight > 0) await oneDone();
      })();
      return { done };
    }),
  );
  return {
    async stop() {
      running = false;
      await Promise.all(loops.map((l) => l.done));
    },
    kill() {
      running = false;
      killed = true;
    },
  };
}

function parseMaybeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
