/**
 * The local system, wired in one place: storage (Azurite in its own process, or an account it is
 * given), the tenant simulator as Microsoft Graph, the notification certificate, the app's
 * settings, the app composed from them, the dev host serving its HTTP functions, and — as asked —
 * the queue runner, the timers and the Agents Playgrounds. `npm start` (start.ts), the e2e tests
 * (test/support/local-stack.ts) and the benchmark (test/bench) all start it here.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../adapters/pino-logger';
import { storageClients } from '../adapters/storage-clients';
import { fail } from '../core/errors';
import type { Logger } from '../core/logger';
import { compose, type App, type ComposeOverrides } from '../functions/composition-root';
import { loadConfig } from '../functions/config';
import { removeLocalRuntimeFile, writeLocalRuntimeFile } from '../functions/local-runtime-file';
import { registrations, type Registrations } from '../functions/registrations';
import {
  certificateSettings,
  localNotificationCertificate,
  makeNotificationCertificate,
  type CertificatePem,
} from './graph-simulator/notification-certificate';
import {
  localGraphApp,
  simulatorSettings,
  botTokenSettings,
  startTenantSimulator,
  type RunningTenantSimulator,
} from './graph-simulator/tenant-simulator';
import { startDevHost, type RunningDevHost } from './host/dev-host';
import { startQueueRunner, type QueueRunnerOptions, type RunningQueues } from './host/queue-runner';
import { startTimers } from './host/timer-runner';
import type { LocalPorts } from './local-settings';
import { localMirrors, localRoutes, startPlaygrounds, type RunningPlayground } from './playground/playground';
import { startAzurite, type RunningAzurite } from './storage/azurite';
import { startAzuriteProcess } from './storage/azurite-process';
import { loadTenant, type LocalTenant } from './tenant';

export interface LocalSystemOptions {
  /** The app root: policy packs, local/tenant.yaml, the Playground package. */
  readonly root: string;
  /** App settings (ESAFETY_*) laid over the ones the local system makes; the mode must stay local. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Loopback ports; 0 (the default for each) takes a free one. */
  readonly ports?: Partial<LocalPorts>;
  /**
   * Where data is kept between runs: Azurite's, the simulator's, the notification certificate,
   * the Playgrounds' configs; `local-runtime.json` is left there for local tools while running.
   * Absent: nothing is kept (simulator in memory, Azurite in a temporary folder removed at stop).
   */
  readonly dataDir?: string;
  /**
   * Storage: an account that is already running (the tests' Azurite), or Azurite started here — in
   * its own process (the default, as npm start and the benchmark run it: its data survives the app
   * being killed) or in this one (tests: a forked child cannot load the TypeScript jest runs).
   */
  readonly storage?:
    { readonly connectionString: string } | { readonly azurite: 'own-process' | 'in-process' };
  /** Start the queue runner now (default no; `startQueues` starts it later). */
  readonly queues?: boolean;
  /** Faster polling and retries than the host's, for tests and the benchmark. */
  readonly queueRunner?: Pick<
    QueueRunnerOptions,
    'pollMs' | 'retryDelaySeconds' | 'visibilityTimeoutSeconds'
  >;
  /** The queue triggers' patient retries (seconds each); the real, minutes-long ones when absent. */
  readonly patientDelays?: readonly number[];
  /** Run the timer triggers on their schedules (default no). */
  readonly timers?: boolean;
  /**
   * Check every inbound Bot Framework token, as in Azure, against the tenant simulator's channel
   * (default no: anonymous, as the Agents Playground, which sends no token, needs).
   */
  readonly botTokens?: boolean;
  /** Start one Agents Playground per person in tenant.yaml (default no). */
  readonly playgrounds?: boolean;
  /**
   * Save tenant.yaml's routes with this Bot Connector (a recording one in tests) instead of the
   * Playgrounds'. Without it and without Playgrounds no route is saved: a DSL registers one.
   */
  readonly botConnectorUrl?: string;
  /** Default: JSON lines on stderr at ESAFETY_LOG_LEVEL. */
  readonly log?: Logger;
  /** Wraps the chat monitor (the benchmark times each message with it). */
  readonly instrumentMonitor?: ComposeOverrides['instrumentMonitor'];
}

export interface LocalSystem {
  readonly app: App;
  readonly regs: Registrations;
  /** The settings the app was configured from (as a Function App's would be). */
  readonly env: Readonly<Record<string, string>>;
  readonly host: RunningDevHost;
  readonly simulator: RunningTenantSimulator;
  readonly tenant: LocalTenant;
  /** Azurite, when the local system started it. */
  readonly azurite?: RunningAzurite;
  readonly playgrounds: readonly RunningPlayground[];
  /** Starts the queue runner (if stopped), for every queue or only the ones named. */
  startQueues(queueNames?: readonly string[]): Promise<void>;
  stopQueues(): Promise<void>;
  /** Kills the queue runner mid-batch (RunningQueues.kill): what it held reappears later. */
  killQueues(): void;
  /**
   * Starts another instance of the app on the same storage with its own queue runner, as Azure
   * scales a Function App out: the workers then take messages from the same queues.
   */
  startWorker(): Promise<void>;
  /** Stops everything it started, last first. */
  stop(): Promise<void>;
}

/** Without a data folder, one certificate per process (RSA key generation is slow). */
let ephemeralCertificate: Promise<CertificatePem> | undefined;

export async function startLocalSystem(options: LocalSystemOptions): Promise<LocalSystem> {
  const ports: LocalPorts = { host: 0, table: 0, queue: 0, graph: 0, ...options.ports };
  const { root, dataDir } = options;
  const tenant = loadTenant(root);
  const stops: (() => Promise<void> | void)[] = [];
  const workers: RunningQueues[] = [];
  let queues: RunningQueues | undefined;
  const stopAll = async () => {
    await Promise.all([...workers.splice(0), ...(queues ? [queues] : [])].map((q) => q.stop()));
    queues = undefined;
    for (const stop of stops.splice(0).reverse()) await stop();
  };
  const listenFailure = (what: string, port: number, setting: string) => (err: unknown) =>
    fail(
      'CONFIG_INVALID',
      `${what} could not listen on 127.0.0.1:${port} (${(err as Error).message}). Is another one running? Stop it or set ${setting}.`,
    );

  // The app's own settings, checked before anything starts.
  const appEnv: Record<string, string> = {};
  for (const [name, value] of Object.entries(options.env ?? {}))
    if (name.startsWith('ESAFETY_') && value !== undefined) appEnv[name] = value;
  const base = loadConfig({ ESAFETY_MODE: 'local', ...appEnv });
  if (base.mode !== 'local')
    fail('CONFIG_INVALID', 'The local system runs in local mode: unset ESAFETY_MODE or set it to local.');
  const log = options.log ?? createLogger(base.logLevel);

  try {
    if (dataDir) mkdirSync(dataDir, { recursive: true });
    // Azurite and the Playgrounds need a folder: without a data folder, a temporary one.
    let folder = dataDir;
    const scratch = () => {
      if (folder) return folder;
      const made = mkdtempSync(join(tmpdir(), 'esafety-local-'));
      stops.push(() => rmSync(made, { recursive: true, force: true }));
      return (folder = made);
    };

    const storageOption = options.storage ?? { azurite: 'own-process' };
    let azurite: RunningAzurite | undefined;
    if ('azurite' in storageOption) {
      const start = storageOption.azurite === 'in-process' ? startAzurite : startAzuriteProcess;
      azurite = await start({
        location: join(scratch(), 'azurite'),
        tablePort: ports.table,
        queuePort: ports.queue,
      }).catch(listenFailure('Azurite', ports.table, 'ESAFETY_LOCAL_TABLE_PORT / ESAFETY_LOCAL_QUEUE_PORT'));
      const running = azurite;
      stops.push(() => running.stop());
    }
    const storage =
      'connectionString' in storageOption
        ? storageOption.connectionString
        : (azurite as RunningAzurite).connectionString;

    const simulator = await startTenantSimulator({
      tenant,
      app: localGraphApp,
      port: ports.graph,
      ...(dataDir && { dataDir: join(dataDir, 'tenant-simulator') }),
    }).catch(listenFailure('The tenant simulator', ports.graph, 'ESAFETY_LOCAL_GRAPH_PORT'));
    stops.push(() => simulator.stop());
    const certificate = dataDir
      ? await localNotificationCertificate(dataDir)
      : await (ephemeralCertificate ??= makeNotificationCertificate());

    // The dev host listens before the app is composed: the app's settings include its URL.
    const host = await startDevHost({ port: ports.host, log }).catch(
      listenFailure('The dev host', ports.host, 'ESAFETY_LOCAL_HOST_PORT'),
    );
    stops.push(() => host.stop());

    // Microsoft Graph is the tenant simulator: the real Graph SDK and msal-node run against it.
    const made: Record<string, string> = {
      ...simulatorSettings(simulator, tenant),
      ...(options.botTokens && botTokenSettings(simulator, tenant)),
      ...certificateSettings(certificate),
      ESAFETY_STORAGE_CONNECTION_STRING: storage,
      ESAFETY_PUBLIC_URL: host.url,
    };
    const env = { ESAFETY_MODE: 'local', ...made, ...appEnv };
    const config = loadConfig(env);
    const overrides: ComposeOverrides = {
      log,
      root,
      graphCa: simulator.ca,
      ...(options.instrumentMonitor && { instrumentMonitor: options.instrumentMonitor }),
    };
    const app = compose(config, overrides);
    if (options.playgrounds || options.botConnectorUrl !== undefined)
      for (const { route, ref } of localRoutes(tenant, options.botConnectorUrl))
        await app.conversations.saveRoute(route, ref);
    // Locally each Playground keeps its own copy of a conversation: posts are mirrored to them all.
    const mirrors = options.playgrounds ? localMirrors(tenant) : undefined;
    const regOptions = {
      botCa: simulator.ca,
      ...(mirrors && { mirrors }),
      ...(options.patientDelays && { patientDelays: options.patientDelays }),
    };
    const regs = registrations(app, regOptions);
    host.serve(regs.http);

    if (dataDir) {
      // The admin CLI and `npm run simulate` find the running system through this file.
      writeLocalRuntimeFile(dataDir, { env: made, graphCa: simulator.ca });
      stops.push(() => removeLocalRuntimeFile(dataDir));
    }
    const clients = storageClients(config.storage.connection);
    const runQueues = (queueRegistrations: Registrations['queues']) =>
      startQueueRunner({ clients, registrations: queueRegistrations, log, ...options.queueRunner });
    const startQueues = async (queueNames?: readonly string[]) => {
      queues ??= await runQueues(
        queueNames ? regs.queues.filter((q) => queueNames.includes(q.queueName)) : regs.queues,
      );
    };
    if (options.queues) await startQueues();
    if (options.timers) {
      const timers = startTimers(regs.timers, log);
      stops.push(() => timers.stop());
    }
    let playgrounds: RunningPlayground[] = [];
    if (options.playgrounds) {
      playgrounds = await startPlaygrounds({
        tenant,
        root,
        dataDir: scratch(),
        botEndpoint: `${host.url}/api/messages`,
      });
      stops.push(() => playgrounds.forEach((p) => p.stop()));
    }

    return {
      app,
      regs,
      env,
      host,
      simulator,
      tenant,
      ...(azurite && { azurite }),
      playgrounds,
      startQueues,
      async stopQueues() {
        const running = queues;
        queues = undefined;
        await running?.stop();
      },
      killQueues() {
        queues?.kill();
        // Still awaited on stop: its handlers may be running on.
        if (queues) workers.push(queues);
        queues = undefined;
      },
      async startWorker() {
        workers.push(await runQueues(registrations(compose(config, overrides), regOptions).queues));
      },
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
