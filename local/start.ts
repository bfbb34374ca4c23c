/**
 * `npm start`: the whole system on loopback, nothing to sign up for — Azurite, the dev host serving
 * the Azure Functions routes, queue triggers and timers, the tenant simulator as Microsoft Graph,
 * and one Agents Playground per sample person (local-system.ts wires them).
 * Ctrl-C stops everything cleanly; data persists under `.local/` between runs.
 */
// First: telemetry, when APPLICATIONINSIGHTS_CONNECTION_STRING is set (off otherwise).
import '../functions/telemetry-start';
import { resolve } from 'node:path';
import { createLogger } from '../adapters/pino-logger';
import { toEsafetyError } from '../core/errors';
import { loadConfig } from '../functions/config';
import { localDataDir } from '../functions/local-runtime-file';
import { loadLocalPorts } from './local-settings';
import { startLocalSystem } from './local-system';

async function main(): Promise<void> {
  const root = resolve(__dirname, '..', '..');
  // Local mode is explicit here: it is what lets the bot endpoint run without Bot Framework tokens.
  const config = loadConfig({ ESAFETY_MODE: 'local', ...process.env });
  const log = createLogger(config.logLevel);
  const dataDir = localDataDir(config, root);
  const system = await startLocalSystem({
    root,
    env: process.env,
    ports: loadLocalPorts(process.env),
    dataDir,
    queues: true,
    timers: true,
    playgrounds: true,
    log,
  });
  const { app, regs, host, simulator, azurite, playgrounds } = system;

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
      ...(azurite
        ? [
            `  Azurite Table / Queue                     127.0.0.1:${azurite.tablePort} / 127.0.0.1:${azurite.queuePort}`,
          ]
        : []),
      `  Policy pack                               ${app.config.policyPackPath} (${app.pack.organisation.name})`,
      `  Data                                      ${dataDir}`,
      `  Admin CLI                                 npx esafety cases list, assessments list, training report`,
      '',
      'Try it: in the first Playground type "report" and send the form; the case card appears in the',
      'DSL channel of the second. Watch a chat: npm run simulate -- external-contact',
      '(npm run simulate -- --help lists the scenarios). Risk-assess a tool: type "assess" in the first;',
      "Ivy IT decides in the Technology approvals chat of the fourth. Induction quiz: open Lee's Playground",
      '(the sixth) first, then in Tariq\'s (the fifth) open the class team and post "@E-Safety quiz start',
      'induction" (type @E-Sa and pick E-Safety); Lee takes it on the card. Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal, event: 'local.stopping' }, 'stopping');
    await system.stop();
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
