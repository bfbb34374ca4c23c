import { HttpRequest, InvocationContext } from '@azure/functions';
import { fail } from '../../../core/errors';
import type { OutboxMessage } from '../../../core/outbox/outbox';
import type { Monitoring } from '../../../functions/composition-root';
import { graphNotificationsHandler, type GraphQueueMessage } from '../../../functions/graph-notifications';
import {
  changeNotificationSchema,
  graphLifecycleHandler,
  graphNotifyHandler,
  notificationMessages,
} from '../../../functions/graph-webhooks';
import { MemorySignalLedger } from '../../support/memory-signal-ledger';
import { RecordingLogger } from '../../support/recording-logger';

const tenantId = '5a1e0000-0000-4000-8000-00000000c011';
const clientState = 'the-client-state-of-our-subscriptions';

function monitoring(overrides: Partial<Monitoring> = {}) {
  const queued: GraphQueueMessage[] = [];
  const m = {
    tenantId,
    clientState,
    tokens: {
      verifyAll: (t: readonly string[]) =>
        t.length > 0 && t.every((x) => x === 'good')
          ? Promise.resolve()
          : fail('NOTIFICATION_UNAUTHENTIC', 'bad', { reason: 'test' }),
    },
    queue: { send: (msg: GraphQueueMessage) => Promise.resolve(void queued.push(msg)) },
    ledger: new MemorySignalLedger(),
    clock: { now: () => new Date('2026-11-23T09:00:00Z') },
    ...overrides,
  } as unknown as Monitoring;
  return { m, queued };
}

const item = (over: Record<string, unknown> = {}) => ({
  subscriptionId: 's1',
  changeType: 'created',
  clientState,
  tenantId,
  resource: "chats('19:a@thread.v2')/messages('1')",
  encryptedContent: { data: 'ZA==', dataKey: 'ZA==', dataSignature: 'ZA==', encryptionCertificateId: 'c' },
  ...over,
});

function post(body: unknown, query = '') {
  return new HttpRequest({
    method: 'POST',
    url: `http://127.0.0.1/api/graph/notify${query}`,
    headers: { 'content-type': 'application/json' },
    body: { string: typeof body === 'string' ? body : JSON.stringify(body) },
  });
}
const ctx = () => new InvocationContext({ functionName: 'graphNotify' });

describe('the notify webhook', () => {
  it('answers the handshake first, decoded, even when monitoring is not configured', async () => {
    const res = await graphNotifyHandler(undefined, new RecordingLogger())(
      post('', '?validationToken=a%20b%2Bc%3D%26'),
      ctx(),
    );
    expect(res).toMatchObject({ status: 200, body: 'a b+c=&' });
    expect(res.headers).toEqual({ 'content-type': 'text/plain; charset=utf-8' });
  });

  it('queues each item whose clientState and tenant match, and answers 202', async () => {
    const { m, queued } = monitoring();
    const log = new RecordingLogger();
    const res = await graphNotifyHandler(m, log)(
      post({
        value: [item(), item({ clientState: 'wrong' }), item({ tenantId: 'other' })],
        validationTokens: ['good'],
      }),
      ctx(),
    );
    expect(res.status).toBe(202);
    expect(queued).toHaveLength(1);
    expect(log.find({ event: 'graph.rejected', reason: 'clientState' })).toHaveLength(1);
    expect(log.find({ event: 'graph.rejected', reason: 'tenant' })).toHaveLength(1);
  });

  it.each([
    ['no validation tokens', { value: [item()] }, 401],
    ['a bad validation token', { value: [item()], validationTokens: ['good', 'forged'] }, 401],
    ['a body that is not a notification collection', { value: [{ hello: 1 }] }, 400],
    ['an empty collection', { value: [] }, 400],
    ['a body that is not JSON', '{not json', 400],
  ])('refuses %s and queues nothing', async (_what, body, status) => {
    const { m, queued } = monitoring();
    const res = await graphNotifyHandler(m, new RecordingLogger())(post(body), ctx());
    expect(res.status).toBe(status);
    expect(queued).toHaveLength(0);
  });

  it('answers 503 so Graph retries when the queue cannot take the notification', async () => {
    const { m } = monitoring({ queue: { send: () => fail('STORAGE_UNAVAILABLE', 'down') } });
    const res = await graphNotifyHandler(m, new RecordingLogger())(
      post({ value: [item()], validationTokens: ['good'] }),
      ctx(),
    );
    expect(res.status).toBe(503);
  });

  it('answers 503 when the signing keys cannot be fetched, rather than calling Graph a forger', async () => {
    const { m } = monitoring({ tokens: { verifyAll: () => fail('UPSTREAM_UNAVAILABLE', 'no keys') } });
    const res = await graphNotifyHandler(m, new RecordingLogger())(
      post({ value: [item()], validationTokens: ['good'] }),
      ctx(),
    );
    expect(res.status).toBe(503);
  });

  it('answers 503 naming the settings when monitoring is not configured', async () => {
    const res = await graphNotifyHandler(undefined, new RecordingLogger())(post({ value: [item()] }), ctx());
    expect(res.status).toBe(503);
    expect(JSON.stringify(res.jsonBody)).toContain('ESAFETY_GRAPH_NOTIFICATION_CERT');
  });
});

describe('packing notifications into queue messages', () => {
  it('packs a batch into as few messages as fit, and queues an oversized item without its resource data', () => {
    const big = 'A'.repeat(20_000);
    const items = [1, 2, 3, 4, 5].map((n) =>
      changeNotificationSchema.parse(
        item({
          subscriptionId: `s${n}`,
          encryptedContent: { data: big, dataKey: 'k', dataSignature: 's', encryptionCertificateId: 'c' },
        }),
      ),
    );
    const huge = changeNotificationSchema.parse(
      item({
        encryptedContent: {
          data: 'A'.repeat(60_000),
          dataKey: 'k',
          dataSignature: 's',
          encryptionCertificateId: 'c',
        },
      }),
    );
    const messages = notificationMessages([...items, huge]);
    const all = messages.flatMap((m) => (m.kind === 'notifications' ? m.items : []));
    expect(all.map((i) => i.subscriptionId)).toEqual(['s1', 's2', 's3', 's4', 's5', 's1']);
    expect(all.at(-1)?.encryptedContent).toBeUndefined();
    expect(messages.map((m) => (m.kind === 'notifications' ? m.items.length : 0))).toEqual([2, 2, 2]);
    for (const m of messages) expect(Buffer.byteLength(JSON.stringify(m))).toBeLessThanOrEqual(48 * 1024);
  });
});

describe('the lifecycle webhook', () => {
  it('queues lifecycle events with a matching clientState', async () => {
    const { m, queued } = monitoring();
    const res = await graphLifecycleHandler(m, new RecordingLogger())(
      post({ value: [{ subscriptionId: 's1', lifecycleEvent: 'missed', clientState, tenantId }] }),
      ctx(),
    );
    expect(res.status).toBe(202);
    expect(queued).toEqual([
      { kind: 'lifecycle', item: { subscriptionId: 's1', lifecycleEvent: 'missed', clientState, tenantId } },
    ]);
  });
});

describe('the notifications queue trigger', () => {
  const queueCtx = (dequeueCount: number) =>
    new InvocationContext({ functionName: 'graphNotifications', triggerMetadata: { dequeueCount } });
  const failing = () =>
    monitoring({
      monitor: { handle: () => fail('UPSTREAM_UNAVAILABLE', 'graph down') },
      certificates: [],
    }).m;
  const message = {
    kind: 'message',
    message: {
      id: '1',
      chatId: '19:a@thread.v2',
      createdDateTime: '2026-11-23T09:00:00Z',
      from: { user: { id: 'u', userIdentityType: 'aadUser' } },
      body: { contentType: 'text', content: 'hi' },
    },
  };

  it('rethrows a system failure so the host retries it, and tells the DSL channel on the last try', async () => {
    const sent: OutboxMessage[] = [];
    const outbox = { send: (m: OutboxMessage) => Promise.resolve(void sent.push(m)) };
    const handler = graphNotificationsHandler(failing(), { outbox, route: 'dsl' }, new RecordingLogger());
    await expect(handler(message, queueCtx(1))).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    expect(sent).toEqual([]);
    await expect(handler(message, queueCtx(5))).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    expect(sent).toEqual([{ kind: 'ops.notice', route: 'dsl', notice: 'signalPoisoned' }]);
    // A storm of poisoned notifications is one card an hour, not one card each.
    await expect(handler(message, queueCtx(5))).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    expect(sent).toHaveLength(1);
  });

  it('reads a message back from Graph when the item came without resource data, and only a message', async () => {
    const requested: string[] = [];
    const handled: unknown[] = [];
    const chatMessage = {
      id: '1700000000000',
      chatId: '19:a@thread.v2',
      createdDateTime: '2026-11-23T09:00:00Z',
      from: { user: { id: 'u1', displayName: 'U', userIdentityType: 'aadUser', tenantId } },
      body: { contentType: 'html', content: '<p>hello <b>there</b></p>' },
    };
    const graph = {
      api: (path: string) => {
        requested.push(path);
        return { version: () => ({ get: () => Promise.resolve(chatMessage) }) };
      },
    };
    const log = new RecordingLogger();
    const { m } = monitoring({
      graph: graph as unknown as Monitoring['graph'],
      monitor: {
        handle: (facts) =>
          Promise.resolve(void handled.push(facts)).then(() => ({ outcome: 'noSignal' as const })),
      },
    });
    const handler = graphNotificationsHandler(
      m,
      { outbox: { send: () => Promise.resolve() }, route: 'dsl' },
      log,
    );
    const { encryptedContent: _none, ...bare } = item();
    await handler(
      {
        kind: 'notifications',
        items: [bare, { ...bare, resource: 'users/someone/mailFolders/inbox/messages' }],
      },
      queueCtx(1),
    );
    expect(requested).toEqual(["/chats('19:a@thread.v2')/messages('1')"]);
    expect(handled).toEqual([expect.objectContaining({ messageId: '1700000000000', text: 'hello there' })]);
    expect(log.find({ event: 'graph.dropped', reason: 'resource' })).toHaveLength(1);
  });

  it('drops tampered input with a log line instead of retrying it five times', async () => {
    const log = new RecordingLogger();
    const { m } = monitoring({ certificates: [] });
    const outbox = { send: () => Promise.resolve() };
    const handler = graphNotificationsHandler(m, { outbox, route: 'dsl' }, log);
    await handler({ kind: 'notifications', items: [item(), item({ subscriptionId: 's2' })] }, queueCtx(1));
    expect(log.find({ event: 'graph.dropped', reason: 'unknownCertificate' })).toHaveLength(2);
  });
});
