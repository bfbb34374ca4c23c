/**
 * SignalLedger on Table Storage: one table, partition `window` (one row per conversation, guarded
 * by its ETag so concurrent workers agree on one case key), partition `signal` (one row per
 * recorded signal key, hashed) and partition `indicators` (one row per conversation: the
 * conversation-level indicators seen there and when, encrypted, guarded by its ETag).
 */
import { createHash } from 'node:crypto';
import type { TableClient } from '@azure/data-tables';
import { fail } from '../core/errors';
import {
  noteIndicatorRuns,
  runStarts,
  type IndicatorRuns,
  type SignalLedger,
} from '../core/intake/signal-ledger';
import type { FieldCipher } from './field-cipher';
import type { StorageTables } from './storage-clients';
import { statusOf, storageFailure, tablesOnce } from './table-errors';

interface WindowRow {
  readonly caseKey: string;
  readonly lastAt: number;
  readonly etag: string;
}

/** A window claim that keeps losing races is a system problem, not a reason to loop forever. */
const maxAttempts = 20;

export class TableSignalLedger implements SignalLedger {
  private readonly table: TableClient;
  private readonly ensureTable: () => Promise<void>;

  private readonly cipher: FieldCipher;

  constructor(options: StorageTables & { readonly cipher: FieldCipher }) {
    this.table = options.clients.table(`${options.tablePrefix}signals`);
    this.ensureTable = tablesOnce([this.table]);
    this.cipher = options.cipher;
  }

  async noteIndicators(
    scope: string,
    indicators: readonly string[],
    now: Date,
    windowMs: number,
  ): Promise<Map<string, Date>> {
    await this.ensureTable();
    const aad = `indicators|${scope}`;
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      let row: { runs: IndicatorRuns; etag?: string };
      try {
        const e = await this.table.getEntity<{ runs: string }>('indicators', scope);
        row = {
          runs: JSON.parse(this.cipher.decrypt(e.runs, aad, { scope })) as IndicatorRuns,
          etag: e.etag,
        };
      } catch (err) {
        if (statusOf(err) !== 404) return storageFailure(err, 'read indicators');
        row = { runs: {} };
      }
      const runs = noteIndicatorRuns(row.runs, indicators, now, windowMs);
      const entity = {
        partitionKey: 'indicators',
        rowKey: scope,
        runs: this.cipher.encrypt(JSON.stringify(runs), aad),
      };
      try {
        if (row.etag === undefined) await this.table.createEntity(entity);
        else await this.table.updateEntity(entity, 'Replace', { etag: row.etag });
        return runStarts(runs);
      } catch (err) {
        const status = statusOf(err);
        if (status !== 409 && status !== 412) return storageFailure(err, 'write indicators');
      }
    }
    return fail('STORAGE_FAILED', 'Could not note the conversation indicators.', { scope });
  }

  async claimWindow(conversation: string, candidate: string, now: Date, windowMs: number): Promise<string> {
    await this.ensureTable();
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      const row = await this.window(conversation);
      const open = row !== undefined && now.getTime() - row.lastAt <= windowMs;
      const caseKey = open ? row.caseKey : candidate;
      if (await this.write(conversation, caseKey, now, row?.etag)) return caseKey;
    }
    return fail('STORAGE_FAILED', 'Could not claim the aggregation window.', { conversation });
  }

  async replaceWindow(conversation: string, previous: string, candidate: string, now: Date): Promise<string> {
    await this.ensureTable();
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      const row = await this.window(conversation);
      if (row && row.caseKey !== previous) return row.caseKey;
      if (await this.write(conversation, candidate, now, row?.etag)) return candidate;
    }
    return fail('STORAGE_FAILED', 'Could not replace the aggregation window.', { conversation });
  }

  async recorded(keys: readonly string[]): Promise<Set<string>> {
    await this.ensureTable();
    const found = await Promise.all(
      keys.map(async (key) => {
        try {
          await this.table.getEntity('signal', rowKey(key), { queryOptions: { select: ['caseId'] } });
          return key;
        } catch (err) {
          if (statusOf(err) === 404) return undefined;
          return storageFailure(err, 'read signal');
        }
      }),
    );
    return new Set(found.filter((k): k is string => k !== undefined));
  }

  async caseOf(key: string): Promise<string | undefined> {
    await this.ensureTable();
    try {
      const row = await this.table.getEntity<{ caseId: string }>('signal', rowKey(key), {
        queryOptions: { select: ['caseId'] },
      });
      return row.caseId;
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      return storageFailure(err, 'read signal');
    }
  }

  async record(keys: readonly string[], caseId: string): Promise<void> {
    await this.ensureTable();
    await Promise.all(
      keys.map((key) =>
        this.table
          .upsertEntity({ partitionKey: 'signal', rowKey: rowKey(key), caseId }, 'Replace')
          .catch((err: unknown) => storageFailure(err, 'record signal')),
      ),
    );
  }

  private async window(conversation: string): Promise<WindowRow | undefined> {
    try {
      const e = await this.table.getEntity<{ caseKey: string; lastAt: number }>('window', conversation);
      return { caseKey: e.caseKey, lastAt: e.lastAt, etag: e.etag };
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      return storageFailure(err, 'read window');
    }
  }

  /** Creates (no etag) or replaces (etag) the window row; false when another worker got there first. */
  private async write(conversation: string, caseKey: string, now: Date, etag?: string): Promise<boolean> {
    const entity = { partitionKey: 'window', rowKey: conversation, caseKey, lastAt: now.getTime() };
    try {
      if (etag === undefined) await this.table.createEntity(entity);
      else await this.table.updateEntity(entity, 'Replace', { etag });
      return true;
    } catch (err) {
      const status = statusOf(err);
      if (status === 409 || status === 412) return false;
      return storageFailure(err, 'write window');
    }
  }
}

/** Signal keys embed message and user ids and may hold characters Table keys forbid: hash them. */
function rowKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}
