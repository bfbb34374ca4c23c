/**
 * The running stack for e2e tests: the local system as `npm start` wires it (local/local-system.ts)
 * on free ports and fresh tables, on the Azurite of the test project's global setup, plus a
 * recording Bot Connector for the bot's outbound calls.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../cli/esafety';
import { writeLocalRuntimeFile } from '../../functions/local-runtime-file';
import type { Client } from '@microsoft/microsoft-graph-client';
import { createGraphClient } from '../../adapters/graph-gateway';
import { fail } from '../../core/errors';
import { silentLogger, type Logger } from '../../core/logger';
import type { App } from '../../functions/composition-root';
import type { Registrations } from '../../functions/registrations';
import type { RunningTenantSimulator } from '../../local/graph-simulator/tenant-simulator';
import type { RunningDevHost } from '../../local/host/dev-host';
import { startLocalSystem } from '../../local/local-system';
import { repoRoot, testStorage, uniquePrefix } from './fixtures';
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
  /**
   * POSTs an activity to /api/messages as Teams would (with these headers, e.g. a token); returns
   * the status and parsed body.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read Bot Framework JSON freely
  post(activity: object, headers?: Record<string, string>): Promise<{ status: number; body: any }>;
  /** Starts the queue runner (if stopped): the dev host's queue triggers. */
  startQueues(): Promise<void>;
  /**
   * Starts another instance of the app on the same storage, with its own queue runner, as Azure
   * scales a Function App out: two workers then take messages from the same queues.
   */
  startSecondWorker(): Promise<void>;
  /** Stops the queue runner, finishing what it holds. */
  stopQueues(): Promise<void>;
  /** Kills the queue runner mid-batch: what it held is left unsettled and reappears later. */
  killQueues(): void;
  stop(): Promise<void>;
}

export async function startStack(
  options: {
    queues?: boolean;
    log?: Logger;
    /** Save tenant.yaml's routes with the recording connector, as npm start does with the Playgrounds'. */
    routes?: boolean;
    /** Check Bot Framework tokens against the simulator's channel, as in Azure (default: anonymous). */
    botTokens?: boolean;
    /** The tables and field key of an earlier stack: a restart of the same system. */
    storage?: { readonly tablePrefix: string; readonly fieldKey: string };
    /** Storage reached another way than the global Azurite's string (through a proxy, say). */
    connectionString?: string;
    /** How long a message being processed stays invisible (default the runner's 30 s). */
    visibilityTimeoutSeconds?: number;
  } = {},
): Promise<LocalStack> {
  const connector = await new RecordingConnector().start();
  const system = await startLocalSystem({
    root: repoRoot,
    storage: { connectionString: options.connectionString ?? testStorage() },
    env: {
      ESAFETY_TABLE_PREFIX: options.storage?.tablePrefix ?? uniquePrefix(),
      ESAFETY_FIELD_KEY: options.storage?.fieldKey ?? randomBytes(32).toString('base64'),
    },
    queues: options.queues ?? false,
    queueRunner: {
      pollMs: 50,
      retryDelaySeconds: () => 1,
      ...(options.visibilityTimeoutSeconds !== undefined && {
        visibilityTimeoutSeconds: options.visibilityTimeoutSeconds,
      }),
    },
    // Two patient retries a second apart, so an outage still ends in the poison queue within a test.
    patientDelays: [1, 1],
    ...(options.botTokens && { botTokens: true }),
    log: options.log ?? silentLogger,
    ...(options.routes && { botConnectorUrl: connector.url }),
  }).catch(async (err: unknown) => {
    await connector.stop();
    throw err;
  });
  const { app, host, simulator } = system;
  const graph = app.config.graph ?? fail('CONFIG_INVALID', 'the local system configures Graph');
  return {
    app,
    regs: system.regs,
    host,
    connector,
    simulator,
    env: system.env,
    graph: createGraphClient({ ...graph, extraCa: simulator.ca, maxRetries: 0 }),
    async post(activity, headers = {}) {
      const res = await fetch(`${host.url}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(activity),
      });
      const text = await res.text();
      return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined };
    },
    startQueues: () => system.startQueues(),
    startSecondWorker: () => system.startWorker(),
    stopQueues: () => system.stopQueues(),
    killQueues: () => system.killQueues(),
    async stop() {
      await system.stop();
      await connector.stop();
    },
  };
}

/**
 * The admin CLI as someone runs it beside `npm start`: it finds the stack through the runtime file
 * the local system leaves (Graph settings left out of its own environment, as in a fresh shell).
 */
export function localCli(
  stack: LocalStack,
  /** Settings on top of the stack's (a storage string that cannot be reached, say). */
  env: Record<string, string> = {},
): (...args: string[]) => Promise<{ code: number; out: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'esafety-cli-'));
  const { ESAFETY_GRAPH_TENANT_ID: _found, ...rest } = stack.env;
  writeLocalRuntimeFile(dataDir, { env: stack.env, graphCa: stack.simulator.ca });
  return async (...args) => {
    const out: string[] = [];
    const code = await runCli(args, {
      out: (s) => out.push(s),
      err: (s) => out.push(s),
      env: { ...rest, ESAFETY_LOCAL_DATA_DIR: dataDir, ESAFETY_LOG_LEVEL: 'silent', ...env },
      cwd: repoRoot,
    });
    return { code, out: out.join('\n') };
  };
}
