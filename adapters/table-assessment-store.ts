/**
 * The assessment store on Azure Table Storage, laid out exactly like the case store
 * (adapters/table-case-store.ts; the mechanics in adapters/table-event-log.ts):
 *
 * - Table `<prefix>assessments`, one partition per assessment: RowKey `head` holds the current state,
 *   `e0000000001`… the events. Every write is one entity-group transaction replacing the head with
 *   its ETag and inserting the events, so a decision and its audit event commit together or not at
 *   all, and a writer working from a stale head writes nothing (`ASSESSMENT_CONFLICT`).
 * - What people wrote (answers, comments, questions, conditions, notes) and names are encrypted per
 *   value with AES-256-GCM bound to `<id>|<row>`; ids, levels, decisions and dates stay plain, so
 *   the register reads the heads without decrypting anything it does not show.
 * - Every row read is checked (zod); a malformed one is `STORAGE_FAILED` naming ids only.
 */
import { z } from 'zod';
import type { AssessmentEvent, AssessmentEventType, AssessmentState } from '../core/assessments/assessment';
import { assessmentStatuses, decisions } from '../core/assessments/assessment';
import {
  checkAssessmentWrite,
  type AssessmentSnapshot,
  type AssessmentStore,
} from '../core/assessments/assessment-store';
import { fail } from '../core/errors';
import type { Logger } from '../core/logger';
import { riskLevels } from '../core/questionnaire/questionnaire';
import type { FieldCipher } from './field-cipher';
import type { StorageTables } from './storage-clients';
import {
  eventRow,
  headRow,
  openColumn,
  parseStoredJson,
  sealColumn,
  seqOfRow,
  stripUndefined,
  TableEventLog,
  type Entity,
} from './table-event-log';

export interface TableAssessmentStoreOptions extends StorageTables {
  readonly cipher: FieldCipher;
  readonly log: Logger;
}

const eventTypes = Object.keys({
  submitted: true,
  infoRequested: true,
  answered: true,
  decided: true,
  withdrawn: true,
  reviewDue: true,
  reviewed: true,
} satisfies Record<AssessmentEventType, true>) as [AssessmentEventType, ...AssessmentEventType[]];

const reasonSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('answer'),
    questionId: z.string(),
    answer: z.string(),
    weight: z.number(),
  }),
  z.object({ kind: z.literal('rule'), ruleId: z.string(), level: z.enum(['medium', 'high']) }),
]);

const answersSchema = z.record(z.string(), z.object({ value: z.string(), comment: z.string().optional() }));

const headSchema = z.object({
  reference: z.string(),
  questionnaireId: z.string(),
  questionnaireVersion: z.string(),
  approverRole: z.string(),
  route: z.string(),
  status: z.enum(assessmentStatuses),
  risk: z.enum(riskLevels),
  score: z.number(),
  requesterId: z.string(),
  submittedAt: z.string(),
  updatedAt: z.string(),
  decision: z.enum(decisions).optional(),
  decidedBy: z.string().optional(),
  decidedAt: z.string().optional(),
  reviewDate: z.string().optional(),
  reviewRequestedAt: z.string().optional(),
  reviewOf: z.string().optional(),
  reviewedBy: z.string().optional(),
  version: z.number().int().min(1),
  lastHash: z.string(),
  reasons: z.string(),
  narrative: z.string(),
});

const headNarrativeSchema = z.object({
  tool: z.string(),
  answers: answersSchema,
  requesterName: z.string().optional(),
  deciderName: z.string().optional(),
  conditions: z.string().optional(),
  decisionNote: z.string().optional(),
  question: z.string().optional(),
});

const eventSchema = z.object({
  seq: z.number().int().min(1),
  type: z.enum(eventTypes),
  at: z.string(),
  actorId: z.string(),
  data: z.string(),
  narrative: z.string(),
  prevHash: z.string(),
  hash: z.string(),
});

const eventSecretSchema = z.object({
  actorName: z.string().optional(),
  narrative: z.record(z.string(), z.unknown()),
});

export class TableAssessmentStore implements AssessmentStore {
  private readonly rows: TableEventLog;
  private readonly cipher: FieldCipher;

  constructor(options: TableAssessmentStoreOptions) {
    this.rows = new TableEventLog(options.clients.table(`${options.tablePrefix}assessments`), 'assessment');
    this.cipher = options.cipher;
  }

  async create(
    state: AssessmentState,
    events: readonly AssessmentEvent[],
  ): Promise<{ created: boolean; snapshot: AssessmentSnapshot }> {
    checkAssessmentWrite(state.id, events);
    const written = await this.rows.create(
      this.toHeadEntity(state),
      events.map((e) => this.toEventEntity(e)),
    );
    if (written !== 'exists') return { created: true, snapshot: { state, token: written.etag } };
    const existing = await this.load(state.id);
    // 409 with no head: an event row without its head, which only an edit in storage makes.
    if (!existing)
      return fail('STORAGE_FAILED', 'An assessment has events but no head.', { assessmentId: state.id });
    return { created: false, snapshot: existing };
  }

  async load(id: string): Promise<AssessmentSnapshot | undefined> {
    const row = await this.rows.head(id);
    return row && { state: this.fromHeadEntity(id, row), token: row.etag };
  }

  async events(id: string): Promise<AssessmentEvent[]> {
    return (await this.rows.events(id)).map((row) => this.fromEventEntity(id, row));
  }

  async commit(
    id: string,
    token: string,
    state: AssessmentState,
    events: readonly AssessmentEvent[],
  ): Promise<AssessmentSnapshot> {
    checkAssessmentWrite(id, events, state);
    const result = await this.rows.append(
      this.toHeadEntity(state),
      token,
      events.map((e) => this.toEventEntity(e)),
    );
    if ('etag' in result) return { state, token: result.etag };
    if (result.refused === 'missing')
      return fail('ASSESSMENT_NOT_FOUND', 'That assessment does not exist.', { assessmentId: id });
    return fail('ASSESSMENT_CONFLICT', 'The assessment was changed by someone else at the same moment.', {
      assessmentId: id,
    });
  }

  async list(): Promise<AssessmentState[]> {
    return (await this.rows.heads()).map((row) => this.fromHeadEntity(String(row['partitionKey']), row));
  }

  allIds(): Promise<string[]> {
    return this.rows.ids();
  }

  private toHeadEntity(s: AssessmentState): Entity {
    const { id, narrative, reasons, ...plain } = s;
    return {
      partitionKey: id,
      rowKey: headRow,
      ...stripUndefined(plain),
      reasons: JSON.stringify(reasons),
      ...sealColumn(this.cipher, 'narrative', JSON.stringify(narrative), `${id}|${headRow}`),
    };
  }

  private fromHeadEntity(id: string, row: Readonly<Record<string, unknown>>): AssessmentState {
    const where = { assessmentId: id };
    const parsed = headSchema.safeParse(row);
    if (!parsed.success) return fail('STORAGE_FAILED', 'stored assessment head is malformed', where);
    const { reasons, narrative: _sealed, ...plain } = parsed.data;
    const parsedReasons = z.array(reasonSchema).safeParse(parseStoredJson(reasons, 'risk reasons', where));
    const secret = openColumn(this.cipher, row, 'narrative', `${id}|${headRow}`, where) ?? '';
    const narrative = headNarrativeSchema.safeParse(parseStoredJson(secret, 'assessment narrative', where));
    if (!parsedReasons.success || !narrative.success)
      return fail('STORAGE_FAILED', 'stored assessment head is malformed', where);
    return {
      id,
      ...stripUndefined(plain),
      reasons: parsedReasons.data,
      narrative: stripUndefined(narrative.data),
    };
  }

  private toEventEntity(e: AssessmentEvent): Entity {
    const { assessmentId, seq, actorName, narrative, data, ...plain } = e;
    const row = eventRow(seq);
    return {
      partitionKey: assessmentId,
      rowKey: row,
      seq,
      ...plain,
      data: JSON.stringify(data),
      ...sealColumn(
        this.cipher,
        'narrative',
        JSON.stringify({ actorName, narrative }),
        `${assessmentId}|${row}`,
      ),
    };
  }

  private fromEventEntity(id: string, row: Readonly<Record<string, unknown>>): AssessmentEvent {
    const rowSeq = seqOfRow(row['rowKey']);
    const where = { assessmentId: id, seq: rowSeq };
    const parsed = eventSchema.safeParse(row);
    if (!parsed.success || Number.isNaN(rowSeq))
      return fail('STORAGE_FAILED', 'stored assessment event is malformed', where);
    const { narrative: _sealed, data, ...plain } = parsed.data;
    const facts = z.record(z.string(), z.unknown()).safeParse(parseStoredJson(data, 'event data', where));
    const text = openColumn(this.cipher, row, 'narrative', `${id}|${eventRow(rowSeq)}`, where) ?? '';
    const secret = eventSecretSchema.safeParse(parseStoredJson(text, 'event narrative', where));
    if (!facts.success || !secret.success)
      return fail('STORAGE_FAILED', 'stored assessment event is malformed', where);
    return {
      assessmentId: id,
      ...plain,
      ...(secret.data.actorName !== undefined && { actorName: secret.data.actorName }),
      data: facts.data,
      narrative: secret.data.narrative,
    } as AssessmentEvent;
  }
}
