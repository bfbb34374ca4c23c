import type { ChatMessageFacts } from '../../../core/detection/chat-signal';
import { fail } from '../../../core/errors';
import type { ChangeNotification, GraphQueueMessage } from '../../../core/monitoring/graph-notification';
import { NotificationWorker, type MessageSource } from '../../../core/monitoring/notification-worker';
import type { Subscription, SubscriptionGateway } from '../../../core/monitoring/subscriptions';
import { RecordingLogger } from '../../support/recording-logger';

const now = new Date('2026-11-23T09:00:00Z');

const item = (resource: string, over: Partial<ChangeNotification> = {}): ChangeNotification => ({
  subscriptionId: 's1',
  changeType: 'created',
  resource,
  ...over,
});

const facts = (messageId: string, chatId: string): ChatMessageFacts => ({
  messageId,
  conversation: { kind: 'chat', chatId },
  sender: { id: 'u', identity: 'internal' },
  text: 'hi',
  createdAt: now.toISOString(),
});

function setup(source: Partial<MessageSource> = {}) {
  const handled: string[] = [];
  const queued: GraphQueueMessage[] = [];
  const calls: string[] = [];
  const subscriptions: SubscriptionGateway = {
    list: () => Promise.resolve([]),
    create: (r) => {
      calls.push(`create ${r.resource}`);
      return Promise.resolve({ id: 'new', ...r } as Subscription);
    },
    renew: (id) => {
      calls.push(`renew ${id}`);
      return Promise.resolve({ id } as Subscription);
    },
    reauthorize: (id) => Promise.resolve(void calls.push(`reauthorize ${id}`)),
    remove: (id) => Promise.resolve(void calls.push(`remove ${id}`)),
  };
  const worker = new NotificationWorker({
    source: {
      messageOf: (i) => {
        const m = /chats\('([^']+)'\)\/messages\('([^']+)'\)/.exec(i.resource);
        return Promise.resolve(m ? facts(m[2]!, m[1]!) : undefined);
      },
      changedSince: () => Promise.resolve([]),
      ...source,
    },
    monitor: {
      handle: (f) =>
        Promise.resolve(void handled.push(f.messageId)).then(() => ({ outcome: 'noSignal' as const })),
    },
    subscriptions,
    plan: {
      notificationUrl: 'https://app/n',
      lifecycleNotificationUrl: 'https://app/l',
      resources: ['/chats/getAllMessages'],
    },
    queue: { send: (m) => Promise.resolve(void queued.push(m)) },
    protectedGroupId: 'learners',
    clock: { now: () => now },
  });
  return { worker, handled, queued, calls, log: new RecordingLogger() };
}

describe('the notification worker', () => {
  it('hands each message to the chat monitor, in order within a chat', async () => {
    const { worker, handled, log } = setup();
    await worker.process(
      {
        kind: 'notifications',
        items: [
          item("chats('a')/messages('1')"),
          item("chats('b')/messages('1')"),
          item("chats('a')/messages('2')"),
          item("chats('a')/messages('3')", { changeType: 'deleted' }),
        ],
      },
      log,
    );
    expect(handled.filter((_, i, all) => all.indexOf(handled[i]!) === i)).toHaveLength(2);
    expect(handled).toHaveLength(3);
  });

  it('drops an item proven forged alone, naming why, and still handles the rest', async () => {
    const { worker, handled, log } = setup({
      messageOf: (i) =>
        i.subscriptionId === 'forged'
          ? fail('NOTIFICATION_INVALID', 'The data signature does not match.', { reason: 'dataSignature' })
          : Promise.resolve(facts('2', 'a')),
    });
    await worker.process(
      {
        kind: 'notifications',
        items: [
          item("chats('a')/messages('1')", { subscriptionId: 'forged' }),
          item("chats('a')/messages('2')"),
        ],
      },
      log,
    );
    expect(handled).toEqual(['2']);
    expect(
      log.find({ event: 'graph.dropped', reason: 'dataSignature', subscriptionId: 'forged' }),
    ).toHaveLength(1);
  });

  it('throws when Graph is down, so the queue retries the whole message', async () => {
    const { worker, log } = setup({ messageOf: () => fail('UPSTREAM_UNAVAILABLE', 'Graph is down') });
    await expect(
      worker.process({ kind: 'notifications', items: [item("chats('a')/messages('1')")] }, log),
    ).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
  });

  it('reauthorizes and renews a subscription when Graph asks', async () => {
    const { worker, calls, queued, log } = setup();
    await worker.process(
      { kind: 'lifecycle', item: { subscriptionId: 's9', lifecycleEvent: 'reauthorizationRequired' } },
      log,
    );
    expect(calls).toEqual(['reauthorize s9', 'renew s9']);
    expect(queued).toEqual([]);
  });

  it('recreates a removed subscription and queues the last day of protected people’s messages as notifications', async () => {
    const asked: [string, string][] = [];
    const { worker, calls, queued, log } = setup({
      changedSince: (group, since) => {
        asked.push([group, since.toISOString()]);
        return Promise.resolve(["chats('a')/messages('1')", "chats('b')/messages('7')"]);
      },
    });
    await worker.process(
      { kind: 'lifecycle', item: { subscriptionId: 's1', lifecycleEvent: 'subscriptionRemoved' } },
      log,
    );
    expect(calls).toEqual(['create /chats/getAllMessages']);
    expect(asked).toEqual([['learners', '2026-11-22T09:00:00.000Z']]);
    // The same message format as live notifications: the worker reads each one back.
    expect(queued).toEqual([
      {
        kind: 'notifications',
        items: [
          { subscriptionId: 'backfill', changeType: 'created', resource: "chats('a')/messages('1')" },
          { subscriptionId: 'backfill', changeType: 'created', resource: "chats('b')/messages('7')" },
        ],
      },
    ]);
  });
});
