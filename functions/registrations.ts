/**
 * Every function this app exposes, in one list. Azure (functions/index.ts) registers them with
 * `app.http(...)` / `app.storageQueue(...)`; the local dev host (local/host/dev-host.ts) serves the same
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
import { BotConnectorSender, type TeamsSenderDeps } from '../bot/teams-sender';
import { EsafetyBot } from '../bot/esafety-bot';
import { toEsafetyError } from '../core/errors';
import { noticeOperators } from '../core/outbox/ops-notice';
import { sweepCasePosts } from '../core/outbox/sweep';
import { purgeExpiredCases } from '../core/cases/retention-purge';
import { queueName, type AppConfig } from './config';
import { storageClients } from '../adapters/storage-clients';
import { StorageQueue } from '../adapters/storage-queue';
import { msalNetwork } from '../adapters/graph-gateway';
import { poisonState, replayPoison, type PoisonedQueue } from '../adapters/poison-queue';
import { outboxMessageSchema } from '../core/outbox/outbox';
import { graphQueueMessageSchema } from '../core/monitoring/graph-notification';
import { botMessagesHandler } from './bot-messages';
import { casePostsHandler } from './case-posts';
import type { App } from './composition-root';
import { healthHandler } from './health';
import { graphNotificationsHandler } from './graph-notifications';
import { graphLifecycleHandler, graphNotifyHandler } from './graph-webhooks';
import type { Monitoring } from './composition-root';
import type { Logger } from '../core/logger';
import { timerFunction } from './invocation';
import { telemetry } from './telemetry';
import { reconcileSubscriptions } from '../core/monitoring/subscriptions';

/**
 * Locally the subscriptions are made at start-up. In Azure `runOnStartup` would run on every
 * scale-out (Microsoft advises against it); run `esafety subscriptions renew` once after deploying,
 * then the timer keeps them.
 */
export function subscriptionTimer(
  monitoring: Monitoring,
  log: Logger,
  runOnStartup: boolean,
): TimerRegistration {
  return {
    name: 'graphSubscriptions',
    schedule: '0 */30 * * * *',
    runOnStartup,
    handler: timerFunction(async () => {
      const report = await reconcileSubscriptions(
        monitoring.subscriptions,
        monitoring.plan,
        monitoring.clock,
        log.child({ component: 'subscriptions' }),
      );
      telemetry.subscriptionsRenewed('created', report.created.length);
      telemetry.subscriptionsRenewed('renewed', report.renewed.length);
    }),
  };
}

/**
 * Every quarter of an hour in Azure (audit records take a while to arrive, and each window reaches
 * back over the last); every minute locally, and once at start-up, so a share made while the system
 * was down is found as soon as it is back.
 */
export function sharingSweepTimer(app: App, local: boolean): TimerRegistration {
  const sharing = app.sharing;
  return {
    name: 'sharingSweep',
    schedule: local ? '0 * * * * *' : '0 */15 * * * *',
    runOnStartup: local,
    handler: timerFunction(async () => {
      await sharing?.watch.sweep(app.log.child({ component: 'sharing-sweep' }));
    }),
  };
}

/**
 * The work queues whose poison queues are replayed, each with what its messages must be; with
 * `graphAnswering`, notifications wait until Microsoft Graph answers again.
 */
export function poisonedQueues(
  storage: AppConfig['storage'],
  graphAnswering?: () => Promise<boolean>,
): PoisonedQueue[] {
  return [
    { queue: queueName(storage, 'case-posts'), schema: outboxMessageSchema },
    {
      queue: queueName(storage, 'graph-notifications'),
      schema: graphQueueMessageSchema,
      ...(graphAnswering && { answering: graphAnswering }),
    },
  ];
}

/** Microsoft Graph answers: the app's subscriptions can be listed (a token, then one read). */
function graphAnswers(monitoring: Monitoring): () => Promise<boolean> {
  return () => monitoring.subscriptions.list().then(() => true);
}

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
  /** Also run once when the host starts (Azure's `runOnStartup`). */
  readonly runOnStartup?: boolean;
  readonly handler: (ctx: InvocationContext) => Promise<void>;
}

export interface Registrations {
  readonly http: readonly HttpRegistration[];
  readonly queues: readonly QueueRegistration[];
  readonly timers: readonly TimerRegistration[];
}

export function registrations(
  app: App,
  options: {
    readonly mirrors?: TeamsSenderDeps['mirrors'];
    /** The patient retries' delays in seconds (functions/queue-trigger.ts); short in tests. */
    readonly patientDelays?: readonly number[];
    /** A CA the bot's own token requests trust (the local tenant simulator's, with its channel). */
    readonly botCa?: string;
  } = {},
): Registrations {
  const { config, log } = app;
  const bot = new EsafetyBot(app);
  const notificationQueue: PoisonedQueue = {
    queue: queueName(config.storage, 'graph-notifications'),
    schema: graphQueueMessageSchema,
  };
  const clients = storageClients(config.storage.connection);
  /** A function's own queue, for messages that wait out a failing dependency (queue-trigger.ts). */
  const requeueOn = (queue: 'case-posts' | 'graph-notifications') => {
    const again = new StorageQueue<Record<string, unknown>>(clients.queue(queueName(config.storage, queue)));
    return {
      requeue: (message: Record<string, unknown>, delaySeconds: number) =>
        again.send(message, { delaySeconds }),
      ...(options.patientDelays && { delays: options.patientDelays }),
    };
  };
  const adapter =
    config.bot.appId !== undefined || config.bot.anonymous
      ? createBotAdapter(
          config.bot,
          log,
          options.botCa === undefined ? {} : { network: msalNetwork(options.botCa) },
        )
      : undefined;
  const sender =
    adapter &&
    new BotConnectorSender({
      adapter,
      appId: config.bot.appId ?? '',
      pack: app.pack,
      log,
      ...(options.mirrors && { mirrors: options.mirrors }),
    });
  return {
    http: [
      { name: 'health', route: 'health', methods: ['GET'], handler: healthHandler(app) },
      {
        name: 'graphNotify',
        route: 'graph/notify',
        methods: ['POST'],
        handler: graphNotifyHandler(app.monitoring, log),
      },
      {
        name: 'graphLifecycle',
        route: 'graph/lifecycle',
        methods: ['POST'],
        handler: graphLifecycleHandler(app.monitoring, log),
      },
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
        queueName: queueName(config.storage, 'case-posts'),
        handler: casePostsHandler(
          sender && { ...app, sender },
          log.child({ component: 'case-posts' }),
          requeueOn('case-posts'),
        ),
      },
      {
        name: 'graphNotifications',
        queueName: queueName(config.storage, 'graph-notifications'),
        handler: graphNotificationsHandler(
          app.monitoring?.worker,
          async () => {
            if (!app.monitoring) return;
            // This message is about to join the ones already waiting.
            const [waiting] = await poisonState(clients, [notificationQueue]);
            await noticeOperators({ ...app, ledger: app.monitoring.ledger, log }, app.pack.routing.default, {
              notice: 'signalPoisoned',
              count: (waiting?.waiting ?? 0) + 1,
              at: waiting?.oldest ?? app.clock.now().toISOString(),
            });
          },
          log,
          requeueOn('graph-notifications'),
        ),
      },
    ],
    timers: [
      // Every half hour: one subscription per watched resource, renewed with half a day to spare.
      ...(app.monitoring ? [subscriptionTimer(app.monitoring, log, config.mode === 'local')] : []),
      // The audit-log sweep for risky sharing across the tenant (core/sharing/sharing-watch.ts).
      ...(app.sharing ? [sharingSweepTimer(app, config.mode === 'local')] : []),
      // Every night: delete closed cases whose retention period has run, unless a DSL holds them.
      {
        name: 'retentionPurge',
        schedule: '0 30 2 * * *',
        handler: timerFunction(async () => {
          const purged = await purgeExpiredCases(app);
          if (purged.length > 0)
            log.info({ purged: purged.length, event: 'purge.done' }, 'retention purge ran');
        }),
      },
      // Every morning: ask for the review of each approved risk assessment whose review date is near.
      {
        name: 'assessmentReviews',
        schedule: '0 0 7 * * *',
        handler: timerFunction(async () => {
          await app.assessments.requestDueReviews();
        }),
      },
      // Every quarter of an hour: what the host poisoned during an outage goes back on its queue
      // (idempotent processing finishes it; adapters/poison-queue.ts keeps what cannot be replayed).
      {
        name: 'poisonReplay',
        schedule: '0 */15 * * * *',
        handler: timerFunction(async () => {
          const reports = await replayPoison(
            clients,
            poisonedQueues(config.storage, app.monitoring && graphAnswers(app.monitoring)),
          );
          const replayed = reports.reduce((n, r) => n + r.replayed, 0);
          const kept = reports.reduce((n, r) => n + r.kept, 0);
          if (replayed + kept > 0)
            log.warn({ replayed, kept, event: 'poison.replayed' }, 'poisoned messages replayed');
          // The DSL channel's notice follows: still waiting (and how many), or — whoever replayed
          // them, this timer or an operator — nothing waits now and an open notice is cleared.
          const notifications = reports.find((r) => r.queue === notificationQueue.queue);
          const [left] = await poisonState(clients, [notificationQueue]);
          const route = app.pack.routing.default;
          const notice = await app.conversations.cardPost(`notice:${route}`);
          const open = (notice?.record.version ?? 0) > 0;
          if (left && left.waiting > 0)
            await app.outbox.send({
              kind: 'ops.notice',
              route,
              // Graph answered and the replay ran: what is still there was kept, for a person.
              notice:
                notifications && !notifications.waitingForDependency ? 'signalsStuck' : 'signalPoisoned',
              count: left.waiting,
              ...(left.oldest && { at: left.oldest }),
            });
          else if (open)
            await app.outbox.send({
              kind: 'ops.notice',
              route,
              notice: 'signalsReplayed',
              count: notifications?.replayed || notice?.record.version || 1,
              at: app.clock.now().toISOString(),
            });
        }),
      },
      // Every five minutes: repair the case index, then re-queue any card missing or behind its case.
      {
        name: 'casePostSweep',
        schedule: '0 */5 * * * *',
        handler: timerFunction(async () => {
          const sweepLog = log.child({ component: 'case-post-sweep' });
          // A case written without its index row (a worker stopped in between) is invisible to the
          // sweep and to `cases list` until its row is back: repaired first.
          await app.store
            .repairIndexes()
            .catch((err: unknown) =>
              sweepLog.error(
                { code: toEsafetyError(err).code, event: 'index.repairFailed' },
                'index repair failed; the sweep runs on the index as it is',
              ),
            );
          const queued = await sweepCasePosts({ ...app, log: sweepLog });
          // Anything found here is a follow-up that was lost after a change: worth an operator's look.
          if (queued > 0)
            sweepLog.warn({ queued, event: 'sweep.requeued' }, 'case cards re-queued by the sweep');
        }),
      },
    ],
  };
}
