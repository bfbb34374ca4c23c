/**
 * The running stack for e2e tests, as `npm start` wires it but on free ports and fresh tables:
 * the tenant simulator (Microsoft Graph), the dev host with the app's functions, optionally the
 * queue runner, and a recording Bot Connector for the bot's outbound calls. Azurite comes from the
 * test project's global setup.
 */
import { randomBytes } from 'node:crypto';
import { silentLogger } from '../../core/logger';
import { compose, type App } from '../../functions/composition-root';
import { loadConfig } from '../../functions/config';
import { registrations } from '../../functions/registrations';
import { startDevHost, type RunningDevHost } from '../../local/dev-host';
import { startQueueRunner } from '../../local/queue-runner';
import { loadTenant } from '../../local/tenant';
import { localGraphApp, simulatorSettings, startTenantSimulator } from '../../local/tenant-simulator';
import { repoRoot, testStorage, uniquePrefix } from './fixtures';
import { RecordingConnector } from './recording-connector';

export interface LocalStack {
  readonly app: App;
  readonly host: RunningDevHost;
  readonly connector: RecordingConnector;
  /** POSTs an activity to /api/messages as Teams would; returns the status and parsed body. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read Bot Framework JSON freely
  post(activity: object): Promise<{ status: number; body: any }>;
  stop(): Promise<void>;
}

export async function startStack(options: { queues?: boolean } = {}): Promise<LocalStack> {
  const connector = await new RecordingConnector().start();
  const tenant = loadTenant(repoRoot);
  const simulator = await startTenantSimulator({ tenant, app: localGraphApp });
  const config = loadConfig({
    ...simulatorSettings(simulator, tenant),
    ESAFETY_MODE: 'local',
    ESAFETY_STORAGE_CONNECTION_STRING: testStorage(),
    ESAFETY_TABLE_PREFIX: uniquePrefix(),
    ESAFETY_FIELD_KEY: randomBytes(32).toString('base64'),
  });
  const app = compose(config, { root: repoRoot, log: silentLogger, graphCa: simulator.ca });
  const regs = registrations(app);
  const host = await startDevHost({ port: 0, registrations: regs.http, log: silentLogger });
  const queues = options.queues
    ? await startQueueRunner({
        connectionString: testStorage(),
        registrations: regs.queues,
        log: silentLogger,
        pollMs: 50,
      })
    : undefined;
  return {
    app,
    host,
    connector,
    async post(activity) {
      const res = await fetch(`${host.url}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(activity),
      });
      const text = await res.text();
      return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined };
    },
    async stop() {
      await queues?.stop();
      await host.stop();
      await connector.stop();
      await simulator.stop();
    },
  };
}
