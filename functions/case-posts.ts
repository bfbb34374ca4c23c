/**
 * Queue trigger on `case-posts`: posts or updates case cards and tells reporters. A message that
 * fails is retried by the host and moved to `case-posts-poison` after 5 dequeues; nothing is dropped.
 */
import type { InvocationContext } from '@azure/functions';
import { fail } from '../core/errors';
import type { Logger } from '../core/logger';
import { outboxMessageSchema } from '../core/outbox/outbox';
import { deliverOutboxMessage, type OutboxWorkerDeps } from '../core/outbox/outbox-worker';

export function casePostsHandler(worker: OutboxWorkerDeps | undefined, log: Logger) {
  return async (message: unknown, ctx: InvocationContext): Promise<void> => {
    const raw = typeof message === 'string' ? tryJson(message) : message;
    const parsed = outboxMessageSchema.safeParse(raw);
    const dequeueCount = Number(ctx.triggerMetadata?.['dequeueCount'] ?? 0);
    if (!parsed.success) {
      log.error(
        { event: 'outbox.malformed', invocationId: ctx.invocationId, dequeueCount },
        'malformed outbox message',
      );
      return fail('INPUT_INVALID', 'Malformed outbox message.');
    }
    if (!worker) return fail('CONFIG_INVALID', 'The bot is not configured: set ESAFETY_BOT_APP_ID.');
    await deliverOutboxMessage(
      { ...worker, log: log.child({ invocationId: ctx.invocationId }) },
      parsed.data,
    );
  };
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
