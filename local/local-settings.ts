/**
 * Settings of the local system only: the loopback ports `npm start` listens on. The deployed app
 * never reads them (its settings are in functions/config.ts); with none set, the standard ports of
 * Azurite, the Functions host and the tenant simulator are used, so `npm start` needs no set-up.
 * Documented in local.settings.example.json (`ESAFETY_LOCAL_*`).
 */
import { z } from 'zod';
import { fail } from '../core/errors';

const port = z.coerce.number().int().min(0, '0 (any free port) to 65535').max(65535, 'at most 65535');

const localSchema = z.object({
  ESAFETY_LOCAL_HOST_PORT: port.default(7071),
  ESAFETY_LOCAL_TABLE_PORT: port.default(10002),
  ESAFETY_LOCAL_QUEUE_PORT: port.default(10001),
  ESAFETY_LOCAL_GRAPH_PORT: port.default(7443),
});

export interface LocalPorts {
  /** The dev host: the Azure Functions routes. */
  readonly host: number;
  /** Azurite's Table and Queue services. */
  readonly table: number;
  readonly queue: number;
  /** The tenant simulator (Microsoft Graph and the identity platform) over https. */
  readonly graph: number;
}

/** Reads the local ports; a malformed value stops start-up with its name. */
export function loadLocalPorts(env: Readonly<Record<string, string | undefined>>): LocalPorts {
  const present = Object.fromEntries(
    Object.entries(env).filter(([k, v]) => k.startsWith('ESAFETY_LOCAL_') && v !== ''),
  );
  const parsed = localSchema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    return fail('CONFIG_INVALID', `Configuration is invalid:\n  ${problems.join('\n  ')}`, {
      variables: parsed.error.issues.map((i) => i.path.join('.')).join(','),
    });
  }
  const e = parsed.data;
  return Object.freeze({
    host: e.ESAFETY_LOCAL_HOST_PORT,
    table: e.ESAFETY_LOCAL_TABLE_PORT,
    queue: e.ESAFETY_LOCAL_QUEUE_PORT,
    graph: e.ESAFETY_LOCAL_GRAPH_PORT,
  });
}
