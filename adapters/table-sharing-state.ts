/**
 * SharingState on Table Storage: one table, partitioned by kind — `delta` (a drive's delta link,
 * row key the drive id), `sweep` (the last audit sweep, one row), and `case-<caseId>` (the
 * permissions behind a sharing case, row key a hash of the permission). Ids and times only: no
 * names, no file names.
 */
import { createHash } from 'node:crypto';
import type { TableClient } from '@azure/data-tables';
import type { PermissionRef, SharingState, SweepRecord } from '../core/sharing/sharing-watch';
import type { StorageTables } from './storage-clients';
import { storageFailure, tablesOnce } from './table-errors';
import { listRows, readRow } from './table-rows';

const sweepKeys = ['from', 'until', 'ranAt', 'records', 'windows', 'items', 'risky', 'dropped'] as const;

/** Row keys may not hold `/ \ # ?`; drive ids (`b!…`) and permission ids can. */
const rowKeyOf = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 48);

export class TableSharingState implements SharingState {
  private readonly table: TableClient;
  private readonly ensureTable: () => Promise<void>;

  constructor(options: StorageTables) {
    this.table = options.clients.table(`${options.tablePrefix}sharing`);
    this.ensureTable = tablesOnce([this.table]);
  }

  async deltaLink(driveId: string): Promise<string | undefined> {
    await this.ensureTable();
    const row = await readRow(this.table, 'delta', rowKeyOf(driveId), 'read a delta link');
    return typeof row?.['link'] === 'string' ? row['link'] : undefined;
  }

  async saveDeltaLink(driveId: string, link: string, at: Date): Promise<void> {
    await this.upsert({
      partitionKey: 'delta',
      rowKey: rowKeyOf(driveId),
      driveId,
      link,
      savedAt: at.toISOString(),
    });
  }

  async deltaLinks(): Promise<{ driveId: string; savedAt: string }[]> {
    await this.ensureTable();
    const rows = await listRows(this.table, 'list delta links', { filter: "PartitionKey eq 'delta'" });
    return rows
      .map((r) => ({ driveId: String(r['driveId']), savedAt: String(r['savedAt']) }))
      .sort((a, b) => a.driveId.localeCompare(b.driveId));
  }

  async lastSweep(): Promise<SweepRecord | undefined> {
    await this.ensureTable();
    const row = await readRow(this.table, 'sweep', 'last', 'read the last sweep');
    if (!row) return undefined;
    return {
      from: String(row['from']),
      until: String(row['until']),
      ranAt: String(row['ranAt']),
      records: Number(row['records']),
      windows: Number(row['windows']),
      items: Number(row['items']),
      risky: Number(row['risky']),
      dropped: Number(row['dropped']),
    };
  }

  async saveSweep(record: SweepRecord): Promise<void> {
    await this.upsert({
      partitionKey: 'sweep',
      rowKey: 'last',
      ...Object.fromEntries(sweepKeys.map((k) => [k, record[k]])),
    });
  }

  async addPermissions(caseId: string, refs: readonly PermissionRef[]): Promise<void> {
    for (const r of refs)
      await this.upsert({
        partitionKey: `case-${caseId}`,
        rowKey: rowKeyOf(`${r.driveId}/${r.itemId}/${r.permissionId}`),
        driveId: r.driveId,
        itemId: r.itemId,
        permissionId: r.permissionId,
      });
  }

  async permissionsOf(caseId: string): Promise<PermissionRef[]> {
    await this.ensureTable();
    const rows = await listRows(this.table, 'list case permissions', {
      filter: `PartitionKey eq '${`case-${caseId}`.replace(/'/g, "''")}'`,
    });
    return rows
      .map((r) => ({
        driveId: String(r['driveId']),
        itemId: String(r['itemId']),
        permissionId: String(r['permissionId']),
      }))
      .sort((a, b) => {
        const [x, y] = [
          `${a.driveId}/${a.itemId}/${a.permissionId}`,
          `${b.driveId}/${b.itemId}/${b.permissionId}`,
        ];
        return x < y ? -1 : x > y ? 1 : 0;
      });
  }

  private async upsert(
    entity: { partitionKey: string; rowKey: string } & Record<string, unknown>,
  ): Promise<void> {
    await this.ensureTable();
    await this.table
      .upsertEntity(entity, 'Replace')
      .catch((err: unknown) => storageFailure(err, 'save sharing state'));
  }
}
