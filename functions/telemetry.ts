/**
 * Telemetry without personal data: OpenTelemetry to Application Insights through
 * @azure/monitor-opentelemetry, correlated with each Functions invocation by
 * @azure/functions-opentelemetry-instrumentation (host.json `telemetryMode: OpenTelemetry`;
 * https://learn.microsoft.com/azure/azure-functions/opentelemetry-howto). Off unless
 * `APPLICATIONINSIGHTS_CONNECTION_STRING` is set — locally too.
 *
 * The metrics an operator watches (docs/runbook.md, "Telemetry and alerts") carry counts, times and
 * a few fixed attributes — the function, a reason code, a case's source and route, a status —
 * never names, message text or case narrative (`metricAttributes` is the whole list).
 */
import type * as FunctionsInstrumentation from '@azure/functions-opentelemetry-instrumentation';
import type * as AzureMonitor from '@azure/monitor-opentelemetry';
import { metrics, type Attributes } from '@opentelemetry/api';

/** The only attribute keys a metric may carry: codes and ids of this app's own, never people's data. */
export const metricAttributes = ['function', 'reason', 'source', 'route', 'status', 'kind'] as const;
type MetricAttributes = Partial<Record<(typeof metricAttributes)[number], string | number>>;

/**
 * Starts the OpenTelemetry SDK with Azure Monitor's exporters, if a connection string is given.
 * Must run before `@azure/functions` and the Azure SDKs are loaded (functions/index.ts imports
 * functions/telemetry-start.ts first), so their instrumentation can hook them.
 */
export function startTelemetry(connectionString: string | undefined): boolean {
  if (!connectionString) return false;
  // Loaded only when on: nothing of the SDK is in memory otherwise.
  /* eslint-disable @typescript-eslint/no-require-imports -- loaded on demand, after the check */
  const { useAzureMonitor } = require('@azure/monitor-opentelemetry') as typeof AzureMonitor;
  const { AzureFunctionsInstrumentation } =
    require('@azure/functions-opentelemetry-instrumentation') as typeof FunctionsInstrumentation;
  /* eslint-enable @typescript-eslint/no-require-imports */
  useAzureMonitor({
    azureMonitorExporterOptions: { connectionString },
    // Request bodies, message text and names never reach a span: only the HTTP and Azure SDK
    // instrumentations are on, and they record methods, routes, statuses and timings.
    instrumentationOptions: {
      http: { enabled: true },
      azureSdk: { enabled: true },
      mongoDb: { enabled: false },
      mySql: { enabled: false },
      postgreSql: { enabled: false },
      redis: { enabled: false },
      redis4: { enabled: false },
      bunyan: { enabled: false },
      winston: { enabled: false },
    },
    enableLiveMetrics: false,
  });
  // Constructed after the global providers exist; it hooks @azure/functions when that loads.
  new AzureFunctionsInstrumentation();
  return true;
}

/** The instruments, made on first use (after `startTelemetry`, so they are the real ones). */
function instruments() {
  const meter = metrics.getMeter('esafety-for-teams');
  return {
    notificationsReceived: meter.createCounter('esafety.notifications.received', {
      description: 'Change notifications the Graph webhook accepted and queued',
    }),
    webhookDuration: meter.createHistogram('esafety.webhook.duration', {
      description: 'Time the Graph webhook took to answer',
      unit: 'ms',
    }),
    messagesProcessed: meter.createCounter('esafety.messages.processed', {
      description: 'Queue messages processed, by function',
    }),
    messagesDropped: meter.createCounter('esafety.messages.dropped', {
      description: 'Queue messages dropped as forged, tampered or refused, by function and reason',
    }),
    messagesWaiting: meter.createCounter('esafety.messages.waiting', {
      description: 'Queue messages set to wait out a failing dependency, by function',
    }),
    messagesPoisoned: meter.createCounter('esafety.messages.poisoned', {
      description: 'Queue messages that failed their last try (moved to the poison queue), by function',
    }),
    queueLatency: meter.createHistogram('esafety.messages.latency', {
      description:
        'Time from a message being queued to its processing finishing (casePosts: card-post latency)',
      unit: 'ms',
    }),
    casesOpened: meter.createCounter('esafety.cases.opened', {
      description: 'Cases opened, by source and route',
    }),
    subscriptionsRenewed: meter.createCounter('esafety.subscriptions.renewed', {
      description: 'Graph subscriptions created or renewed, by kind',
    }),
  };
}

let made: ReturnType<typeof instruments> | undefined;
const instrument = () => (made ??= instruments());

const attributes = (a: MetricAttributes): Attributes => a;

export const telemetry = {
  notificationsReceived(n: number): void {
    if (n > 0) instrument().notificationsReceived.add(n);
  },
  webhookAnswered(ms: number, status: number): void {
    instrument().webhookDuration.record(ms, attributes({ status }));
  },
  processed(fn: string, latencyMs?: number): void {
    instrument().messagesProcessed.add(1, attributes({ function: fn }));
    if (latencyMs !== undefined && latencyMs >= 0)
      instrument().queueLatency.record(latencyMs, attributes({ function: fn }));
  },
  dropped(fn: string, reason: string): void {
    instrument().messagesDropped.add(1, attributes({ function: fn, reason }));
  },
  waiting(fn: string): void {
    instrument().messagesWaiting.add(1, attributes({ function: fn }));
  },
  poisoned(fn: string): void {
    instrument().messagesPoisoned.add(1, attributes({ function: fn }));
  },
  caseOpened(source: string, route: string): void {
    instrument().casesOpened.add(1, attributes({ source, route }));
  },
  subscriptionsRenewed(kind: 'created' | 'renewed', n: number): void {
    if (n > 0) instrument().subscriptionsRenewed.add(n, attributes({ kind }));
  },
};

/** Forgets the instruments (tests install a meter provider of their own first). */
export function resetTelemetryForTests(): void {
  made = undefined;
}
