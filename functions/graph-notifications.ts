/**
 * Queue trigger on `graph-notifications`: everything the Graph webhooks accepted, processed by the
 * notification worker (core/monitoring/notification-worker.ts) under the queue rules of
 * queue-trigger.ts. On the last try the DSL channel is told, in fixed wording, that a possibly
 * missed signal was set aside; the poisoned message stays for an operator to replay.
 */
import { fail } from '../core/errors';
import type { Logger } from '../core/logger';
import { graphQueueMessageSchema } from '../core/monitoring/graph-notification';
import type { NotificationWorker } from '../core/monitoring/notification-worker';
import { queueTrigger, type QueueTriggerOptions } from './queue-trigger';

export function graphNotificationsHandler(
  worker: Pick<NotificationWorker, 'process'> | undefined,
  onLastTry: () => Promise<void>,
  log: Logger,
  patience: Pick<QueueTriggerOptions<unknown>, 'requeue' | 'delays'> = {},
) {
  return queueTrigger({
    ...patience,
    schema: graphQueueMessageSchema,
    log: log.child({ component: 'graph-notifications' }),
    // Not dropped when unconfigured: once monitoring is configured the retry (or a replay) works.
    handle: (message, invocationLog) =>
      (worker ?? fail('NOT_CONFIGURED', 'Chat monitoring is not configured.')).process(
        message,
        invocationLog,
      ),
    onLastTry,
  });
}
