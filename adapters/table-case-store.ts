/**
 * The case store on Azure Table Storage (docs/architecture.md; docs/data-protection.md).
 *
 * - One partition per case: RowKey `head` holds the current state, `e0000000001`… the events.
 *   Every write is one entity-group transaction that replaces the head *with its ETag* and inserts
 *   the new events, so an action and its audit event commit together or not at all, and a writer
 *   working from a stale head gets 412 and writes nothing. Event RowKeys are the sequence number,
 *   so even a forged head could not make two events share a position. These mechanics are
 *   `adapters/table-event-log.ts`, shared with risk assessments: one storage pattern, not two.
 * - Narrative (descriptions, notes, names) is encrypted per value with AES-256-GCM; ids,
 *   categories, levels and timestamps stay plain and queryable.
 * - Index tables (`caseindex`: one row per case; `subjectindex`: cases per subject) are written after
 *   the case and can be rebuilt from the events at any time (`rebuildIndexes`).
 *
 * Transactions: https://learn.microsoft.com/rest/api/storageservices/performing-entity-group-transactions
 */
import { odata, type TableClient, TableTransaction, type TableEntity } from '@azure/data-tables';
import { backOff } from 'exponential-backoff';
import { z } from 'zod';
import { fail, isErrorCode } from '../core/errors';
import type { Logger } from '../core/logger';
import { caseSources, closeOutcomes, subjectParts, type CaseEvent } from '../core/cases/case-events';
import { fold, type CaseState } from '../core/cases/case-state';
import {
  formatReference,
  matchesFilter,
  summarise,
  type CaseListFilter,
  type CaseSnapshot,
  type CaseStore,
  type CaseSummary,
  type PurgeRecord,
} from '../core/cases/case-store';
import { severities, subjectTypes } from '../core/policy/policy-pack';
import type { FieldCipher } from './field-cipher';
import type { StorageTables } from './storage-clients';
import { eventRow, headRow, maxEventsPerWrite, TableEventLog } from './table-event-log';
import { statusOf, storageFailure, tablesOnce } from './table-errors';
import { listRows } from './table-rows';

export interface TableCaseStoreOptions extends StorageTables {
  readonly cipher: FieldCipher;
  readonly log: Logger;
}

type Entity = TableEntity<Record<string, unknown>>;

const indexPartition = 'case';
const referencePartition = 'reference';
const purgePartition = 'purge';

/** A row already gone is what a delete wanted (a purge being repeated). */
function ignoreMissing(err: unknown): void {
  if (statusOf(err) !== 404) throw err;
}

const headSchema = z.object({
  reference: z.string(),
  source: z.enum(caseSources),
  route: z.string(),
  area: z.string(),
  category: z.string(),
  severity: z.enum(severities),
  status: z.enum(['open', 'inProgress', 'closed']),
  subjectType: z.enum(subjectTypes),
  subjectId: z.string().optional(),
  under18: z.enum(['yes', 'no', 'unknown']),
  /** Absent on heads written before the subject's part was recorded. */
  subjectPart: z.enum(subjectParts).default('unknown'),
  immediateRisk: z.boolean(),
  retentionHold: z.boolean().default(false),
  reporterId: z.string(),
  assigneeId: z.string().optional(),
  openedAt: z.string(),
  updatedAt: z.string(),
  closedAt: z.string().optional(),
  outcome: z.enum([...closeOutcomes, 'notAConcern']).optional(),
  referrals: z.string(),
  parentInformed: z.boolean(),
  sanctions: z.string(),
  /** Absent on heads written before signals were recorded. */
  signalKeys: z.string().default('[]'),
  /** A sharing case's owner question, as JSON; absent until the owner is asked. */
  owner: z.string().optional(),
  version: z.number().int(),
  lastHash: z.string(),
  narrative: z.string(),
});

const eventSchema = z.object({
  seq: z.number().int().min(1),
  type: z.string(),
  at: z.string(),
  actorId: z.string(),
  data: z.string(),
  narrative: z.string(),
  prevHash: z.string(),
  hash: z.string(),
});

export class TableCaseStore implements CaseStore {
  private readonly cases: TableClient;
  /** The head-and-events mechanics shared with risk assessments (adapters/table-event-log.ts). */
  private readonly rows: TableEventLog;
  private readonly index: TableClient;
  private readonly subjects: TableClient;
  private readonly counters: TableClient;
  private readonly purges: TableClient;
  private readonly cipher: FieldCipher;
  private readonly log: Logger;
  private readonly ensureTables: () => Promise<void>;

  constructor(options: TableCaseStoreOptions) {
    const client = (name: string) => options.clients.table(`${options.tablePrefix}${name}`);
    this.cases = client('cases');
    this.index = client('caseindex');
    this.subjects = client('subjectindex');
    this.counters = client('counters');
    this.purges = client('purges');
    this.rows = new TableEventLog(this.cases, 'case');
    this.ensureTables = tablesOnce([this.cases, this.index, this.subjects, this.counters, this.purges]);
    this.cipher = options.cipher;
    this.log = options.log.child({ component: 'table-case-store' });
  }

  async create(
    state: CaseState,
    events: readonly CaseEvent[],
  ): Promise<{ created: boolean; snapshot: CaseSnapshot }> {
    await this.ensureTables();
    if (events.length > maxEventsPerWrite)
      fail('CASE_TOO_LARGE', 'Too many events in one write.', { caseId: state.id });
    const written = await this.rows.create(
      this.toHeadEntity(state),
      events.map((e) => this.toEventEntity(e)),
    );
    if (written !== 'exists') {
      await this.updateIndexes(state);
      return { created: true, snapshot: { state, token: written.etag } };
    }
    const existing = await this.load(state.id);
    if (!existing) return fail('STORAGE_FAILED', 'A case exists without its head.', { caseId: state.id });
    return { created: false, snapshot: existing };
  }

  async load(caseId: string): Promise<CaseSnapshot | undefined> {
    await this.ensureTables();
    const entity = await this.rows.head(caseId);
    return entity && { state: this.fromHeadEntity(caseId, entity), token: entity.etag };
  }

  async events(caseId: string): Promise<CaseEvent[]> {
    await this.ensureTables();
    const rows = await this.rows.events(caseId);
    return rows.map((e) => this.fromEventEntity(caseId, e)).sort((a, b) => a.seq - b.seq);
  }

  async commit(
    caseId: string,
    token: string,
    state: CaseState,
    events: readonly CaseEvent[],
  ): Promise<CaseSnapshot> {
    await this.ensureTables();
    if (events.length > maxEventsPerWrite)
      fail('CASE_TOO_LARGE', 'Too many events in one write.', { caseId });
    const written = await this.rows.append(
      this.toHeadEntity(state),
      token,
      events.map((e) => this.toEventEntity(e)),
    );
    if ('refused' in written && written.refused === 'missing')
      return fail('CASE_NOT_FOUND', 'That case does not exist.', { caseId });
    // A changed head (412) or a taken event position (409): someone else wrote first.
    if ('refused' in written)
      return fail('CASE_CONFLICT', 'The case was changed by someone else at the same moment.', { caseId });
    await this.updateIndexes(state);
    return { state, token: written.etag };
  }

  /**
   * The year's counter and each case's reference live in one partition, so taking a number and
   * giving it to a case is one entity-group transaction: a racing worker's transaction fails whole
   * (409 on the case row, 412 on the counter) and it reads the case's reference instead.
   */
  async referenceFor(caseId: string, year: number): Promise<string> {
    await this.ensureTables();
    const caseRow = `case-${caseId}`;
    const attempt = async (): Promise<string> => {
      const given = await this.counter<{ reference: string }>(caseRow);
      if (given) return given.reference;
      const counter = await this.counter<{ value: number }>(String(year));
      const n = (counter?.value ?? 0) + 1;
      const reference = formatReference(year, n);
      const tx = new TableTransaction();
      const next = { partitionKey: referencePartition, rowKey: String(year), value: n };
      if (counter) tx.updateEntity(next, 'Replace', { etag: counter.etag });
      else tx.createEntity(next);
      tx.createEntity({ partitionKey: referencePartition, rowKey: caseRow, reference });
      try {
        await this.counters.submitTransaction(tx.actions);
        return reference;
      } catch (err) {
        const status = statusOf(err);
        if (status === 409 || status === 412) return fail('CASE_CONFLICT', 'reference raced', { year });
        return storageFailure(err, 'allocate reference');
      }
    };
    return backOff(attempt, {
      numOfAttempts: 50,
      startingDelay: 2,
      maxDelay: 100,
      jitter: 'full',
      retry: (err: unknown) => isErrorCode(err, 'CASE_CONFLICT'),
    });
  }

  private async counter<T extends object>(rowKey: string): Promise<(T & { etag: string }) | undefined> {
    try {
      return await this.counters.getEntity<T>(referencePartition, rowKey);
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      return storageFailure(err, 'read reference counter');
    }
  }

  async findIdByReference(reference: string): Promise<string | undefined> {
    await this.ensureTables();
    try {
      const rows = this.index.listEntities<{ reference: string }>({
        queryOptions: {
          filter: odata`PartitionKey eq ${indexPartition} and reference eq ${reference}`,
          select: ['RowKey'],
        },
      });
      for await (const r of rows) return r.rowKey;
    } catch (err) {
      return storageFailure(err, 'find case by reference');
    }
    return undefined;
  }

  async list(filter: CaseListFilter = {}): Promise<CaseSummary[]> {
    await this.ensureTables();
    const out: CaseSummary[] = [];
    try {
      const query =
        filter.subjectId !== undefined
          ? this.subjects.listEntities({
              queryOptions: { filter: odata`PartitionKey eq ${filter.subjectId}` },
            })
          : this.index.listEntities({ queryOptions: { filter: odata`PartitionKey eq ${indexPartition}` } });
      for await (const row of query) out.push(fromIndexEntity(row));
    } catch (err) {
      return storageFailure(err, 'list cases');
    }
    return out.filter((s) => matchesFilter(s, filter));
  }

  async allCaseIds(): Promise<string[]> {
    await this.ensureTables();
    return this.rows.ids();
  }

  async rebuildIndexes(): Promise<number> {
    await this.ensureTables();
    const ids = await this.allCaseIds();
    const keep = new Set<string>();
    for (const id of ids) {
      const state = fold(await this.events(id));
      if (!state) continue;
      await this.updateIndexes(state);
      keep.add(`${indexPartition}/${id}`);
      if (state.subjectId !== undefined) keep.add(`${state.subjectId}/${id}`);
    }
    for (const table of [this.index, this.subjects]) {
      for await (const row of table.listEntities({ queryOptions: { select: ['PartitionKey', 'RowKey'] } })) {
        const pk = row.partitionKey ?? '';
        const rk = row.rowKey ?? '';
        if (!keep.has(`${pk}/${rk}`)) await table.deleteEntity(pk, rk);
      }
    }
    this.log.info({ cases: keep.size, event: 'index.rebuilt' }, 'indexes rebuilt from events');
    return ids.length;
  }

  async repairIndexes(): Promise<number> {
    await this.ensureTables();
    const heads = await listRows(this.cases, 'read case heads', {
      filter: odata`RowKey eq ${headRow}`,
      select: ['PartitionKey', 'version'],
    });
    const indexed = new Map<string, unknown>();
    try {
      for await (const row of this.index.listEntities({
        queryOptions: { filter: odata`PartitionKey eq ${indexPartition}`, select: ['RowKey', 'version'] },
      }))
        indexed.set(String(row.rowKey), row['version']);
    } catch (err) {
      return storageFailure(err, 'read case index');
    }
    // Read after the index: a purge logs a case before it deletes the case's index rows.
    const purged = new Set((await this.purgeLog()).map((p) => p.caseId));
    let repaired = 0;
    for (const head of heads) {
      const id = String(head['partitionKey']);
      if (indexed.get(id) === head['version'] || purged.has(id)) continue;
      try {
        const state = fold(await this.events(id));
        if (!state) continue;
        await this.updateIndexes(state);
        repaired++;
      } catch (err) {
        // One case that cannot be read is reported, never a reason to leave the others unrepaired.
        this.log.error(
          { caseId: id, status: statusOf(err), event: 'index.repairFailed' },
          'case not re-indexed',
        );
      }
    }
    if (repaired > 0)
      this.log.warn({ cases: repaired, event: 'index.repaired' }, 'index rows missing or behind, repaired');
    return repaired;
  }

  /**
   * The purge log first, then the index rows, then the events, the head last: a purge cut short
   * leaves the head, so `load` still finds the case and the next run finishes it.
   */
  async purge(caseId: string, record: PurgeRecord): Promise<void> {
    await this.ensureTables();
    try {
      await this.purges.upsertEntity({ partitionKey: purgePartition, rowKey: caseId, ...record }, 'Replace');
      const head = await this.load(caseId);
      await this.index.deleteEntity(indexPartition, caseId).catch(ignoreMissing);
      if (head?.state.subjectId !== undefined)
        await this.subjects.deleteEntity(head.state.subjectId, caseId).catch(ignoreMissing);
      const rows: string[] = [];
      const events = this.cases.listEntities({
        queryOptions: {
          filter: odata`PartitionKey eq ${caseId} and RowKey ge ${'e'} and RowKey lt ${'f'}`,
          select: ['RowKey'],
        },
      });
      for await (const e of events) if (e.rowKey) rows.push(e.rowKey);
      for (let i = 0; i < rows.length; i += 100) {
        const tx = new TableTransaction();
        for (const rowKey of rows.slice(i, i + 100)) tx.deleteEntity(caseId, rowKey);
        await this.cases.submitTransaction(tx.actions);
      }
      await this.cases.deleteEntity(caseId, headRow).catch(ignoreMissing);
      // Once more, last: an index repair that read the events just before they went may have
      // written the rows back (repairIndexes checks the purge log too).
      await this.index.deleteEntity(indexPartition, caseId).catch(ignoreMissing);
      if (head?.state.subjectId !== undefined)
        await this.subjects.deleteEntity(head.state.subjectId, caseId).catch(ignoreMissing);
    } catch (err) {
      storageFailure(err, 'purge case');
    }
  }

  async purgeLog(): Promise<PurgeRecord[]> {
    await this.ensureTables();
    const out: PurgeRecord[] = [];
    try {
      for await (const row of this.purges.listEntities<PurgeRecord>({
        queryOptions: { filter: odata`PartitionKey eq ${purgePartition}` },
      })) {
        const { partitionKey: _p, rowKey: _r, etag: _e, timestamp: _t, ...record } = row;
        out.push(record);
      }
    } catch (err) {
      return storageFailure(err, 'read purge log');
    }
    return out.sort((a, b) => a.purgedAt.localeCompare(b.purgedAt));
  }

  /** Index rows are upserted (idempotent); a failure is logged and repaired by `rebuildIndexes`. */
  private async updateIndexes(state: CaseState): Promise<void> {
    const summary = toIndexEntity(summarise(state));
    try {
      await this.index.upsertEntity(
        { partitionKey: indexPartition, rowKey: state.id, ...summary },
        'Replace',
      );
      if (state.subjectId !== undefined) {
        await this.subjects.upsertEntity(
          { partitionKey: state.subjectId, rowKey: state.id, ...summary },
          'Replace',
        );
      }
    } catch (err) {
      this.log.warn(
        { caseId: state.id, status: statusOf(err), event: 'index.stale' },
        'index update failed; run rebuild',
      );
    }
  }

  private toHeadEntity(s: CaseState): Entity {
    const { narrative, referrals, sanctions, signalKeys, id, owner, ...plain } = s;
    return {
      partitionKey: id,
      rowKey: headRow,
      ...stripUndefined(plain),
      ...(owner && { owner: JSON.stringify(owner) }),
      referrals: JSON.stringify(referrals),
      sanctions: JSON.stringify(sanctions),
      signalKeys: JSON.stringify(signalKeys),
      narrative: this.cipher.encrypt(JSON.stringify(narrative), `${id}|${headRow}`),
    };
  }

  private fromHeadEntity(caseId: string, entity: Record<string, unknown>): CaseState {
    const parsed = headSchema.safeParse(entity);
    if (!parsed.success) return fail('STORAGE_FAILED', 'stored case head is malformed', { caseId });
    const { referrals, sanctions, signalKeys, narrative, owner, ...plain } = parsed.data;
    const where = { caseId };
    return {
      id: caseId,
      ...stripUndefined(plain),
      ...(owner !== undefined && { owner: JSON.parse(owner) as NonNullable<CaseState['owner']> }),
      referrals: JSON.parse(referrals) as string[],
      sanctions: JSON.parse(sanctions) as string[],
      signalKeys: JSON.parse(signalKeys) as string[],
      narrative: JSON.parse(
        this.cipher.decrypt(narrative, `${caseId}|${headRow}`, where),
      ) as CaseState['narrative'],
    };
  }

  private toEventEntity(e: CaseEvent): Entity {
    const { caseId, seq, actorName, narrative, data, ...plain } = e;
    const row = eventRow(seq);
    const secret = JSON.stringify({ actorName, narrative });
    return {
      partitionKey: caseId,
      rowKey: row,
      seq,
      ...plain,
      data: JSON.stringify(data),
      narrative: this.cipher.encrypt(secret, `${caseId}|${row}`),
    };
  }

  private fromEventEntity(caseId: string, entity: Record<string, unknown>): CaseEvent {
    const parsed = eventSchema.safeParse(entity);
    const rowKey = entity['rowKey'];
    const rowSeq = typeof rowKey === 'string' ? Number(rowKey.slice(1)) : NaN;
    if (!parsed.success) return fail('STORAGE_FAILED', 'stored event is malformed', { caseId, seq: rowSeq });
    const { narrative, data, ...plain } = parsed.data;
    const where = { caseId, seq: rowSeq };
    const secret = JSON.parse(this.cipher.decrypt(narrative, `${caseId}|${eventRow(rowSeq)}`, where)) as {
      actorName?: string;
      narrative: Record<string, string>;
    };
    return {
      caseId,
      ...plain,
      ...(secret.actorName !== undefined && { actorName: secret.actorName }),
      data: JSON.parse(data) as Record<string, unknown>,
      narrative: secret.narrative,
    } as CaseEvent;
  }
}

function toIndexEntity(s: CaseSummary): Record<string, unknown> {
  const { id: _id, ...rest } = s;
  return stripUndefined(rest);
}

function fromIndexEntity(row: Record<string, unknown>): CaseSummary {
  const pick = (k: string) => (typeof row[k] === 'string' ? row[k] : undefined);
  return stripUndefined({
    id: String(row['rowKey']),
    reference: pick('reference') ?? '',
    status: pick('status'),
    severity: pick('severity'),
    route: pick('route') ?? '',
    area: pick('area') ?? '',
    category: pick('category') ?? '',
    subjectType: pick('subjectType'),
    subjectId: pick('subjectId'),
    source: pick('source'),
    assigneeId: pick('assigneeId'),
    openedAt: pick('openedAt') ?? '',
    updatedAt: pick('updatedAt') ?? '',
    version: typeof row['version'] === 'number' ? row['version'] : 0,
  }) as unknown as CaseSummary;
}

function stripUndefined<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
