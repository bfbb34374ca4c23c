/**
 * The storage mechanics of an event-sourced aggregate on Azure Table Storage, as the case store
 * lays them out (adapters/table-case-store.ts), for aggregates that share them (assessments):
 *
 * - one partition per aggregate: RowKey `head` holds the current state, `e0000000001`… the events;
 * - every write is one entity-group transaction that inserts (`create`) or replaces *with its ETag*
 *   (`append`) the head and inserts the new events, so a writer working from a stale head gets 412
 *   and writes nothing, and no two events can share a position (409);
 * - an encrypted value may be longer than the 64 KiB Table Storage allows one string property, so
 *   `sealColumn` spreads one ciphertext over `name`, `name2`, `name3`… and `openColumn` joins them
 *   (one AES-GCM value: a chunk edited, moved or dropped fails authentication).
 *
 * What the rows hold and what the errors are called is the store's business; this file says only
 * what happened (`exists`, `conflict`, `missing`) and maps every other failure with
 * `storageFailure`.
 *
 * Transactions: https://learn.microsoft.com/rest/api/storageservices/performing-entity-group-transactions
 * Limits: https://learn.microsoft.com/rest/api/storageservices/understanding-the-table-service-data-model
 */
import {
  odata,
  TableTransaction,
  type TableClient,
  type TableEntity,
  type TableTransactionResponse,
} from '@azure/data-tables';
import { fail } from '../core/errors';
import type { FieldCipher } from './field-cipher';
import { statusOf, storageFailure, tablesOnce } from './table-errors';
import { listRows, readRow, type StoredRow } from './table-rows';

export type Entity = TableEntity<Record<string, unknown>>;
export type { StoredRow } from './table-rows';

export const headRow = 'head';
export const eventRow = (seq: number): string => `e${String(seq).padStart(10, '0')}`;
/** The sequence number a RowKey names (NaN when it names none). */
export const seqOfRow = (rowKey: unknown): number =>
  typeof rowKey === 'string' && /^e\d{10}$/.test(rowKey) ? Number(rowKey.slice(1)) : NaN;

/** A transaction holds at most 100 entities: the head and 99 events. */
export const maxEventsPerWrite = 99;

/** Characters per chunk of an encrypted column (64 KiB of UTF-16, with room to spare). */
const chunkChars = 30_000;

export type AppendResult = { readonly etag: string } | { readonly refused: 'conflict' | 'missing' };

export class TableEventLog {
  private readonly ensureTable: () => Promise<void>;

  /** @param what names the aggregate in storage failures (`assessment`). */
  constructor(
    private readonly table: TableClient,
    private readonly what: string,
  ) {
    this.ensureTable = tablesOnce([table]);
  }

  /**
   * Inserts the head and the first events of a new aggregate together. Returns the head's ETag, or
   * `exists` when the aggregate (its head or one of those events) is already there.
   */
  async create(head: Entity, events: readonly Entity[]): Promise<{ etag: string } | 'exists'> {
    await this.ensureTable();
    const tx = new TableTransaction();
    tx.createEntity(head);
    for (const e of events) tx.createEntity(e);
    try {
      return { etag: this.headEtag(await this.table.submitTransaction(tx.actions)) };
    } catch (err) {
      if (statusOf(err) === 409) return 'exists';
      return storageFailure(err, `create ${this.what}`);
    }
  }

  /**
   * Replaces the head, only if its ETag is still `token`, and inserts the events, together.
   * `conflict`: the head changed (412) or an event's position is taken (409); `missing`: no head.
   */
  async append(head: Entity, token: string, events: readonly Entity[]): Promise<AppendResult> {
    await this.ensureTable();
    const tx = new TableTransaction();
    tx.updateEntity(head, 'Replace', { etag: token });
    for (const e of events) tx.createEntity(e);
    try {
      return { etag: this.headEtag(await this.table.submitTransaction(tx.actions)) };
    } catch (err) {
      const status = statusOf(err);
      if (status === 412 || status === 409) return { refused: 'conflict' };
      if (status === 404) return { refused: 'missing' };
      return storageFailure(err, `update ${this.what}`);
    }
  }

  async head(id: string): Promise<StoredRow | undefined> {
    await this.ensureTable();
    return readRow(this.table, id, headRow, `read ${this.what}`);
  }

  /** The aggregate's event rows, in RowKey (= sequence) order. */
  async events(id: string): Promise<StoredRow[]> {
    await this.ensureTable();
    return this.query(`read ${this.what} chronology`, {
      filter: odata`PartitionKey eq ${id} and RowKey ge ${'e'} and RowKey lt ${'f'}`,
    });
  }

  /** Every aggregate's head row. */
  async heads(): Promise<StoredRow[]> {
    await this.ensureTable();
    return this.query(`list ${this.what} heads`, { filter: odata`RowKey eq ${headRow}` });
  }

  /** Every partition present, head or not: what the chronologies themselves say exists. */
  async ids(): Promise<string[]> {
    await this.ensureTable();
    const rows = await this.query(`list ${this.what} ids`, { select: ['PartitionKey'] });
    return [...new Set(rows.map((r) => r['partitionKey']).filter((k) => typeof k === 'string'))].sort();
  }

  private query(operation: string, queryOptions: { filter?: string; select?: string[] }) {
    return listRows(this.table, operation, queryOptions);
  }

  /**
   * The head is always the transaction's first operation, and sub-responses come in request order.
   * (`getResponseForEntity` finds a row by the `Location` header, which only inserts answer with:
   * it never finds a replaced head.)
   */
  private headEtag(res: TableTransactionResponse): string {
    const head = res.subResponses[0];
    return (
      head?.etag ?? fail('STORAGE_FAILED', `Table Storage answered a ${this.what} write without an ETag.`)
    );
  }
}

/** `plain` encrypted, bound to `aad`, as the properties `name`, `name2`, `name3`… */
export function sealColumn(
  cipher: FieldCipher,
  name: string,
  plain: string,
  aad: string,
): Record<string, string> {
  const sealed = cipher.encrypt(plain, aad);
  const columns: Record<string, string> = {};
  for (let i = 0; i * chunkChars < sealed.length || i === 0; i++) {
    columns[i === 0 ? name : `${name}${i + 1}`] = sealed.slice(i * chunkChars, (i + 1) * chunkChars);
  }
  return columns;
}

/**
 * The plain text of a column `sealColumn` wrote, or undefined when the row has no such column.
 * A wrong key, an edited or moved value fails `FIELD_DECRYPT_FAILED` naming `where`.
 */
export function openColumn(
  cipher: FieldCipher,
  row: Readonly<Record<string, unknown>>,
  name: string,
  aad: string,
  where: Readonly<Record<string, unknown>>,
): string | undefined {
  const first = row[name];
  if (typeof first !== 'string') return undefined;
  let sealed = first;
  for (let i = 2; typeof row[`${name}${i}`] === 'string'; i++) sealed += row[`${name}${i}`] as string;
  return cipher.decrypt(sealed, aad, where);
}

/**
 * JSON a store wrote, or `STORAGE_FAILED` naming `where` (ids only). The SyntaxError is not kept as
 * the cause: its message quotes the text, which may be narrative.
 */
export function parseStoredJson(
  text: string,
  what: string,
  where: Readonly<Record<string, unknown>>,
): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return fail('STORAGE_FAILED', `stored ${what} is not valid JSON`, where);
  }
}

export function stripUndefined<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
