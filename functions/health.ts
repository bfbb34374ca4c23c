/**
 * `GET /api/health`: is the app configured and can it reach its storage — the case tables and both
 * work queues? Each check is reported by name with `ok` or an error code; ids and codes only, no
 * data. The checks share one short deadline, so an unreachable account answers 503 within seconds
 * instead of after the storage SDK's retries (about 16 s).
 */
import type { HttpResponseInit } from '@azure/functions';
import { toEsafetyError } from '../core/errors';
import type { App } from './composition-root';
import { httpFunction } from './invocation';

export const healthDeadlineMs = 2000;

export function healthHandler(app: App, options: { readonly deadlineMs?: number } = {}) {
  const log = app.log.child({ component: 'health' });
  return httpFunction(async (): Promise<HttpResponseInit> => {
    const invocationLog = log;
    const signal = AbortSignal.timeout(options.deadlineMs ?? healthDeadlineMs);
    const results = await Promise.all(
      app.healthChecks.map(async (check): Promise<[string, string]> => {
        try {
          await check.run(signal);
          return [check.name, 'ok'];
        } catch (err) {
          const code = toEsafetyError(err).code;
          invocationLog.warn({ event: 'health.failed', check: check.name, code }, 'storage check failed');
          return [check.name, code];
        }
      }),
    );
    const ok = results.every(([, result]) => result === 'ok');
    return {
      status: ok ? 200 : 503,
      jsonBody: {
        status: ok ? 'ok' : 'degraded',
        mode: app.config.mode,
        policy: app.pack.organisation.id,
        checks: Object.fromEntries(results),
      },
    };
  });
}
