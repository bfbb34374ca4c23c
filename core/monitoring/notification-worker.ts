/**
 * The notification worker: everything the Graph webhooks queued, processed with retries (the
 * `graph-notifications` queue trigger calls it).
 *
 * - A change notification becomes the message it is about — verified, decrypted or read back, and
 *   parsed by the message source (an adapter) — and goes to the chat monitor. Notifications about
 *   one conversation are handled in order, conversations side by side.
 * - An item that proves forged or tampered (a user error from the source) is dropped alone, with a
 *   log line naming why: retrying cannot fix it, and the rest of its message still counts. Anything
 *   else (Graph or storage down) is thrown, so the queue retries the whole message; items already
 *   handled are then recognised by the intake and skipped.
 * - A lifecycle event reauthorizes a subscription, recreates removed ones, and after a removal or
 *   missed notifications queues a backfill of the protected people's recent messages, in the same
 *   message format as live notifications.
 */
import type { ChatMessageFacts } from '../detection/chat-signal';
import { toEsafetyError } from '../errors';
import type { Clock } from '../clock';
import type { Logger } from '../logger';
import {
  notificationMessages,
  type ChangeNotification,
  type GraphQueueMessage,
  type LifecycleNotification,
} from './graph-notification';
import type { ChatMonitor } from './chat-monitor';
import {
  reauthorizeSubscription,
  reconcileSubscriptions,
  type SubscriptionGateway,
  type SubscriptionPlan,
} from './subscriptions';

/** Turns a change notification into the message it is about (Microsoft Graph in production). */
export interface MessageSource {
  /**
   * The message, checked and parsed; undefined when it is not a person's message (a system event,
   * a deletion, an app's post). Throws NOTIFICATION_INVALID, naming why, when it is forged or not ours.
   */
  messageOf(item: ChangeNotification): Promise<ChatMessageFacts | undefined>;
  /** The chat messages of a group's members changed since a time, as notification resources. */
  changedSince(groupId: string, since: Date): Promise<string[]>;
}

export interface NotificationWorkerDeps {
  readonly source: MessageSource;
  readonly monitor: Pick<ChatMonitor, 'handle'>;
  readonly subscriptions: SubscriptionGateway;
  readonly plan: SubscriptionPlan;
  /** Where backfilled messages are queued (the worker's own queue). */
  readonly queue: { send(message: GraphQueueMessage): Promise<void> };
  /** The Entra group whose members' chats are watched (the pack's protected role). */
  readonly protectedGroupId: string;
  /** The sharing watch, told when a watched drive changed (core/sharing/sharing-watch.ts). */
  readonly drives?: { driveChanged(driveId: string, log: Logger): Promise<unknown> };
  /** The drives watched through subscriptions: all re-read after a lifecycle event. */
  readonly driveIds?: readonly string[];
  readonly clock: Clock;
}

/** How far back a backfill reads after missed notifications or a removed subscription. */
const backfillHours = 24;

export class NotificationWorker {
  constructor(private readonly deps: NotificationWorkerDeps) {}

  async process(message: GraphQueueMessage, log: Logger): Promise<void> {
    if (message.kind === 'lifecycle') return this.lifecycle(message.item, log);
    // A drive notification says only "something changed": its delta says what, once per drive.
    const drives = new Set(message.items.map((i) => driveOf(i.resource)).filter((d) => d !== undefined));
    const messages = message.items.filter((i) => driveOf(i.resource) === undefined);
    await Promise.all([
      ...[...drives].map((driveId) => this.driveChanged(driveId, log)),
      ...byConversation(messages).map(async (items) => {
        for (const item of items) await this.notification(item, log);
      }),
    ]);
  }

  private async driveChanged(driveId: string, log: Logger): Promise<void> {
    if (!this.deps.drives) {
      log.warn({ event: 'graph.driveUnwatched' }, 'drive notification but sharing is not watched');
      return;
    }
    await this.deps.drives.driveChanged(driveId, log);
  }

  private async notification(item: ChangeNotification, log: Logger): Promise<void> {
    if (item.changeType === 'deleted') return;
    let facts: ChatMessageFacts | undefined;
    try {
      facts = await this.deps.source.messageOf(item);
    } catch (err) {
      const e = toEsafetyError(err);
      if (e.kind !== 'user') throw e;
      // Proven forged, tampered or not ours: dropped alone, the rest of the message still counts.
      log.warn(
        {
          event: 'graph.dropped',
          code: e.code,
          reason: typeof e.details['reason'] === 'string' ? e.details['reason'] : undefined,
          subscriptionId: item.subscriptionId,
        },
        `notification dropped: ${e.message}`,
      );
      return;
    }
    if (!facts) {
      log.debug(
        { subscriptionId: item.subscriptionId, event: 'graph.notAMessage' },
        "not a person's message",
      );
      return;
    }
    await this.deps.monitor.handle(facts);
  }

  private async lifecycle(item: LifecycleNotification, log: Logger): Promise<void> {
    const { subscriptions, plan, clock } = this.deps;
    const { subscriptionId, lifecycleEvent } = item;
    log.warn({ subscriptionId, lifecycleEvent, event: 'graph.lifecycle' }, 'Graph lifecycle event');
    if (lifecycleEvent === 'reauthorizationRequired') {
      try {
        await reauthorizeSubscription(subscriptions, subscriptionId, clock);
        return;
      } catch (err) {
        // Gone already: reconciling recreates it, and the gap is backfilled.
        log.warn(
          { subscriptionId, code: toEsafetyError(err).code, event: 'graph.reauthorizeFailed' },
          'reauthorize failed',
        );
      }
    }
    if (lifecycleEvent !== 'missed') await reconcileSubscriptions(subscriptions, plan, clock, log);
    await this.backfill(log);
    // Whatever was missed in the watched drives, their delta links still hold it.
    for (const driveId of this.deps.driveIds ?? []) await this.driveChanged(driveId, log);
  }

  /** Queues every protected person's chat message of the last `backfillHours`, by reference. */
  private async backfill(log: Logger): Promise<void> {
    const since = new Date(this.deps.clock.now().getTime() - backfillHours * 3600_000);
    const resources = await this.deps.source.changedSince(this.deps.protectedGroupId, since);
    const messages = notificationMessages(
      resources.map((resource) => ({ subscriptionId: 'backfill', changeType: 'created', resource })),
    );
    for (const m of messages) await this.deps.queue.send(m);
    log.info({ queued: resources.length, event: 'graph.backfilled' }, 'messages queued from backfill');
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

/** The drive a notification is about (`drives/{id}/root`), if it is about one. */
function driveOf(resource: string): string | undefined {
  const id = /^\/?drives\/([^/]+)\/root$/i.exec(resource)?.[1];
  return id === undefined ? undefined : decodeURIComponent(id);
}
