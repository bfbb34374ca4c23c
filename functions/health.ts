/** `GET /api/health`: is the app configured and can it reach its storage? Ids only, no data. */
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { toEsafetyError } from '../core/errors';
import type { App } from './composition-root';

export function healthHandler(app: App) {
  return async (_req: HttpRequest, _ctx: InvocationContext): Promise<HttpResponseInit> => {
    let storage = 'ok';
    try {
      await app.store.load('health-probe');
    } catch (err) {
      storage = toEsafetyError(err).code;
      app.log.warn({ event: 'health.storage', code: storage }, 'storage check failed');
    }
    const ok = storage === 'ok';
    return {
      status: ok ? 200 : 503,
      jsonBody: {
        status: ok ? 'ok' : 'degraded',
        mode: app.config.mode,
        policy: app.pack.organisation.id,
        checks: { storage },
      },
    };
  };
}
