/**
 * Reading rows from Azure Table Storage: one row by its keys (absent is `undefined`, never an
 * error), or every row a query matches, sorted here by PartitionKey then RowKey so no caller
 * depends on the order the service pages them in. Any other failure is mapped with
 * `storageFailure`, naming the operation.
 */
import type { TableClient } from '@azure/data-tables';
import { statusOf, storageFailure } from './table-errors';

/** A stored row as read back: its keys, its ETag and every property. */
export type StoredRow = Record<string, unknown> & { readonly etag: string };

export async function readRow(
  table: TableClient,
  partitionKey: string,
  rowKey: string,
  operation: string,
): Promise<StoredRow | undefined> {
  try {
    return await table.getEntity<Record<string, unknown>>(partitionKey, rowKey);
  } catch (err) {
    if (statusOf(err) === 404) return undefined;
    return storageFailure(err, operation);
  }
}

export async function listRows(
  table: TableClient,
  operation: string,
  queryOptions: { filter?: string; select?: string[] } = {},
): Promise<StoredRow[]> {
  const out: StoredRow[] = [];
  try {
    for await (const row of table.listEntities<Record<string, unknown>>({ queryOptions })) out.push(row);
  } catch (err) {
    return storageFailure(err, operation);
  }
  return out.sort(compareKeys);
}

function compareKeys(a: Record<string, unknown>, b: Record<string, unknown>): number {
  const key = (r: Record<string, unknown>) => `${String(r['partitionKey'])}\u0000${String(r['rowKey'])}`;
  const [x, y] = [key(a), key(b)];
  return x < y ? -1 : x > y ? 1 : 0;
}
