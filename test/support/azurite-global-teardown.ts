import { rmSync } from 'node:fs';

export default async function teardown(): Promise<void> {
  const azurite = globalThis.__azurite;
  if (!azurite) return;
  await azurite.server.stop();
  rmSync(azurite.folder, { recursive: true, force: true });
}
