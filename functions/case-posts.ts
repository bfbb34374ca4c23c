/**
 * Queue trigger on `case-posts`: posts or updates case cards and tells reporters
 * (core/outbox/outbox-worker.ts), under the queue rules of queue-trigger.ts: a message that keeps
 * failing ends in `case-posts-poison`, never dropped.
 */
import { fail } from '../core/errors';
import type { Logger } from '../core/logger';
import { outboxMessageSchema } from '../core/outbox/outbox';
import { deliverOutboxMessage, type OutboxWorkerDeps } from '../core/outbox/outbox-worker';
import { queueTrigger, type QueueTriggerOptions } from './queue-trigger';

export function casePostsHandler(
  worker: OutboxWorkerDeps | undefined,
  log: Logger,
  patience: Pick<QueueTriggerOptions<unknown>, 'requeue' | 'delays'> = {},
) {
  return queueTrigger({
    ...patience,
    schema: outboxMessageSchema,
    log: log.child({ component: 'case-posts' }),
    handle: (message, invocationLog) =>
      deliverOutboxMessage(
        {
          ...(worker ?? fail('NOT_CONFIGURED', 'The bot is not configured: set ESAFETY_BOT_APP_ID.')),
          log: invocationLog,
        },
        message,
      ),
  });
}
