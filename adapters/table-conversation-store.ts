/**
 * ConversationStore on Table Storage: one table, partitioned by kind (`user`, `route`, `post`).
 * References hold Teams ids and service URLs, not message content. Case card records (`post`) are
 * written only by compare-and-swap on their ETag: insert-if-absent for the first write, replace
 * with the ETag read for every later one.
 */
import type { TableClient } from '@azure/data-tables';
import type { CardPost, CardPostRecord, ConversationRef, ConversationStore } from '../core/conversations';
import { fail } from '../core/errors';
import type { StorageTables } from './storage-clients';
import { statusOf, storageFailure, tablesOnce } from './table-errors';
import { readRow } from './table-rows';

interface PostRow {
  readonly ref?: string;
  readonly activityId?: string;
  readonly version?: number;
  readonly leaseHolder?: string;
  readonly leaseUntil?: string;
  readonly copies?: string;
}

export class TableConversationStore implements ConversationStore {
  private readonly table: TableClient;
  private readonly ensureTable: () => Promise<void>;

  constructor(options: StorageTables) {
    this.table = options.clients.table(`${options.tablePrefix}conversations`);
    this.ensureTable = tablesOnce([this.table]);
  }

  saveUser(userId: string, ref: ConversationRef) {
    return this.put('user', userId, { ref: JSON.stringify(ref) });
  }
  async user(userId: string) {
    return parse((await this.get('user', userId))?.['ref']);
  }
  saveRoute(route: string, ref: ConversationRef) {
    return this.put('route', route, { ref: JSON.stringify(ref) });
  }
  async route(route: string) {
    return parse((await this.get('route', route))?.['ref']);
  }

  async cardPost(caseId: string): Promise<{ record: CardPostRecord; token: string } | undefined> {
    const row = (await this.get('post', caseId)) as (PostRow & { etag: string }) | undefined;
    if (!row) return undefined;
    const conversation = parse(row.ref);
    const record: CardPostRecord = {
      ...(conversation && row.activityId
        ? { post: { conversation, activityId: row.activityId, ...copiesOf(row.copies) } }
        : {}),
      version: typeof row.version === 'number' ? row.version : Number(row.version ?? 0),
      ...(row.leaseHolder && row.leaseUntil
        ? { lease: { holder: row.leaseHolder, until: row.leaseUntil } }
        : {}),
    };
    return { record, token: row.etag };
  }

  async putCardPost(caseId: string, record: CardPostRecord, token?: string): Promise<string | undefined> {
    await this.ensureTable();
    const entity = {
      partitionKey: 'post',
      rowKey: caseId,
      version: record.version,
      ...(record.post && {
        ref: JSON.stringify(record.post.conversation),
        activityId: record.post.activityId,
        ...(record.post.copies && { copies: JSON.stringify(record.post.copies) }),
      }),
      ...(record.lease && { leaseHolder: record.lease.holder, leaseUntil: record.lease.until }),
    };
    try {
      const res =
        token === undefined
          ? await this.table.createEntity(entity)
          : await this.table.updateEntity(entity, 'Replace', { etag: token });
      return res.etag ?? fail('STORAGE_FAILED', 'Table Storage answered a write without an ETag.');
    } catch (err) {
      const status = statusOf(err);
      // 409: a record was created first; 412: it changed since it was read; 404: it was removed.
      if (status === 409 || status === 412 || status === 404) return undefined;
      return storageFailure(err, 'save case post');
    }
  }

  private async put(kind: string, key: string, values: Record<string, string>): Promise<void> {
    await this.ensureTable();
    await this.table
      .upsertEntity({ partitionKey: kind, rowKey: key, ...values }, 'Replace')
      .catch((err: unknown) => storageFailure(err, `save ${kind}`));
  }

  private async get(kind: string, key: string): Promise<Record<string, unknown> | undefined> {
    await this.ensureTable();
    return readRow(this.table, kind, key, `read ${kind}`);
  }
}

function parse(value: unknown): ConversationRef | undefined {
  if (typeof value !== 'string') return undefined;
  const parsed: unknown = JSON.parse(value);
  return parsed && typeof parsed === 'object' && !Array.isArray(parsed)
    ? (parsed as ConversationRef)
    : undefined;
}

/** The card's copies in other local clients, as `putCardPost` wrote them (see CardPost). */
function copiesOf(text: unknown): Pick<CardPost, 'copies'> {
  if (typeof text !== 'string') return {};
  const copies = JSON.parse(text) as NonNullable<CardPost['copies']>;
  return Array.isArray(copies) ? { copies } : {};
}
