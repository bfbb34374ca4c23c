/**
 * `npm start`: the whole system on loopback, nothing to sign up for. Ctrl-C stops it cleanly;
 * data persists under `.local/` between runs.
 */
import { join, resolve } from 'node:path';
import { fail, toEsafetyError } from '../core/errors';
import { createLogger } from '../adapters/pino-logger';
import { compose } from '../functions/composition-root';
import { loadConfig } from '../functions/config';
import { registrations } from '../functions/registrations';
import { startAzurite } from './azurite';
import { startDevHost } from './dev-host';

async function main(): Promise<void> {
  const root = resolve(__dirname, '..', '..');
  const config = loadConfig(process.env);
  if (config.mode !== 'local')
    fail('CONFIG_INVALID', 'npm start runs the local system; unset ESAFETY_MODE or set it to local.');
  const log = createLogger(config.logLevel);
  const dataDir = resolve(root, config.local.dataDir);

  const azurite = await startAzurite({
    location: join(dataDir, 'azurite'),
    tablePort: config.local.tablePort,
    queuePort: config.local.queuePort,
  }).catch((err: unknown) =>
    fail(
      'CONFIG_INVALID',
      `Azurite could not listen on 127.0.0.1:${config.local.tablePort}/${config.local.queuePort} (${(err as Error).message}). ` +
        'Is another Azurite running? Stop it or set ESAFETY_LOCAL_TABLE_PORT / ESAFETY_LOCAL_QUEUE_PORT.',
    ),
  );
  const app = compose(config, { log, root });
  const host = await startDevHost({
    port: config.local.hostPort,
    registrations: registrations(app).http,
    log,
  }).catch(async (err: unknown) => {
    await azurite.stop();
    return fail(
      'CONFIG_INVALID',
      `The dev host could not listen on 127.0.0.1:${config.local.hostPort} (${(err as Error).message}). Set ESAFETY_LOCAL_HOST_PORT.`,
    );
  });

  process.stdout.write(
    [
      '',
      'E-Safety for Teams is running locally.',
      `  Dev host (Azure Functions routes)  ${host.url}/api/health`,
      `  Azurite Table / Queue               http://127.0.0.1:${azurite.tablePort} / http://127.0.0.1:${azurite.queuePort}`,
      `  Policy pack                         ${config.policyPackPath} (${app.pack.organisation.name})`,
      `  Data                                ${dataDir}`,
      `  Admin CLI                           npx esafety cases list`,
      '',
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal, event: 'local.stopping' }, 'stopping');
    await host.stop();
    await azurite.stop();
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
