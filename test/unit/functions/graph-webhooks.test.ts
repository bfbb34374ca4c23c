import { HttpRequest, InvocationContext } from '@azure/functions';
import { fail } from '../../../core/errors';
import type { GraphQueueMessage } from '../../../core/monitoring/graph-notification';
import type { Monitoring } from '../../../functions/composition-root';
import { graphLifecycleHandler, graphNotifyHandler } from '../../../functions/graph-webhooks';
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

  it('logs every line of an invocation with its invocation id, dropped items included', async () => {
    const { m } = monitoring();
    const log = new RecordingLogger();
    const handler = graphNotifyHandler(m, log);
    const first = new InvocationContext({ invocationId: 'invocation-1', functionName: 'graphNotify' });
    const second = new InvocationContext({ invocationId: 'invocation-2', functionName: 'graphNotify' });
    await handler(
      post({
        value: [item(), item({ clientState: 'wrong' }), item({ tenantId: 'other' })],
        validationTokens: ['good'],
      }),
      first,
    );
    await handler(post('{not json'), second);
    expect(log.find({ invocationId: first.invocationId }).map((e) => e.fields['event'])).toEqual([
      'graph.rejected',
      'graph.rejected',
      'graph.queued',
    ]);
    expect(log.find({ invocationId: second.invocationId }).map((e) => e.fields['event'])).toEqual([
      'graph.malformed',
    ]);
    expect(log.entries).toHaveLength(4);
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

  it.each([
    ['a forged validation token', ['forged'], 401],
    ['a good one', ['good'], 202],
  ])('checks the validation tokens Graph sends with lifecycle events: %s', async (_what, tokens, status) => {
    const { m, queued } = monitoring();
    const res = await graphLifecycleHandler(m, new RecordingLogger())(
      post({
        value: [{ subscriptionId: 's1', lifecycleEvent: 'subscriptionRemoved', clientState, tenantId }],
        validationTokens: tokens,
      }),
      ctx(),
    );
    expect(res.status).toBe(status);
    expect(queued).toHaveLength(status === 202 ? 1 : 0);
  });

  it('drops lifecycle events with the wrong clientState', async () => {
    const { m, queued } = monitoring();
    const log = new RecordingLogger();
    const res = await graphLifecycleHandler(m, log)(
      post({ value: [{ subscriptionId: 's1', lifecycleEvent: 'subscriptionRemoved', clientState: 'nope' }] }),
      ctx(),
    );
    expect(res.status).toBe(202);
    expect(queued).toEqual([]);
    expect(log.find({ event: 'graph.rejected', reason: 'clientState' })).toHaveLength(1);
  });
});
