/**
 * Half-finished questionnaires on Azure Table Storage: table `<prefix>drafts`, PartitionKey the
 * person's id, RowKey the draft's key, both escaped (`encodeURIComponent`) because Table Storage
 * forbids `/ \ # ?` and control characters in keys and a key may hold anything a questionnaire id
 * does. The draft — what the person has written so far — is encrypted (AES-256-GCM bound to the
 * row); only `questionnaireId` and `updatedAt` stay plain, so stale drafts can be found and removed
 * without reading them.
 *
 * Writes are compare-and-swap on the row's ETag: insert-if-absent without a token, replace with
 * the ETag read otherwise; a writer who lost the race is told so (undefined) and nothing changes.
 */
import type { TableClient } from '@azure/data-tables';
import { z } from 'zod';
import type { Draft, DraftStore } from '../core/assessments/assessment-store';
import { fail } from '../core/errors';
import type { FieldCipher } from './field-cipher';
import type { StorageTables } from './storage-clients';
import { statusOf, storageFailure, tablesOnce } from './table-errors';
import { openColumn, parseStoredJson, sealColumn } from './table-event-log';
import { readRow } from './table-rows';

export interface TableDraftStoreOptions extends StorageTables {
  readonly cipher: FieldCipher;
}

const draftSchema = z.object({
  key: z.string(),
  id: z.string(),
  questionnaireId: z.string(),
  at: z.string(),
  answers: z.record(z.string(), z.object({ value: z.string(), comment: z.string().optional() })),
  startedAt: z.string(),
  updatedAt: z.string(),
  reviewOf: z.string().optional(),
  answering: z.string().optional(),
});

/** A key Table Storage accepts, one-to-one with the original (`%` is escaped too). */
function tableKey(value: string, what: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    // Only a lone UTF-16 surrogate cannot be encoded.
    return fail('INPUT_INVALID', `A draft's ${what} is not valid text.`);
  }
}

export class TableDraftStore implements DraftStore {
  private readonly table: TableClient;
  private readonly cipher: FieldCipher;
  private readonly ensureTable: () => Promise<void>;

  constructor(options: TableDraftStoreOptions) {
    this.table = options.clients.table(`${options.tablePrefix}drafts`);
    this.ensureTable = tablesOnce([this.table]);
    this.cipher = options.cipher;
  }

  async get(userId: string, key: string): Promise<{ draft: Draft; token: string } | undefined> {
    await this.ensureTable();
    const [pk, rk] = [tableKey(userId, 'owner'), tableKey(key, 'key')];
    const row = await readRow(this.table, pk, rk, 'read draft');
    if (!row) return undefined;
    const where = { userId, key };
    const text = openColumn(this.cipher, row, 'draft', `${pk}|${rk}`, where);
    const parsed = draftSchema.safeParse(
      text === undefined ? undefined : parseStoredJson(text, 'draft', where),
    );
    if (!parsed.success || parsed.data.key !== key)
      return fail('STORAGE_FAILED', 'stored draft is malformed', where);
    return { draft: parsed.data, token: row.etag };
  }

  async put(userId: string, draft: Draft, token?: string): Promise<string | undefined> {
    await this.ensureTable();
    const [pk, rk] = [tableKey(userId, 'owner'), tableKey(draft.key, 'key')];
    const entity = {
      partitionKey: pk,
      rowKey: rk,
      questionnaireId: draft.questionnaireId,
      updatedAt: draft.updatedAt,
      ...sealColumn(this.cipher, 'draft', JSON.stringify(draft), `${pk}|${rk}`),
    };
    try {
      const res =
        token === undefined
          ? await this.table.createEntity(entity)
          : await this.table.updateEntity(entity, 'Replace', { etag: token });
      return res.etag ?? fail('STORAGE_FAILED', 'Table Storage answered a draft write without an ETag.');
    } catch (err) {
      const status = statusOf(err);
      // 409: a draft was written first; 412: it changed since it was read; 404: it was deleted.
      if (status === 409 || status === 412 || status === 404) return undefined;
      return storageFailure(err, 'save draft');
    }
  }

  async delete(userId: string, key: string): Promise<void> {
    await this.ensureTable();
    try {
      await this.table.deleteEntity(tableKey(userId, 'owner'), tableKey(key, 'key'));
    } catch (err) {
      if (statusOf(err) !== 404) storageFailure(err, 'delete draft');
    }
  }
}
