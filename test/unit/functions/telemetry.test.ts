/**
 * The operator's metrics, read through an OpenTelemetry meter provider of the test's own: what the
 * webhook and the queue triggers count and time, and that no metric carries anything but the app's
 * own codes (never a name or message text).
 */
import { HttpRequest, InvocationContext } from '@azure/functions';
import { metrics } from '@opentelemetry/api';
import { MeterProvider, MetricReader, type DataPoint, type Histogram } from '@opentelemetry/sdk-metrics';
import { z } from 'zod';
import { fail } from '../../../core/errors';
import type { GraphQueueMessage } from '../../../core/monitoring/graph-notification';
import type { Monitoring } from '../../../functions/composition-root';
import { graphNotifyHandler } from '../../../functions/graph-webhooks';
import { queueTrigger } from '../../../functions/queue-trigger';
import { metricAttributes, resetTelemetryForTests, telemetry } from '../../../functions/telemetry';
import { RecordingLogger } from '../../support/recording-logger';

class TestReader extends MetricReader {
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

let reader: TestReader;
beforeEach(() => {
  metrics.disable();
  reader = new TestReader();
  metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
  resetTelemetryForTests();
});
afterAll(() => metrics.disable());

/** Every data point recorded so far, by metric name. */
async function points(): Promise<Map<string, DataPoint<number | Histogram>[]>> {
  const { resourceMetrics } = await reader.collect();
  const byName = new Map<string, DataPoint<number | Histogram>[]>();
  for (const scope of resourceMetrics.scopeMetrics)
    for (const m of scope.metrics)
      byName.set(m.descriptor.name, m.dataPoints as DataPoint<number | Histogram>[]);
  return byName;
}
const sum = (ps: DataPoint<number | Histogram>[] | undefined) =>
  (ps ?? []).reduce((n, p) => n + (typeof p.value === 'number' ? p.value : p.value.count), 0);

const tenantId = '5a1e0000-0000-4000-8000-00000000c011';
const clientState = 'the-client-state-of-our-subscriptions';
const monitoring = {
  tenantId,
  clientState,
  tokens: { verifyAll: () => Promise.resolve() },
  queue: { send: (_m: GraphQueueMessage) => Promise.resolve() },
} as unknown as Monitoring;
const notification = (text: string) =>
  new HttpRequest({
    method: 'POST',
    url: 'http://127.0.0.1/api/graph/notify',
    headers: { 'content-type': 'application/json' },
    body: {
      string: JSON.stringify({
        value: [
          {
            subscriptionId: 's1',
            changeType: 'created',
            clientState,
            tenantId,
            resource: `chats('19:a@thread.v2')/messages('${text}')`,
          },
        ],
      }),
    },
  });

describe('telemetry', () => {
  it('counts accepted notifications and times every webhook answer, with its status only', async () => {
    const handler = graphNotifyHandler(monitoring, new RecordingLogger());
    const ctx = new InvocationContext({ functionName: 'graphNotify' });
    await handler(notification('1'), ctx);
    await handler(notification('2'), ctx);
    await handler(new HttpRequest({ method: 'POST', url: 'http://127.0.0.1/api/graph/notify' }), ctx);
    const p = await points();
    expect(sum(p.get('esafety.notifications.received'))).toBe(2);
    expect(p.get('esafety.webhook.duration')?.map((d) => d.attributes)).toEqual(
      expect.arrayContaining([{ status: 202 }, { status: 400 }]),
    );
  });

  it('counts processed, dropped (with the reason code), waiting and poisoned messages by function', async () => {
    const schema = z.object({ outcome: z.string() });
    const handler = queueTrigger({
      schema,
      log: new RecordingLogger(),
      handle: async ({ outcome }) => {
        if (outcome === 'forged') fail('NOTIFICATION_UNAUTHENTIC', 'forged', { reason: 'signature' });
        if (outcome === 'down') fail('UPSTREAM_UNAVAILABLE', 'Graph is down');
        if (outcome === 'bug') fail('UNEXPECTED', 'a bug');
        return Promise.resolve();
      },
      requeue: () => Promise.resolve(),
    });
    const ctx = (dequeueCount: number) =>
      new InvocationContext({
        functionName: 'graphNotifications',
        triggerMetadata: { dequeueCount, insertionTime: new Date(Date.now() - 1500).toISOString() },
      });
    await handler({ outcome: 'ok' }, ctx(1));
    await handler({ outcome: 'forged' }, ctx(1));
    await handler({ outcome: 'down' }, ctx(1));
    await expect(handler({ outcome: 'bug' }, ctx(5))).rejects.toThrow('a bug');
    const p = await points();
    const fn = { function: 'graphNotifications' };
    expect(p.get('esafety.messages.processed')).toEqual([
      expect.objectContaining({ attributes: fn, value: 1 }),
    ]);
    expect(p.get('esafety.messages.dropped')).toEqual([
      expect.objectContaining({ attributes: { ...fn, reason: 'signature' }, value: 1 }),
    ]);
    expect(sum(p.get('esafety.messages.waiting'))).toBe(1);
    expect(sum(p.get('esafety.messages.poisoned'))).toBe(1);
    // From being queued to done: about the 1.5 s the message was made to have waited.
    const latency = p.get('esafety.messages.latency')?.[0]?.value as Histogram | undefined;
    expect(latency?.count).toBe(1);
    expect(latency?.sum).toBeGreaterThanOrEqual(1500);
  });

  it('puts only the allowed attribute keys on any metric', async () => {
    const handler = graphNotifyHandler(monitoring, new RecordingLogger());
    await handler(notification('Lee said something'), new InvocationContext({ functionName: 'graphNotify' }));
    const queued = queueTrigger({
      schema: z.object({ text: z.string() }),
      log: new RecordingLogger(),
      handle: () => fail('INPUT_INVALID', 'Lee said something', { reason: 'forged' }),
    });
    await queued(
      { text: 'Lee said something' },
      new InvocationContext({ functionName: 'graphNotifications' }),
    );
    telemetry.caseOpened('chatSignal', 'dsl');
    telemetry.subscriptionsRenewed('renewed', 2);
    expect((await points()).size).toBeGreaterThanOrEqual(5);
    const keys = [...(await points()).values()].flat().flatMap((d) => Object.keys(d.attributes));
    expect(keys.every((k) => (metricAttributes as readonly string[]).includes(k))).toBe(true);
    const values = JSON.stringify([...(await points()).values()].flat().map((d) => d.attributes));
    expect(values).not.toContain('Lee');
  });
});
