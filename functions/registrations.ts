/**
 * Every function this app exposes, in one list. Azure (functions/index.ts) registers them with
 * `app.http(...)` / `app.storageQueue(...)`; the local dev host (local/dev-host.ts) serves the same
 * list, so both run the same handlers on the same routes and queues.
 */
import type {
  HttpMethod,
  HttpRequest,
  HttpResponse,
  HttpResponseInit,
  InvocationContext,
} from '@azure/functions';
import { createBotAdapter } from '../bot/bot-adapter';
import { CasePoster } from '../bot/case-poster';
import { EsafetyBot } from '../bot/esafety-bot';
import { outboxQueueName, sweepCasePosts } from '../core/outbox';
import { botMessagesHandler } from './bot-messages';
import { casePostsHandler } from './case-posts';
import type { App } from './composition-root';
import { healthHandler } from './health';

export interface HttpRegistration {
  readonly name: string;
  /** Route below `/api/` (host.json keeps the default prefix). */
  readonly route: string;
  readonly methods: readonly HttpMethod[];
  readonly handler: (req: HttpRequest, ctx: InvocationContext) => Promise<HttpResponseInit | HttpResponse>;
}

export interface QueueRegistration {
  readonly name: string;
  readonly queueName: string;
  /** The message, parsed from JSON when it is JSON (as the Functions host does). */
  readonly handler: (message: unknown, ctx: InvocationContext) => Promise<void>;
}

export interface TimerRegistration {
  readonly name: string;
  /** NCRONTAB with seconds, as Azure Functions timers take it. */
  readonly schedule: string;
  readonly handler: (ctx: InvocationContext) => Promise<void>;
}

export interface Registrations {
  readonly http: readonly HttpRegistration[];
  readonly queues: readonly QueueRegistration[];
  readonly timers: readonly TimerRegistration[];
}

export function registrations(app: App): Registrations {
  const { config, log } = app;
  const bot = new EsafetyBot(app);
  const adapter =
    config.bot.appId !== undefined || config.bot.anonymous ? createBotAdapter(config.bot, log) : undefined;
  const poster = adapter && new CasePoster({ ...app, adapter, appId: config.bot.appId ?? '' });
  return {
    http: [
      { name: 'health', route: 'health', methods: ['GET'], handler: healthHandler(app) },
      {
        name: 'messages',
        route: 'messages',
        methods: ['POST'],
        handler: botMessagesHandler(adapter, bot, log.child({ component: 'bot-endpoint' })),
      },
    ],
    queues: [
      {
        name: 'casePosts',
        queueName: outboxQueueName,
        handler: casePostsHandler(poster, log.child({ component: 'case-posts' })),
      },
    ],
    timers: [
      // Every five minutes: re-queue any case card that is missing or behind its case.
      {
        name: 'casePostSweep',
        schedule: '0 */5 * * * *',
        handler: async () => {
          const queued = await sweepCasePosts(app);
          // Anything found here is a follow-up that was lost after a change: worth an operator's look.
          if (queued > 0) log.warn({ queued, event: 'sweep.requeued' }, 'case cards re-queued by the sweep');
        },
      },
    ],
  };
}
