/**
 * One skeleton for every queue-triggered function, so each queue follows the same rules
 * (https://learn.microsoft.com/azure/azure-functions/functions-bindings-storage-queue-trigger):
 *
 * - every invocation logs with its invocation id and dequeue count;
 * - a message that does not parse is logged and thrown: retrying will not fix it, but it is kept —
 *   after the host's last try it sits in `<queue>-poison` for an operator, never dropped;
 * - a user error from the handler (input proven forged, tampered or refused) is logged and the
 *   message completes: retrying cannot change the answer;
 * - a failure of something we depend on (Graph or storage not answering) is waited out over
 *   minutes, not seconds: with `requeue`, the message is queued again as a new message that stays
 *   invisible for a growing delay (30 s, doubling, at most 15 min; about an hour in all), and this
 *   try completes only once that copy is stored. The host's own retries are seconds apart
 *   (host.json `visibilityTimeout`) and would poison every message in a short outage;
 * - any other error, or a dependency still failing after that hour, is thrown, so the host retries
 *   it (its visibility timeout) and after `maxDequeueCount` tries moves it to the poison queue; on
 *   that last try `onLastTry` runs first (to tell someone), and its own failure is only logged.
 *   Poisoned messages are replayed by `replayPoison` (adapters/poison-queue.ts).
 */
import type { InvocationContext } from '@azure/functions';
import type { z } from 'zod';
import { fail, failedPaths, toEsafetyError, type EsafetyError } from '../core/errors';
import { withLogContext, type Logger } from '../core/logger';
import { telemetry } from './telemetry';

/** host.json `extensions.queues.maxDequeueCount`; the local queue runner uses the same. */
export const maxDequeueCount = 5;

export interface QueueTriggerOptions<T> {
  readonly schema: z.ZodType<T>;
  readonly log: Logger;
  handle(message: T, log: Logger): Promise<void>;
  onLastTry?(error: EsafetyError, log: Logger): Promise<void>;
  /** Queues the message again, invisible for `delaySeconds` (the function's own queue). */
  requeue?(message: Record<string, unknown>, delaySeconds: number): Promise<void>;
  /** The patient retries' delays in seconds (default `patientDelays`; tests use short ones). */
  readonly delays?: readonly number[];
}

/** Failures of a dependency, worth waiting out (as opposed to a bug, which waiting cannot fix). */
const dependencyFailures = new Set(['UPSTREAM_UNAVAILABLE', 'STORAGE_UNAVAILABLE']);

/** Delays of the patient retries, in seconds: about an hour in all. */
export const patientDelays = [30, 60, 120, 240, 480, 900, 900, 900] as const;

/** The field a re-queued message carries: how many patient retries it has had. */
const patienceField = 'patience';

export function queueTrigger<T>(options: QueueTriggerOptions<T>) {
  return async (message: unknown, ctx: InvocationContext): Promise<void> => {
    const dequeueCount = Number(ctx.triggerMetadata?.['dequeueCount'] ?? 0);
    const log = options.log.child({ dequeueCount });
    const insertion = ctx.triggerMetadata?.['insertionTime'];
    const queuedAt =
      insertion instanceof Date
        ? insertion.getTime()
        : typeof insertion === 'string'
          ? Date.parse(insertion)
          : Number.NaN;
    const fn = ctx.functionName;
    // Every line of the invocation, however deep, carries its id (core/logger.ts log context).
    return withLogContext({ invocationId: ctx.invocationId }, async () => {
      if (await run(message, log, dequeueCount, fn))
        telemetry.processed(fn, Number.isNaN(queuedAt) ? undefined : Date.now() - queuedAt);
    });
  };

  /** True when the handler did the work (not dropped, not set to wait); throws to retry. */
  async function run(message: unknown, log: Logger, dequeueCount: number, fn: string): Promise<boolean> {
    const raw = typeof message === 'string' ? json(message) : message;
    try {
      const parsed = options.schema.safeParse(raw);
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
      return true;
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
        telemetry.dropped(fn, typeof e.details['reason'] === 'string' ? e.details['reason'] : e.code);
        return false;
      }
      const patience = patienceOf(raw);
      const delay = (options.delays ?? patientDelays)[patience];
      if (options.requeue && dependencyFailures.has(e.code) && delay !== undefined && isRecord(raw)) {
        // Stored before this try completes: if it cannot be, the throw below keeps the original.
        const requeued = await options
          .requeue({ ...raw, [patienceField]: patience + 1 }, delay)
          .then(() => true)
          .catch(() => false);
        if (requeued) {
          log.warn(
            { event: 'queue.waiting', code: e.code, patience: patience + 1, delaySeconds: delay },
            'a dependency failed: the message waits and tries again',
          );
          telemetry.waiting(fn);
          return false;
        }
      }
      if (dequeueCount >= maxDequeueCount) {
        log.error({ event: 'queue.lastTryFailed', code: e.code }, 'last try failed: the message is poisoned');
        telemetry.poisoned(fn);
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

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** How many patient retries a message has had (0 for a new one). */
function patienceOf(raw: unknown): number {
  const n = isRecord(raw) ? raw[patienceField] : undefined;
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 ? n : 0;
}
