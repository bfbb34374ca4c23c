/**
 * `npm start`: the whole system on loopback, nothing to sign up for — Azurite, the dev host serving
 * the Azure Functions routes and queue triggers, and one Agents Playground per sample person.
 * Ctrl-C stops everything cleanly; data persists under `.local/` between runs.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fail, toEsafetyError } from '../core/errors';
import { createLogger } from '../adapters/pino-logger';
import { storageClients } from '../adapters/storage-clients';
import { compose } from '../functions/composition-root';
import { loadConfig } from '../functions/config';
import { registrations } from '../functions/registrations';
import { startAzuriteProcess } from './storage/azurite-process';
import { startDevHost } from './host/dev-host';
import { localRoutes, startPlaygrounds } from './playground/playground';
import { startQueueRunner } from './host/queue-runner';
import { startTimers } from './host/timer-runner';
import { certificateSettings, localNotificationCertificate } from './graph-simulator/notification-certificate';
import { loadTenant } from './tenant';
import { simulatorSettings, startTenantSimulator, localGraphApp } from './graph-simulator/tenant-simulator';

async function main(): Promise<void> {
  const root = resolve(__dirname, '..', '..');
  // Local mode is explicit here: it is what lets the bot endpoint run without Bot Framework tokens.
  const env = { ESAFETY_MODE: 'local', ...process.env };
  const baseConfig = loadConfig(env);
  if (baseConfig.mode !== 'local')
    fail('CONFIG_INVALID', 'npm start runs the local system; unset ESAFETY_MODE or set it to local.');
  const log = createLogger(baseConfig.logLevel);
  const dataDir = resolve(root, baseConfig.local.dataDir);
  const tenant = loadTenant(root);
  const stops: (() => Promise<void> | void)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop();
  };

  try {
    const azurite = await startAzuriteProcess({
      location: join(dataDir, 'azurite'),
      tablePort: baseConfig.local.tablePort,
      queuePort: baseConfig.local.queuePort,
    }).catch((err: unknown) =>
      fail(
        'CONFIG_INVALID',
        `Azurite could not listen on 127.0.0.1:${baseConfig.local.tablePort}/${baseConfig.local.queuePort} (${(err as Error).message}). ` +
          'Is another Azurite running? Stop it or set ESAFETY_LOCAL_TABLE_PORT / ESAFETY_LOCAL_QUEUE_PORT.',
      ),
    );
    stops.push(() => azurite.stop());

    const simulator = await startTenantSimulator({
      tenant,
      app: localGraphApp,
      port: baseConfig.local.graphPort,
      dataDir: join(dataDir, 'tenant-simulator'),
    }).catch((err: unknown) =>
      fail(
        'CONFIG_INVALID',
        `The tenant simulator could not listen on 127.0.0.1:${baseConfig.local.graphPort} (${(err as Error).message}). Set ESAFETY_LOCAL_GRAPH_PORT.`,
      ),
    );
    stops.push(() => simulator.stop());
    // Microsoft Graph is the tenant simulator locally: the real Graph SDK and msal-node run against it.
    const cert = await localNotificationCertificate(dataDir);
    const localEnv = { ...simulatorSettings(simulator, tenant), ...certificateSettings(cert) };
    const config = loadConfig({ ...localEnv, ...env });
    // The admin CLI and `npm run simulate` find the running simulator through this file.
    const runtimeFile = join(dataDir, 'local-runtime.json');
    writeFileSync(runtimeFile, JSON.stringify({ env: localEnv, graphCa: simulator.ca }), { mode: 0o600 });
    stops.push(() => rmSync(runtimeFile, { force: true }));
    const app = compose(config, { log, root, graphCa: simulator.ca });
    for (const { route, ref } of localRoutes(tenant)) await app.conversations.saveRoute(route, ref);
    const regs = registrations(app);
    const host = await startDevHost({ port: config.local.hostPort, registrations: regs.http, log }).catch(
      (err: unknown) =>
        fail(
          'CONFIG_INVALID',
          `The dev host could not listen on 127.0.0.1:${config.local.hostPort} (${(err as Error).message}). Set ESAFETY_LOCAL_HOST_PORT.`,
        ),
    );
    stops.push(() => host.stop());
    const queues = await startQueueRunner({
      clients: storageClients(config.storage.connection),
      registrations: regs.queues,
      log,
    });
    stops.push(() => queues.stop());
    const timers = startTimers(regs.timers, log);
    stops.push(() => timers.stop());
    const playgrounds = await startPlaygrounds({
      tenant,
      root,
      dataDir,
      botEndpoint: `${host.url}/api/messages`,
    });
    stops.push(() => playgrounds.forEach((p) => p.stop()));

    const width = Math.max(...playgrounds.map((p) => p.url.length));
    process.stdout.write(
      [
        '',
        'E-Safety for Teams is running locally.',
        '',
        '  Teams client (Microsoft 365 Agents Playground), one per person:',
        ...playgrounds.map((p) => `    ${p.url.padEnd(width)}  ${p.user} (${p.as})`),
        '',
        `  Bot endpoint and Azure Functions routes   ${host.url}/api/messages, ${host.url}/api/health`,
        `  Microsoft Graph webhooks                  ${host.url}/api/graph/notify, ${host.url}/api/graph/lifecycle`,
        `  Queue triggers                            ${regs.queues.map((q) => q.queueName).join(', ')} (poison after 5 tries)`,
        `  Timers                                    ${regs.timers.map((t) => `${t.name} (${t.schedule})`).join(', ')}`,
        `  Microsoft Graph (tenant simulator)        ${simulator.url} (people from local/tenant.yaml; chats, subscriptions)`,
        `  Azurite Table / Queue                     127.0.0.1:${azurite.tablePort} / 127.0.0.1:${azurite.queuePort}`,
        `  Policy pack                               ${config.policyPackPath} (${app.pack.organisation.name})`,
        `  Data                                      ${dataDir}`,
        `  Admin CLI                                 npx esafety cases list, npx esafety subscriptions list`,
        '',
        'Try it: in the first Playground type "report" and send the form; the case card appears in the',
        'DSL channel of the second. Watch a chat: npm run simulate -- external-contact',
        '(npm run simulate -- --help lists the scenarios). Press Ctrl-C to stop.',
        '',
      ].join('\n'),
    );
  } catch (err) {
    await stopAll();
    throw err;
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal, event: 'local.stopping' }, 'stopping');
    await stopAll();
    process.stdout.write('Stopped.\n');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err: unknown) => {
  const e = toEsafetyError(err);
  process.stderr.write(`\nE-Safety for Teams could not start: ${e.message}\n`);
  process.exit(1);
});
