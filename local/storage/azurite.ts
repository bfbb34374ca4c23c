/**
 * Runs Azurite — the real Table and Queue emulator — inside this process. The package's main entry
 * cannot be required (it loads a VS Code extension), its servers can. Loopback only. Used by
 * `npm start` (persistent, under `.local/`) and by the integration tests (in memory, ephemeral ports).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import TableConfiguration from 'azurite/dist/src/table/TableConfiguration';
import TableServer from 'azurite/dist/src/table/TableServer';
import QueueConfiguration from 'azurite/dist/src/queue/QueueConfiguration';
import QueueServer from 'azurite/dist/src/queue/QueueServer';
import { azuriteConnectionString } from '../../functions/config';

export interface AzuriteOptions {
  /** Folder for persistent data; in memory when absent. */
  readonly location?: string;
  /** 0 picks a free port. */
  readonly tablePort?: number;
  readonly queuePort?: number;
}

export interface RunningAzurite {
  readonly tablePort: number;
  readonly queuePort: number;
  readonly connectionString: string;
  stop(): Promise<void>;
}

const host = '127.0.0.1';

export async function startAzurite(options: AzuriteOptions = {}): Promise<RunningAzurite> {
  const { location } = options;
  const inMemory = location === undefined;
  if (location) mkdirSync(location, { recursive: true });
  const at = (file: string) => (location ? join(location, file) : file);
  const table = new TableServer(
    new TableConfiguration(
      host,
      options.tablePort ?? 0,
      undefined,
      at('__azurite_db_table__.json'),
      false,
      false,
      undefined,
      undefined,
      false,
      true,
      '',
      '',
      '',
      undefined,
      false,
      inMemory,
    ),
  );
  const queue = new QueueServer(
    new QueueConfiguration(
      host,
      options.queuePort ?? 0,
      undefined,
      at('__azurite_db_queue__.json'),
      at('__azurite_db_queue_extent__.json'),
      [{ locationId: 'Default', locationPath: at('__queuestorage__'), maxConcurrency: 16 }],
      false,
      undefined,
      false,
      undefined,
      false,
      true,
      '',
      '',
      '',
      undefined,
      false,
      inMemory,
    ),
  );
  try {
    await table.start();
    await queue.start();
  } catch (err) {
    await Promise.allSettled([table.close(), queue.close()]);
    throw err;
  }
  const tablePort = portOf(table.getHttpServerAddress());
  const queuePort = portOf(queue.getHttpServerAddress());
  return {
    tablePort,
    queuePort,
    connectionString: azuriteConnectionString(tablePort, queuePort, host),
    async stop() {
      await Promise.allSettled([table.close(), queue.close()]);
    },
  };
}

function portOf(address: string): number {
  return Number(/:(\d+)$/.exec(address)?.[1] ?? NaN);
}
