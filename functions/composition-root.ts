/**
 * The composition root: configuration → adapters → core use cases. The Azure Functions entry point,
 * the local dev host and the admin CLI all build the app here, so they run the same wiring.
 */
import { telemetry } from './telemetry';
import { resolve } from 'node:path';
import { systemClock, type Clock } from '../core/clock';
import type { Logger } from '../core/logger';
import { CaseService } from '../core/cases/case-service';
import type { CaseStore } from '../core/cases/case-store';
import type { PolicyPack } from '../core/policy/policy-pack';
import { FieldCipher } from '../adapters/field-cipher';
import { createLogger } from '../adapters/pino-logger';
import { loadPolicyFile } from '../adapters/policy-files';
import { TableCaseStore } from '../adapters/table-case-store';
import { TableConversationStore } from '../adapters/table-conversation-store';
import type { Directory } from '../core/auth/authorise';
import type { ConversationStore } from '../core/conversations';
import { assessmentFollowUps, followUps, type Outbox, type OutboxMessage } from '../core/outbox/outbox';
import { AssessmentService } from '../core/assessments/assessment-service';
import { TableAssessmentStore } from '../adapters/table-assessment-store';
import { TableDraftStore } from '../adapters/table-draft-store';
import { TableQuizStore } from '../adapters/table-quiz-store';
import { QuizService } from '../core/quizzes/quiz-service';
import type { GraphQueueMessage } from '../core/monitoring/graph-notification';
import { NotificationWorker } from '../core/monitoring/notification-worker';
import {
  storageChecks,
  storageClients,
  type StorageCheck,
  type StorageTables,
} from '../adapters/storage-clients';
import { StorageQueue } from '../adapters/storage-queue';
import { GraphDirectory, GraphGroupMembers } from '../adapters/graph-directory';
import { createGraphClient } from '../adapters/graph-gateway';
import type { Client } from '@microsoft/microsoft-graph-client';
import { GraphConversationMembers } from '../adapters/graph-chats';
import { GraphMessageSource } from '../adapters/graph-message-source';
import { notificationCertificate } from '../adapters/graph-notification-crypto';
import { GraphSubscriptions } from '../adapters/graph-subscriptions';
import { ValidationTokenVerifier } from '../adapters/graph-validation-tokens';
import { TableSignalLedger } from '../adapters/table-signal-ledger';
import { ChatMonitor } from '../core/monitoring/chat-monitor';
import { SignalIntake } from '../core/intake/signal-intake';
import type { SignalLedger } from '../core/intake/signal-ledger';
import {
  subscriptionPlan,
  type SubscriptionGateway,
  type SubscriptionPlan,
} from '../core/monitoring/subscriptions';
import type { TextClassifier } from '../core/detection/text-classifier';
import { ContentSafetyClassifier } from '../adapters/content-safety';
import { queueName, type AppConfig } from './config';
import { fail } from '../core/errors';
import { GraphSharing } from '../adapters/graph-sharing';
import { TableSharingState } from '../adapters/table-sharing-state';
import { SharingWatch, type SharingGraph, type SharingState } from '../core/sharing/sharing-watch';

export interface App {
  readonly config: AppConfig;
  readonly log: Logger;
  readonly pack: PolicyPack;
  readonly store: CaseStore;
  readonly cases: CaseService;
  /** Technology and off-site learning risk assessments. */
  readonly assessments: AssessmentService;
  /** Induction quizzes and the staff refresher, and the training record behind them. */
  readonly quizzes: QuizService;
  readonly directory: Directory;
  readonly conversations: ConversationStore;
  readonly outbox: Outbox;
  readonly clock: Clock;
  /** What `/api/health` checks: the case table and both work queues, each by name. */
  readonly healthChecks: readonly StorageCheck[];
  /** Microsoft Graph chat monitoring; absent when not configured (see AppConfig.monitoring). */
  readonly monitoring?: Monitoring;
  /** OneDrive and SharePoint sharing (the audit sweep and the watched drives); absent without Graph. */
  readonly sharing?: Sharing;
  /**
   * Azure AI Content Safety text analysis (the optional ML layer); absent when not configured
   * (see AppConfig.contentSafety).
   */
  readonly classifier?: TextClassifier;
}

export interface Monitoring {
  readonly tenantId: string;
  readonly clientState: string;
  readonly tokens: Pick<ValidationTokenVerifier, 'verifyAll'>;
  readonly queue: { send(message: GraphQueueMessage): Promise<void> };
  readonly worker: Pick<NotificationWorker, 'process'>;
  /** Aggregation windows and recorded signals (also paces operator notices). */
  readonly ledger: SignalLedger;
  readonly subscriptions: SubscriptionGateway;
  readonly plan: SubscriptionPlan;
  readonly clock: Clock;
}

export interface Sharing {
  readonly watch: SharingWatch;
  readonly state: SharingState;
  readonly graph: SharingGraph;
}

export interface ComposeOverrides {
  readonly log?: Logger;
  readonly clock?: Clock;
  /** Folder that relative paths in configuration are resolved from (the app root). */
  readonly root?: string;
  /** A CA to trust for Microsoft Graph (the local tenant simulator's certificate). */
  readonly graphCa?: string;
  /** Wraps the chat monitor (the benchmark times each message with it). */
  readonly instrumentMonitor?: (monitor: Pick<ChatMonitor, 'handle'>) => Pick<ChatMonitor, 'handle'>;
}

/** How long the Graph webhook waits for its queue write before answering 503. */
export const webhookQueueDeadlineMs = 2_500;

const denyAll: Directory = { isMember: () => Promise.resolve(false) };

export function compose(config: AppConfig, overrides: ComposeOverrides = {}): App {
  const log = overrides.log ?? createLogger(config.logLevel);
  const pack = loadPolicyFile(resolve(overrides.root ?? process.cwd(), config.policyPackPath));
  const clients = storageClients(config.storage.connection);
  const tables = { clients, tablePrefix: config.storage.tablePrefix };
  const cipher = new FieldCipher(config.fieldKeys.current, config.fieldKeys.previous);
  const store = new TableCaseStore({ ...tables, cipher, log });
  const clock = overrides.clock ?? systemClock;
  const outbox: Outbox = new StorageQueue<OutboxMessage>(
    clients.queue(queueName(config.storage, 'case-posts')),
  );
  const cases = new CaseService({
    store,
    pack,
    clock,
    log,
    onChange: async (state, event) => {
      if (event.type === 'opened') telemetry.caseOpened(state.source, state.route);
      for (const message of followUps(state, event)) await outbox.send(message);
    },
  });
  const conversations = new TableConversationStore(tables);
  const groupIds = [...new Set(Object.values(pack.roles).map((r) => r.groupId))];
  const graph =
    config.graph &&
    createGraphClient({ ...config.graph, ...(overrides.graphCa && { extraCa: overrides.graphCa }) });
  const directory = graph ? new GraphDirectory(graph, groupIds, log) : denyAll;
  if (!config.graph)
    log.warn({ event: 'directory.missing' }, 'Microsoft Graph is not configured: nobody may act on cases');
  const assessments = new AssessmentService({
    store: new TableAssessmentStore({ ...tables, cipher, log }),
    drafts: new TableDraftStore({ ...tables, cipher }),
    pack,
    directory,
    clock,
    log,
    onChange: async (state, event) => {
      for (const message of assessmentFollowUps(state, event)) await outbox.send(message);
    },
  });
  const quizzes = new QuizService({
    store: new TableQuizStore({ ...tables, cipher }),
    pack,
    directory,
    ...(graph &&
      config.graph && {
        roster: new GraphConversationMembers(graph, config.graph.tenantId),
        groups: new GraphGroupMembers(graph),
      }),
    clock,
    log,
    onChange: async (runId, change) => {
      if (change === 'started') await outbox.send({ kind: 'quiz.post', runId });
      await outbox.send({ kind: 'quiz.progress', runId });
    },
    outbox,
  });
  const classifier = config.contentSafety && new ContentSafetyClassifier(config.contentSafety, { log });
  const ledger =
    graph &&
    new TableSignalLedger({
      ...tables,
      cipher: new FieldCipher(config.fieldKeys.current, config.fieldKeys.previous),
    });
  const sharing =
    graph && ledger && composeSharing({ config, tables, graph, pack, cases, ledger, directory, clock, log });
  const monitoring =
    graph && config.graph && config.monitoring
      ? composeMonitoring({
          config,
          tables,
          settings: config.graph,
          watch: config.monitoring,
          graph,
          pack,
          cases,
          directory,
          clock,
          log,
          ledger: ledger ?? fail('UNEXPECTED', 'No signal ledger.'),
          sharing,
          graphCa: overrides.graphCa,
          instrumentMonitor: overrides.instrumentMonitor,
          classifier,
        })
      : undefined;
  if (!monitoring)
    log.warn(
      { event: 'monitoring.missing' },
      'chat monitoring is not configured: Teams chats are not watched',
    );
  log.info({ mode: config.mode, pack: pack.organisation.id, event: 'app.composed' }, 'app composed');
  return {
    config,
    log,
    pack,
    store,
    cases,
    assessments,
    quizzes,
    directory,
    conversations,
    outbox,
    clock,
    healthChecks: storageChecks(clients, {
      tables: [`${config.storage.tablePrefix}cases`],
      queues: [queueName(config.storage, 'case-posts'), queueName(config.storage, 'graph-notifications')],
    }),
    ...(monitoring && { monitoring }),
    ...(sharing && { sharing }),
    ...(classifier && { classifier }),
  };
}

function composeMonitoring(deps: {
  config: AppConfig;
  tables: StorageTables;
  settings: NonNullable<AppConfig['graph']>;
  watch: NonNullable<AppConfig['monitoring']>;
  graph: Client;
  pack: PolicyPack;
  cases: CaseService;
  directory: Directory;
  clock: Clock;
  log: Logger;
  graphCa: string | undefined;
  instrumentMonitor: ComposeOverrides['instrumentMonitor'];
  classifier: TextClassifier | undefined;
  ledger: TableSignalLedger;
  sharing: Sharing | undefined;
}): Monitoring {
  const { config, tables, settings, watch, graph, pack, cases, directory, clock, log, ledger } = deps;
  const certificate = notificationCertificate(watch.certificatePem, watch.privateKeyPem);
  const protectedRole = pack.detection.externalContact.protectedRole;
  // The webhook owes Graph an answer within about 3 s: a queue write it cannot make in 2.5 s is
  // answered 503 (Graph retries), never acknowledged
  // (https://learn.microsoft.com/graph/change-notifications-delivery-webhooks).
  const queue = new StorageQueue<GraphQueueMessage>(
    tables.clients.queue(queueName(config.storage, 'graph-notifications'), { retries: 'fast' }),
    { deadlineMs: webhookQueueDeadlineMs },
  );
  const subscriptions = new GraphSubscriptions(graph, { clientState: watch.clientState, certificate });
  const plan = subscriptionPlan(pack, watch.publicUrl);
  const monitor = new ChatMonitor({
    pack,
    intake: new SignalIntake({ pack, cases, ledger, clock, log }),
    members: new GraphConversationMembers(graph, settings.tenantId),
    directory,
    indicators: ledger,
    ...(deps.classifier && { classifier: deps.classifier }),
    clock,
    log,
  });
  return {
    tenantId: settings.tenantId,
    clientState: watch.clientState,
    tokens: new ValidationTokenVerifier({
      appId: settings.clientId,
      tenantId: settings.tenantId,
      authorityHost: settings.authorityHost,
      ...(deps.graphCa && { extraCa: deps.graphCa }),
    }),
    queue,
    worker: new NotificationWorker({
      source: new GraphMessageSource(graph, [certificate], settings.tenantId),
      monitor: deps.instrumentMonitor ? deps.instrumentMonitor(monitor) : monitor,
      subscriptions,
      plan,
      queue,
      protectedGroupId: pack.roles[protectedRole]?.groupId ?? '',
      ...(deps.sharing && {
        drives: deps.sharing.watch,
        driveIds: pack.sharing.sensitiveDrives.map((d) => d.id),
      }),
      clock,
    }),
    ledger,
    subscriptions,
    plan,
    clock,
  };
}

function composeSharing(deps: {
  config: AppConfig;
  tables: StorageTables;
  graph: Client;
  pack: PolicyPack;
  cases: CaseService;
  ledger: SignalLedger;
  directory: Directory;
  clock: Clock;
  log: Logger;
}): Sharing {
  const { config, tables, pack, cases, ledger, directory, clock, log } = deps;
  // Locally the simulator answers audit queries in a moment; in Azure they take minutes.
  const graph = new GraphSharing(
    deps.graph,
    config.mode === 'local' ? { firstPollMs: 100, maxPollMs: 1_000 } : {},
  );
  const state = new TableSharingState(tables);
  const watch = new SharingWatch({
    graph,
    state,
    intake: new SignalIntake({ pack, cases, ledger, clock, log }),
    ledger,
    directory,
    pack,
    clock,
  });
  return { watch, state, graph };
}
