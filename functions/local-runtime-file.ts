/**
 * `<data dir>/local-runtime.json`, the one description of it: what the running local system
 * (`npm start`) leaves for local tools — the settings that point at its tenant simulator, its
 * storage and its dev host, and the simulator's CA certificate. The local system writes it and
 * removes it when it stops; the admin CLI, `npm run simulate` and `npm run screenshots` read it.
 * It lives here because the CLI may not import the local runtime. Local mode only.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { fail } from '../core/errors';
import type { AppConfig } from './config';

const localRuntimeSchema = z.object({
  /** App settings (ESAFETY_*) that the local system chose, to put under a tool's own. */
  env: z.record(z.string().startsWith('ESAFETY_'), z.string()),
  /** The tenant simulator's self-signed certificate (PEM), to trust for Microsoft Graph. */
  graphCa: z.string().includes('-----BEGIN CERTIFICATE'),
});

export type LocalRuntimeFile = z.output<typeof localRuntimeSchema>;

/** The local data folder: ESAFETY_LOCAL_DATA_DIR, relative to the app root. */
export function localDataDir(config: Pick<AppConfig, 'local'>, root: string): string {
  return resolve(root, config.local.dataDir);
}

export function localRuntimeFilePath(dataDir: string): string {
  return join(dataDir, 'local-runtime.json');
}

/** The file's contents, or undefined when no local system is running. */
export function readLocalRuntimeFile(dataDir: string): LocalRuntimeFile | undefined {
  const path = localRuntimeFilePath(dataDir);
  if (!existsSync(path)) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    json = undefined;
  }
  const parsed = localRuntimeSchema.safeParse(json);
  if (!parsed.success)
    return fail(
      'CONFIG_INVALID',
      `${path} is not one the local system wrote: stop npm start, delete the file and start again.`,
    );
  return parsed.data;
}

/** Writes the file (readable by its owner only: it holds the simulator's client secret). */
export function writeLocalRuntimeFile(dataDir: string, contents: LocalRuntimeFile): void {
  writeFileSync(localRuntimeFilePath(dataDir), JSON.stringify(contents), {
    mode: 0o600,
  });
}

export function removeLocalRuntimeFile(dataDir: string): void {
  rmSync(localRuntimeFilePath(dataDir), { force: true });
}
