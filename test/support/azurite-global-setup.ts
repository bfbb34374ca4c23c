/**
 * Integration tests run against real Azurite, started here in this process (in memory, loopback,
 * ephemeral ports) and stopped in the teardown. Workers inherit its connection string.
 */
import { startAzurite, type RunningAzurite } from '../../local/azurite';

declare global {
  var __azurite: RunningAzurite | undefined;
}

export default async function setup(): Promise<void> {
  const azurite = await startAzurite();
  globalThis.__azurite = azurite;
  process.env['ESAFETY_TEST_STORAGE'] = azurite.connectionString;
}
