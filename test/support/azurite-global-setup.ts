/**
 * Integration tests run against real Azurite, started here from the npm package: loopback only,
 * ephemeral ports, data in a fresh temporary folder. The teardown stops it and deletes the folder.
 * Workers inherit its connection string through the environment.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAzurite, type RunningAzurite } from '../../local/storage/azurite';

declare global {
  var __azurite: { server: RunningAzurite; folder: string } | undefined;
}

export default async function setup(): Promise<void> {
  const folder = mkdtempSync(join(tmpdir(), 'esafety-azurite-'));
  const server = await startAzurite({ location: folder });
  globalThis.__azurite = { server, folder };
  process.env['ESAFETY_TEST_STORAGE'] = server.connectionString;
}
