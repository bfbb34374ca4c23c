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
import { createBotAdapter } from '../bot/bot-adapter';
import { EsafetyBot } from '../bot/esafety-bot';
import { botMessagesHandler } from './bot-messages';
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
  const { config, log } = app;
  const bot = new EsafetyBot(app);
  const adapter =
    config.bot.appId !== undefined || config.bot.anonymous ? createBotAdapter(config.bot, log) : undefined;
  return [
    { name: 'health', route: 'health', methods: ['GET'], handler: healthHandler(app) },
    {
      name: 'messages',
      route: 'messages',
      methods: ['POST'],
      handler: botMessagesHandler(adapter, bot, log.child({ component: 'bot-endpoint' })),
    },
  ];
}
