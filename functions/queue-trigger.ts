/**
 * One skeleton for every queue-triggered function, so each queue follows the same rules
 * (https://learn.microsoft.com/azure/azure-functions/functions-bindings-storage-queue-trigger):
 *
 * - every invocation logs with its invocation id and dequeue count;
 * - a message that does not parse is logged and thrown: retrying will not fix it, but it is kept —
 *   after the host's last try it sits in `<queue>-poison` for an operator, never dropped;
 * - a user error from the handler (input proven forged, tampered or refused) is logged and the
 *   message completes: retrying cannot change the answer;
 * - any other error is thrown, so the host retries it (its visibility timeout) and after
 *   `maxDequeueCount` tries moves it to the poison queue; on that last try `onLastTry` runs first
 *   (to tell someone), and its own failure is only logged.
 */
import type { InvocationContext } from '@azure/functions';
import type { z } from 'zod';
import { fail, failedPaths, toEsafetyError, type EsafetyError } from '../core/errors';
import { withLogContext, type Logger } from '../core/logger';

/** host.json `extensions.queues.maxDequeueCount`; the local queue runner uses the same. */
export const maxDequeueCount = 5;

export interface QueueTriggerOptions<T> {
  readonly schema: z.ZodType<T>;
  readonly log: Logger;
  handle(message: T, log: Logger): Promise<void>;
  onLastTry?(error: EsafetyError, log: Logger): Promise<void>;
}

export function queueTrigger<T>(options: QueueTriggerOptions<T>) {
  return async (message: unknown, ctx: InvocationContext): Promise<void> => {
    const dequeueCount = Number(ctx.triggerMetadata?.['dequeueCount'] ?? 0);
    const log = options.log.child({ dequeueCount });
    // Every line of the invocation, however deep, carries its id (core/logger.ts log context).
    return withLogContext({ invocationId: ctx.invocationId }, () => run(message, log, dequeueCount));
  };

  async function run(message: unknown, log: Logger, dequeueCount: number): Promise<void> {
    try {
      const parsed = options.schema.safeParse(typeof message === 'string' ? json(message) : message);
      if (!parsed.success) {
        log.error(
          {
            event: 'queue.malformed',
            paths: failedPaths(parsed.error),
          },
          'malformed queue message kept for the poison queue',
        );
        fail('QUEUE_MESSAGE_MALFORMED', 'The queue message is not one this function takes.');
      }
      await options.handle(parsed.data, log);
    } catch (err) {
      const e = toEsafetyError(err);
      if (e.kind === 'user') {
        log.warn(
          {
            event: 'queue.dropped',
            code: e.code,
            reason: typeof e.details['reason'] === 'string' ? e.details['reason'] : undefined,
          },
          `message dropped: ${e.message}`,
        );
        return;
      }
      if (dequeueCount >= maxDequeueCount) {
        log.error({ event: 'queue.lastTryFailed', code: e.code }, 'last try failed: the message is poisoned');
        await Promise.resolve()
          .then(() => options.onLastTry?.(e, log))
          .catch((noticeErr: unknown) =>
            log.error(
              { event: 'queue.noticeFailed', code: toEsafetyError(noticeErr).code },
              'could not tell anyone',
            ),
          );
      } else {
        log.warn({ event: 'queue.retry', code: e.code }, 'failed: the message will be retried');
      }
      throw e;
    }
  }
}

function json(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
