/**
 * Every function this app exposes, in one list. Azure (functions/index.ts) registers them with
 * `app.http(...)`; the local dev host (local/dev-host.ts) serves the same list, so both run the
 * same handlers on the same routes.
 */
import type {
  HttpMethod,
  HttpRequest,
  HttpResponse,
  HttpResponseInit,
  InvocationContext,
} from '@azure/functions';
import type { App } from './composition-root';
import { healthHandler } from './health';

export interface HttpRegistration {
  readonly name: string;
  /** Route below `/api/` (host.json keeps the default prefix). */
  readonly route: string;
  readonly methods: readonly HttpMethod[];
  readonly handler: (req: HttpRequest, ctx: InvocationContext) => Promise<HttpResponseInit | HttpResponse>;
}

export function httpRegistrations(app: App): HttpRegistration[] {
  return [{ name: 'health', route: 'health', methods: ['GET'], handler: healthHandler(app) }];
}
