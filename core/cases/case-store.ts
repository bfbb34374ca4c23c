/**
 * The port through which cases are stored. Two implementations pass one contract suite
 * (test/contract/case-store.contract.ts): Azure Table Storage (adapters/) and an in-memory fake.
 */
import type { CaseEvent } from './case-events';
import type { CaseState, CaseStatus } from './case-state';

export interface CaseSnapshot {
  readonly state: CaseState;
  /** Opaque concurrency token (the head's ETag in Table Storage). */
  readonly token: string;
}

/** What the indexes hold: plain facts only, enough to list and sort without decrypting. */
export interface CaseSummary {
  readonly id: string;
  readonly reference: string;
  readonly status: CaseStatus;
  readonly severity: CaseState['severity'];
  readonly route: string;
  readonly area: string;
  readonly category: string;
  readonly subjectType: CaseState['subjectType'];
  readonly subjectId?: string;
  readonly source: CaseState['source'];
  readonly assigneeId?: string;
  readonly openedAt: string;
  readonly updatedAt: string;
  /** Number of events: tells whether a rendering of the case is current. */
  readonly version: number;
}

export interface CaseListFilter {
  /** `active` = open or in progress. */
  readonly status?: 'active' | 'closed' | 'all';
  readonly subjectId?: string;
}

export interface CaseStore {
  /**
   * Creates a case (its head and its first events, from `opened` on) atomically. If a case with
   * this id already exists nothing is written and the existing case is returned with `created: false`.
   */
  create(
    state: CaseState,
    events: readonly CaseEvent[],
  ): Promise<{ created: boolean; snapshot: CaseSnapshot }>;
  load(caseId: string): Promise<CaseSnapshot | undefined>;
  /** The whole chronology in order. */
  events(caseId: string): Promise<CaseEvent[]>;
  /**
   * Appends events and replaces the head in one atomic write, only if the head is unchanged since
   * `token`; otherwise throws `CASE_CONFLICT` and writes nothing.
   */
  commit(
    caseId: string,
    token: string,
    state: CaseState,
    events: readonly CaseEvent[],
  ): Promise<CaseSnapshot>;
  /**
   * The human reference of a case being opened (`ES-2026-0001`, `ES-2026-0002`, … per year): the
   * next one the first time it is asked for a case, the same one every time after. Workers racing
   * to open one case therefore never burn a number: references have no gaps a DSL must explain.
   */
  referenceFor(caseId: string, year: number): Promise<string>;
  findIdByReference(reference: string): Promise<string | undefined>;
  list(filter?: CaseListFilter): Promise<CaseSummary[]>;
  /** Every case id present in storage, read from the cases themselves, not the indexes. */
  allCaseIds(): Promise<string[]>;
  /** Drops and rebuilds the index tables from the stored cases; returns how many cases were indexed. */
  rebuildIndexes(): Promise<number>;
  /**
   * Indexes again every case whose index row is missing or behind its head (a worker stopped
   * between writing a case and its index): cheap enough for a timer, unlike `rebuildIndexes`.
   * Returns how many cases it indexed.
   */
  repairIndexes(): Promise<number>;
  /**
   * Deletes a case for good — its head, its events and its index rows — after writing `record` to
   * the purge log. Safe to repeat: a purge cut short is finished by the next one.
   */
  purge(caseId: string, record: PurgeRecord): Promise<void>;
  /** Every purge recorded, oldest first. */
  purgeLog(): Promise<PurgeRecord[]>;
}

/** What stays of a purged case: plain facts for the record of deletion, never narrative. */
export interface PurgeRecord {
  readonly caseId: string;
  readonly reference: string;
  readonly category: string;
  readonly route: string;
  readonly openedAt: string;
  readonly closedAt: string;
  readonly purgedAt: string;
  /** The retention period applied, and where it comes from. */
  readonly keptMonths: number;
  readonly source: string;
}

export function summarise(s: CaseState): CaseSummary {
  return {
    id: s.id,
    reference: s.reference,
    status: s.status,
    severity: s.severity,
    route: s.route,
    area: s.area,
    category: s.category,
    subjectType: s.subjectType,
    ...(s.subjectId !== undefined && { subjectId: s.subjectId }),
    source: s.source,
    ...(s.assigneeId !== undefined && { assigneeId: s.assigneeId }),
    openedAt: s.openedAt,
    updatedAt: s.updatedAt,
    version: s.version,
  };
}

export function matchesFilter(s: CaseSummary, filter: CaseListFilter = {}): boolean {
  const status = filter.status ?? 'active';
  if (status === 'active' && s.status === 'closed') return false;
  if (status === 'closed' && s.status !== 'closed') return false;
  if (filter.subjectId !== undefined && s.subjectId !== filter.subjectId) return false;
  return true;
}

export function formatReference(year: number, n: number): string {
  return `ES-${year}-${String(n).padStart(4, '0')}`;
}
