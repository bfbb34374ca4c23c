/**
 * The running stack for e2e tests, as `npm start` wires it but on free ports and fresh tables:
 * the tenant simulator (Microsoft Graph), the dev host with the app's functions, optionally the
 * queue runner, and a recording Bot Connector for the bot's outbound calls. Azurite comes from the
 * test project's global setup.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import type { Client } from '@microsoft/microsoft-graph-client';
import { createGraphClient } from '../../adapters/graph-gateway';
import { silentLogger, type Logger } from '../../core/logger';
import { compose, type App } from '../../functions/composition-root';
import { loadConfig } from '../../functions/config';
import { registrations, type Registrations } from '../../functions/registrations';
import { startDevHost, type RunningDevHost } from '../../local/host/dev-host';
import {
  certificateSettings,
  makeNotificationCertificate,
  type CertificatePem,
} from '../../local/graph-simulator/notification-certificate';
import { startQueueRunner, type RunningQueues } from '../../local/host/queue-runner';
import { loadTenant } from '../../local/tenant';
import {
  localGraphApp,
  simulatorSettings,
  startTenantSimulator,
  type RunningTenantSimulator,
} from '../../local/graph-simulator/tenant-simulator';
import { repoRoot, testClients, testStorage, uniquePrefix } from './fixtures';
import { RecordingConnector } from './recording-connector';

export interface LocalStack {
  readonly app: App;
  readonly regs: Registrations;
  readonly host: RunningDevHost;
  readonly connector: RecordingConnector;
  readonly simulator: RunningTenantSimulator;
  /** The settings the app was configured from (as a Function App's would be). */
  readonly env: Readonly<Record<string, string>>;
  /** A Graph client of the simulated tenant (the real SDK), to act as Teams users would. */
  readonly graph: Client;
  /** POSTs an activity to /api/messages as Teams would; returns the status and parsed body. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read Bot Framework JSON freely
  post(activity: object): Promise<{ status: number; body: any }>;
  /** Starts the queue runner (if stopped): the dev host's queue triggers. */
  startQueues(): Promise<void>;
  /**
   * Starts another instance of the app on the same storage, with its own queue runner, as Azure
   * scales a Function App out: two workers then take messages from the same queues.
   */
  startSecondWorker(): Promise<void>;
  /** Stops the queue runner, as a killed worker would stop. */
  stopQueues(): Promise<void>;
  stop(): Promise<void>;
}

let certificate: Promise<CertificatePem> | undefined;

export async function startStack(options: { queues?: boolean; log?: Logger } = {}): Promise<LocalStack> {
  const log = options.log ?? silentLogger;
  const connector = await new RecordingConnector().start();
  const tenant = loadTenant(repoRoot);
  const simulator = await startTenantSimulator({ tenant, app: localGraphApp });
  const port = await freePort();
  certificate ??= makeNotificationCertificate();
  const env = {
    ...simulatorSettings(simulator, tenant),
    ...certificateSettings(await certificate),
    ESAFETY_MODE: 'local',
    ESAFETY_STORAGE_CONNECTION_STRING: testStorage(),
    ESAFETY_TABLE_PREFIX: uniquePrefix(),
    ESAFETY_FIELD_KEY: randomBytes(32).toString('base64'),
    ESAFETY_LOCAL_HOST_PORT: String(port),
  };
  const config = loadConfig(env);
  const app = compose(config, { root: repoRoot, log, graphCa: simulator.ca });
  const regs = registrations(app);
  const host = await startDevHost({ port, registrations: regs.http, log });
  let queues: RunningQueues | undefined;
  let secondWorker: RunningQueues | undefined;
  const startQueues = async () => {
    queues ??= await startQueueRunner({
      clients: testClients(),
      registrations: regs.queues,
      log,
      pollMs: 50,
      retryDelaySeconds: () => 1,
    });
  };
  if (options.queues) await startQueues();
  return {
    app,
    regs,
    host,
    connector,
    simulator,
    env,
    graph: createGraphClient({ ...config.graph!, extraCa: simulator.ca, maxRetries: 0 }),
    async post(activity) {
      const res = await fetch(`${host.url}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(activity),
      });
      const text = await res.text();
      return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined };
    },
    startQueues,
    async startSecondWorker() {
      const other = compose(config, { root: repoRoot, log, graphCa: simulator.ca });
      secondWorker ??= await startQueueRunner({
        clients: testClients(),
        registrations: registrations(other).queues,
        log,
        pollMs: 50,
        retryDelaySeconds: () => 1,
      });
    },
    async stopQueues() {
      await queues?.stop();
      queues = undefined;
    },
    async stop() {
      await secondWorker?.stop();
      await queues?.stop();
      await host.stop();
      await connector.stop();
      await simulator.stop();
    },
  };
}

/** A loopback port nobody is listening on (the dev host's URL must be known before it starts). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
