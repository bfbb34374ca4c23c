/**
 * Azurite in its own process, as Storage is its own service in Azure. `npm start` and the
 * benchmark use it:
 * - killing the dev host, or npm start's whole process group (even with SIGKILL), does not take
 *   acknowledged queue messages with it: the child runs in a process group of its own, notices its
 *   parent is gone and closes Azurite cleanly, which writes its database (Azurite saves on close
 *   and otherwise only every 5 s);
 * - the app's numbers measure the app, not the emulator sharing its event loop.
 * Run directly (`node azurite-process.js <location> <tablePort> <queuePort>`), it is the child.
 */
import { fork } from 'node:child_process';
import { EsafetyError } from '../../core/errors';
import { startAzurite, type AzuriteOptions, type RunningAzurite } from './azurite';

interface Ready {
  readonly tablePort: number;
  readonly queuePort: number;
  readonly connectionString: string;
}

export function startAzuriteProcess(options: AzuriteOptions): Promise<RunningAzurite> {
  const child = fork(
    __filename,
    [options.location ?? '', String(options.tablePort ?? 0), String(options.queuePort ?? 0)],
    // Its own process group: a terminal's Ctrl-C or a container runtime killing npm start's whole
    // group (even with SIGKILL) does not reach it, so it always gets to close cleanly when its
    // parent goes (the IPC channel closing is how it knows), writing its database first.
    { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], detached: true },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) =>
      reject(
        new EsafetyError(
          'CONFIG_INVALID',
          stderr.trim() || `Azurite exited (${code ?? 'signal'}) before it was ready`,
        ),
      ),
    );
    child.once('message', (ready: Ready) =>
      resolve({
        ...ready,
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null || !child.connected) return done();
            child.once('exit', () => done());
            child.disconnect();
          }),
      }),
    );
  });
}

if (require.main === module) {
  const [location, tablePort, queuePort] = process.argv.slice(2);
  startAzurite({
    ...(location ? { location } : {}),
    tablePort: Number(tablePort ?? 0),
    queuePort: Number(queuePort ?? 0),
  }).then(
    (azurite) => {
      const ready: Ready = {
        tablePort: azurite.tablePort,
        queuePort: azurite.queuePort,
        connectionString: azurite.connectionString,
      };
      process.send?.(ready);
      // The parent stopped us, or died: close Azurite cleanly so its database is written.
      process.once('disconnect', () => void azurite.stop().then(() => process.exit(0)));
    },
    (err: unknown) => {
      process.stderr.write(err instanceof Error ? err.message : String(err));
      process.exit(1);
    },
  );
}
