/**
 * Queue trigger on `graph-notifications`: everything the Graph webhooks accepted, processed with
 * retries. A change notification is signature-checked, decrypted, parsed and handed to the chat
 * monitor; a lifecycle event reauthorizes, recreates or backfills; a backfilled message goes
 * straight to the monitor.
 *
 * Failures: input that proves forged or tampered (bad signature, not a chat message) is dropped
 * with a log line naming why — retrying cannot fix it. Anything else (Graph or storage down) is
 * thrown: the host retries it and after 5 dequeues moves it to `graph-notifications-poison`
 * (host.json `maxDequeueCount`). The last try also tells the DSL channel, in fixed wording, so a
 * possibly missed signal never goes unnoticed; the poisoned message stays for an operator to replay.
 */
import { randomUUID } from 'node:crypto';
import type { InvocationContext } from '@azure/functions';
import { z } from 'zod';
import { chatMessageSchema, parseChatMessage } from '../adapters/graph-chats';
import { graphCall } from '../adapters/graph-gateway';
import { decryptResourceData } from '../adapters/graph-notification-crypto';
import { fail, isErrorCode, toEsafetyError, type EsafetyError } from '../core/errors';
import type { Logger } from '../core/logger';
import { reauthorizeSubscription, reconcileSubscriptions } from '../core/monitoring/subscriptions';
import type { Outbox } from '../core/outbox/outbox';
import type { Monitoring } from './composition-root';
import {
  changeNotificationSchema,
  lifecycleNotificationSchema,
  type ChangeNotification,
} from './graph-webhooks';

const graphQueueMessageSchema = z.discriminatedUnion('kind', [
  /** The change notifications of one webhook POST (or part of one), processed in order. */
  z.object({ kind: z.literal('notifications'), items: z.array(changeNotificationSchema).min(1) }),
  z.object({ kind: z.literal('lifecycle'), item: lifecycleNotificationSchema }),
  /** A message read back from Graph (backfill): plain, no encryption. */
  z.object({ kind: z.literal('message'), message: chatMessageSchema }),
]);
export type GraphQueueMessage = z.output<typeof graphQueueMessageSchema>;

/** How far back a backfill reads after missed notifications or a removed subscription. */
const backfillHours = 24;

/** The host's `maxDequeueCount` (host.json; the local queue runner uses the same). */
export const maxDequeueCount = 5;

export function graphNotificationsHandler(
  monitoring: Monitoring | undefined,
  ops: { readonly outbox: Outbox; readonly route: string },
  log: Logger,
) {
  const logger = log.child({ component: 'graph-notifications' });
  return async (message: unknown, ctx: InvocationContext): Promise<void> => {
    const dequeueCount = Number(ctx.triggerMetadata?.['dequeueCount'] ?? 0);
    const parsed = graphQueueMessageSchema.safeParse(message);
    if (!parsed.success) {
      logger.error({ event: 'graph.queueMalformed', dequeueCount }, 'malformed queue message dropped');
      return;
    }
    try {
      // Not dropped when unconfigured: once monitoring is configured the retry (or a replay) works.
      if (!monitoring) fail('CONFIG_INVALID', 'Chat monitoring is not configured.');
      await processMessage(parsed.data, monitoring, logger);
    } catch (err) {
      const e = toEsafetyError(err);
      if (e.kind === 'user') return logDropped(logger, e);
      if (dequeueCount >= maxDequeueCount) {
        logger.error({ event: 'graph.poisoning', code: e.code, dequeueCount }, 'last try failed');
        await tellDsls(monitoring, ops, logger).catch(() =>
          logger.error({ event: 'graph.noticeFailed' }, 'operator notice not queued'),
        );
      }
      throw e;
    }
  };
}

async function processMessage(message: GraphQueueMessage, m: Monitoring, log: Logger): Promise<void> {
  switch (message.kind) {
    case 'message': {
      const facts = parseChatMessage(message.message, m.tenantId);
      if (facts) await m.monitor.handle(facts);
      return;
    }
    case 'notifications':
      // Conversations side by side; within one, in order, so aggregation sees its messages as they
      // came. A failure retries the lot; items already handled are then recognised and skipped
      // (idempotent processing). An item proven forged or tampered is dropped alone.
      await Promise.all(
        byConversation(message.items).map(async (items) => {
          for (const item of items) {
            try {
              await processNotification(item, m, log);
            } catch (err) {
              const e = toEsafetyError(err);
              if (e.kind !== 'user') throw e;
              logDropped(log, e, item.subscriptionId);
            }
          }
        }),
      );
      return;
    case 'lifecycle': {
      const { subscriptionId, lifecycleEvent } = message.item;
      log.warn({ subscriptionId, lifecycleEvent, event: 'graph.lifecycle' }, 'Graph lifecycle event');
      if (lifecycleEvent === 'reauthorizationRequired') {
        try {
          await reauthorizeSubscription(m.subscriptions, subscriptionId, m.clock);
          return;
        } catch (err) {
          // Gone already: reconciling recreates it, and the gap is backfilled.
          log.warn(
            { subscriptionId, code: toEsafetyError(err).code, event: 'graph.reauthorizeFailed' },
            'reauthorize failed',
          );
        }
      }
      if (lifecycleEvent !== 'missed') await reconcileSubscriptions(m.subscriptions, m.plan, m.clock, log);
      await backfill(m, log);
      return;
    }
  }
}

/** Groups items by the chat or channel their resource names (`chats('…')/messages('…')`). */
function byConversation(items: readonly ChangeNotification[]): ChangeNotification[][] {
  const groups = new Map<string, ChangeNotification[]>();
  for (const item of items) {
    const key = /^\/?(.*?)\/messages\(/.exec(item.resource)?.[1] ?? item.resource;
    groups.set(key, [...(groups.get(key) ?? []), item]);
  }
  return [...groups.values()];
}

/** While notifications keep being poisoned, the DSL channel hears of it once an hour, not per message. */
const noticeQuietMs = 60 * 60_000;

async function tellDsls(
  monitoring: Monitoring | undefined,
  ops: { readonly outbox: Outbox; readonly route: string },
  log: Logger,
): Promise<void> {
  if (monitoring) {
    const candidate = randomUUID();
    const holder = await monitoring.ledger.claimWindow(
      'ops:signalPoisoned',
      candidate,
      monitoring.clock.now(),
      noticeQuietMs,
    );
    if (holder !== candidate)
      return log.warn({ event: 'graph.noticeQuiet' }, 'DSLs already told within the hour');
  }
  await ops.outbox.send({ kind: 'ops.notice', route: ops.route, notice: 'signalPoisoned' });
}

function logDropped(log: Logger, e: EsafetyError, subscriptionId?: string): void {
  log.warn(
    {
      event: 'graph.dropped',
      code: e.code,
      reason: typeof e.details['reason'] === 'string' ? e.details['reason'] : undefined,
      subscriptionId,
    },
    `notification dropped: ${e.message}`,
  );
}

/** The only resources this app reads back: a chat or channel message (or reply), by id. */
const messageResource =
  /^\/?(?:chats\('[^'/]+'\)|teams\('[^'/]+'\)\/channels\('[^'/]+'\))\/messages\('[^'/]+'\)(?:\/replies\('[^'/]+'\))?$/;

async function processNotification(item: ChangeNotification, m: Monitoring, log: Logger): Promise<void> {
  if (item.changeType === 'deleted') return;
  // Without resource data the message is read back from Graph: only ever a message path.
  if (!item.encryptedContent && !messageResource.test(item.resource))
    fail('NOTIFICATION_INVALID', 'The resource is not a Teams message.', { reason: 'resource' });
  const resource: unknown = item.encryptedContent
    ? decryptResourceData(item.encryptedContent, m.certificates)
    : // Without resource data (or if a large item was queued without it) read the message back.
      await graphCall(
        () =>
          m.graph
            .api(`/${item.resource.replace(/^\//, '')}`)
            .version('v1.0')
            .get(),
        'read a message',
      );
  const facts = parseChatMessage(resource, m.tenantId);
  if (!facts) {
    log.debug({ subscriptionId: item.subscriptionId, event: 'graph.notAMessage' }, "not a person's message");
    return;
  }
  await m.monitor.handle(facts);
}

/** Queues every protected person's chat message of the last `backfillHours` for the monitor. */
async function backfill(m: Monitoring, log: Logger): Promise<void> {
  const since = new Date(m.clock.now().getTime() - backfillHours * 3600_000);
  const messages = await m.backfill.since(m.protectedGroupId, since);
  for (const message of messages) {
    try {
      await m.queue.send({ kind: 'message', message });
    } catch (err) {
      if (!isErrorCode(err, 'INPUT_INVALID') || !message.chatId) throw err;
      // Too long for a queue message: queue where it is, and the worker reads it back.
      const resource = `chats('${message.chatId}')/messages('${message.id}')`;
      await m.queue.send({
        kind: 'notifications',
        items: [{ subscriptionId: 'backfill', changeType: 'created', resource }],
      });
    }
  }
  log.info({ queued: messages.length, event: 'graph.backfilled' }, 'messages queued from backfill');
}
