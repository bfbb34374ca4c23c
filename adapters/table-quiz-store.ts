/**
 * Quizzes, runs and attempts on Azure Table Storage (the port: core/quizzes/quiz-store.ts):
 *
 * - `<prefix>quizzes`: PartitionKey the quiz id, RowKey its version; the snapshot (questions,
 *   right answers, explanations) as JSON, inserted once and never replaced.
 * - `<prefix>quizruns`: PartitionKey `run`, RowKey the run id; class, quiz and start time plain (to
 *   filter on), the run itself — its class list with names and the Teams place of its card —
 *   encrypted (AES-256-GCM bound to the row).
 * - `<prefix>quizattempts`: PartitionKey the run id, RowKey `<person id>:<attempt number>`; the
 *   attempt as JSON (question ids, chosen option ids, times: no names, no free text) with the
 *   person, quiz, class and result plain, so the training record can be read per person, per class
 *   and per quiz. Written by compare-and-swap on the row's ETag.
 */
import { odata, type TableClient } from '@azure/data-tables';
import { z } from 'zod';
import { fail } from '../core/errors';
import type { Attempt, QuizRun, QuizSnapshot } from '../core/quizzes/quiz';
import type { QuizStore, StoredAttempt } from '../core/quizzes/quiz-store';
import type { FieldCipher } from './field-cipher';
import type { StorageTables } from './storage-clients';
import { statusOf, storageFailure, tablesOnce } from './table-errors';
import { openColumn, parseStoredJson, sealColumn, stripUndefined } from './table-event-log';
import { listRows, readRow, type StoredRow } from './table-rows';

export interface TableQuizStoreOptions extends StorageTables {
  readonly cipher: FieldCipher;
}

const attemptSchema = z.object({
  runId: z.string(),
  personId: z.string(),
  number: z.int().min(1),
  quizId: z.string(),
  version: z.string(),
  classId: z.string(),
  order: z.array(z.string()),
  answers: z.array(
    z.object({ questionId: z.string(), answer: z.string(), correct: z.boolean(), at: z.string() }),
  ),
  startedAt: z.string(),
  finishedAt: z.string().optional(),
  score: z.int().optional(),
  passed: z.boolean().optional(),
});

const memberSchema = z.object({ id: z.string(), name: z.string().optional(), mri: z.string().optional() });
const runSchema = z.object({
  id: z.string(),
  quizId: z.string(),
  version: z.string(),
  kind: z.enum(['class', 'assignment']),
  classId: z.string(),
  className: z.string().optional(),
  place: z.record(z.string(), z.unknown()).optional(),
  conversation: z
    .discriminatedUnion('kind', [
      z.object({ kind: z.literal('chat'), chatId: z.string() }),
      z.object({ kind: z.literal('channel'), teamId: z.string(), channelId: z.string() }),
    ])
    .optional(),
  startedBy: z.string(),
  startedByName: z.string().optional(),
  tutorMris: z.array(z.string()),
  startedAt: z.string(),
  closesAt: z.string().optional(),
  dueAt: z.string().optional(),
  roster: z.array(memberSchema),
});

const runPartition = 'run';
/** Attempt numbers are padded so RowKey order is attempt order. */
const attemptRow = (personId: string, number: number) => `${personId}:${String(number).padStart(4, '0')}`;
/** Table keys may not hold `/ \ # ?`; quiz ids and versions are `[a-z0-9-]`, person ids GUIDs. */
const safeKey = (value: string, what: string) =>
  /^[A-Za-z0-9:._-]{1,200}$/.test(value) ? value : fail('INPUT_INVALID', `Not a valid ${what}.`);

export class TableQuizStore implements QuizStore {
  private readonly quizzes: TableClient;
  private readonly runsTable: TableClient;
  private readonly attemptsTable: TableClient;
  private readonly cipher: FieldCipher;
  private readonly ensureTables: () => Promise<void>;

  constructor(options: TableQuizStoreOptions) {
    const { clients, tablePrefix } = options;
    this.quizzes = clients.table(`${tablePrefix}quizzes`);
    this.runsTable = clients.table(`${tablePrefix}quizruns`);
    this.attemptsTable = clients.table(`${tablePrefix}quizattempts`);
    this.ensureTables = tablesOnce([this.quizzes, this.runsTable, this.attemptsTable]);
    this.cipher = options.cipher;
  }

  async saveQuiz(quiz: QuizSnapshot): Promise<void> {
    await this.ensureTables();
    const [pk, rk] = [safeKey(quiz.id, 'quiz id'), safeKey(quiz.version, 'quiz version')];
    try {
      await this.quizzes.createEntity({
        partitionKey: pk,
        rowKey: rk,
        ...sealColumn(this.cipher, 'quiz', JSON.stringify(quiz), `${pk}|${rk}`),
      });
    } catch (err) {
      // 409: this version is already kept; a version names its content, so nothing differs.
      if (statusOf(err) !== 409) storageFailure(err, 'save quiz');
    }
  }

  async quiz(quizId: string, version: string): Promise<QuizSnapshot | undefined> {
    await this.ensureTables();
    const [pk, rk] = [safeKey(quizId, 'quiz id'), safeKey(version, 'quiz version')];
    const row = await readRow(this.quizzes, pk, rk, 'read quiz');
    if (!row) return undefined;
    const where = { quizId, version };
    const text = openColumn(this.cipher, row, 'quiz', `${pk}|${rk}`, where);
    const quiz = text === undefined ? undefined : (parseStoredJson(text, 'quiz', where) as QuizSnapshot);
    if (!quiz || quiz.id !== quizId || quiz.version !== version)
      return fail('STORAGE_FAILED', 'stored quiz is malformed', where);
    return quiz;
  }

  async saveRun(run: QuizRun): Promise<void> {
    await this.ensureTables();
    const rk = safeKey(run.id, 'run id');
    try {
      await this.runsTable.upsertEntity(
        stripUndefined({
          partitionKey: runPartition,
          rowKey: rk,
          quizId: run.quizId,
          classId: run.classId,
          kind: run.kind,
          startedAt: run.startedAt,
          ...sealColumn(this.cipher, 'run', JSON.stringify(run), `${runPartition}|${rk}`),
        }),
        'Replace',
      );
    } catch (err) {
      storageFailure(err, 'save quiz run');
    }
  }

  async run(runId: string): Promise<QuizRun | undefined> {
    await this.ensureTables();
    if (!/^[A-Za-z0-9]{1,64}$/.test(runId)) return undefined;
    const row = await readRow(this.runsTable, runPartition, runId, 'read quiz run');
    return row && this.runOf(row);
  }

  async runs(filter: { readonly classId?: string; readonly quizId?: string } = {}): Promise<QuizRun[]> {
    await this.ensureTables();
    let query = odata`PartitionKey eq ${runPartition}`;
    if (filter.classId !== undefined) query += ` and ${odata`classId eq ${filter.classId}`}`;
    if (filter.quizId !== undefined) query += ` and ${odata`quizId eq ${filter.quizId}`}`;
    const rows = await listRows(this.runsTable, 'list quiz runs', { filter: query });
    return rows
      .map((r) => this.runOf(r))
      .sort((a, b) => (a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : 0));
  }

  async attempts(runId: string, personId?: string): Promise<StoredAttempt[]> {
    await this.ensureTables();
    const filter =
      personId === undefined
        ? odata`PartitionKey eq ${runId}`
        : odata`PartitionKey eq ${runId} and RowKey ge ${`${personId}:`} and RowKey lt ${`${personId};`}`;
    const rows = await listRows(this.attemptsTable, 'read quiz attempts', { filter });
    return rows.map((row) => ({ attempt: this.attemptOf(row), token: row.etag }));
  }

  async putAttempt(attempt: Attempt, token?: string): Promise<string | undefined> {
    await this.ensureTables();
    const entity = stripUndefined({
      partitionKey: safeKey(attempt.runId, 'run id'),
      rowKey: attemptRow(safeKey(attempt.personId, 'person id'), attempt.number),
      personId: attempt.personId,
      quizId: attempt.quizId,
      classId: attempt.classId,
      startedAt: attempt.startedAt,
      finishedAt: attempt.finishedAt,
      score: attempt.score,
      passed: attempt.passed,
      attempt: JSON.stringify(attempt),
    });
    try {
      const res =
        token === undefined
          ? await this.attemptsTable.createEntity(entity)
          : await this.attemptsTable.updateEntity(entity, 'Replace', { etag: token });
      return res.etag ?? fail('STORAGE_FAILED', 'Table Storage answered an attempt write without an ETag.');
    } catch (err) {
      const status = statusOf(err);
      // 409: that attempt was started first elsewhere; 412: it changed since it was read.
      if (status === 409 || status === 412 || status === 404) return undefined;
      return storageFailure(err, 'save quiz attempt');
    }
  }

  async attemptsOf(personId: string): Promise<Attempt[]> {
    await this.ensureTables();
    const rows = await listRows(this.attemptsTable, 'read training record', {
      filter: odata`personId eq ${personId}`,
    });
    return rows.map((row) => this.attemptOf(row));
  }

  private runOf(row: StoredRow): QuizRun {
    const rk = String(row['rowKey']);
    const where = { runId: rk };
    const text = openColumn(this.cipher, row, 'run', `${runPartition}|${rk}`, where);
    const parsed = runSchema.safeParse(
      text === undefined ? undefined : parseStoredJson(text, 'quiz run', where),
    );
    if (!parsed.success || parsed.data.id !== rk)
      return fail('STORAGE_FAILED', 'stored quiz run is malformed', where);
    return parsed.data;
  }

  private attemptOf(row: StoredRow): Attempt {
    const where = { runId: row['partitionKey'], row: row['rowKey'] };
    const text = row['attempt'];
    const parsed = attemptSchema.safeParse(
      typeof text === 'string' ? parseStoredJson(text, 'quiz attempt', where) : undefined,
    );
    if (!parsed.success || parsed.data.runId !== row['partitionKey'])
      return fail('STORAGE_FAILED', 'stored quiz attempt is malformed', where);
    return parsed.data;
  }
}
