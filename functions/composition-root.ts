/**
 * The composition root: configuration → adapters → core use cases. The Azure Functions entry point,
 * the local dev host and the admin CLI all build the app here, so they run the same wiring.
 */
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
import { followUps, outboxQueueName, type Outbox } from '../core/outbox';
import { QueueOutbox } from '../adapters/queue-outbox';
import { GraphDirectory } from '../adapters/graph-directory';
import { createGraphClient } from '../adapters/graph-gateway';
import type { AppConfig } from './config';

export interface App {
  readonly config: AppConfig;
  readonly log: Logger;
  readonly pack: PolicyPack;
  readonly store: CaseStore;
  readonly cases: CaseService;
  readonly directory: Directory;
  readonly conversations: ConversationStore;
  readonly outbox: Outbox;
  readonly clock: Clock;
}

export interface ComposeOverrides {
  readonly log?: Logger;
  readonly clock?: Clock;
  /** Folder that relative paths in configuration are resolved from (the app root). */
  readonly root?: string;
  /** A CA to trust for Microsoft Graph (the local tenant simulator's certificate). */
  readonly graphCa?: string;
}

const denyAll: Directory = { isMember: () => Promise.resolve(false) };

export function compose(config: AppConfig, overrides: ComposeOverrides = {}): App {
  const log = overrides.log ?? createLogger(config.logLevel);
  const pack = loadPolicyFile(resolve(overrides.root ?? process.cwd(), config.policyPackPath));
  const store = new TableCaseStore({
    connectionString: config.storage.connectionString,
    tablePrefix: config.storage.tablePrefix,
    cipher: new FieldCipher(config.fieldKeys.current, config.fieldKeys.previous),
    log,
  });
  const clock = overrides.clock ?? systemClock;
  const outbox = new QueueOutbox(config.storage.connectionString, outboxQueueName);
  const cases = new CaseService({
    store,
    pack,
    clock,
    log,
    onChange: async (state, event) => {
      for (const message of followUps(state, event)) await outbox.send(message);
    },
  });
  const conversations = new TableConversationStore(config.storage);
  const groupIds = [...new Set(Object.values(pack.roles).map((r) => r.groupId))];
  const directory = config.graph
    ? new GraphDirectory(
        createGraphClient({ ...config.graph, ...(overrides.graphCa && { extraCa: overrides.graphCa }) }),
        groupIds,
        log,
      )
    : denyAll;
  if (!config.graph)
    log.warn({ event: 'directory.missing' }, 'Microsoft Graph is not configured: nobody may act on cases');
  log.info({ mode: config.mode, pack: pack.organisation.id, event: 'app.composed' }, 'app composed');
  return {
    config,
    log,
    pack,
    store,
    cases,
    directory,
    conversations,
    outbox,
    clock,
  };
}
