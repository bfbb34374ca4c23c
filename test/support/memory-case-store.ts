/**
 * In-memory CaseStore for unit tests. It must pass the same contract suite as the Table Storage
 * adapter (test/contract/case-store.contract.ts), so behaviour that matters — atomic commit guarded by
 * a token, duplicate create returning the existing case, reference allocation — is the same.
 * Values are deep-copied in and out so callers cannot mutate stored state.
 */
import { fail } from '../../core/errors';
import type { CaseEvent } from '../../core/cases/case-events';
import { fold, type CaseState } from '../../core/cases/case-state';
import {
  formatReference,
  matchesFilter,
  summarise,
  type CaseListFilter,
  type CaseSnapshot,
  type CaseStore,
  type CaseSummary,
  type PurgeRecord,
} from '../../core/cases/case-store';

interface Stored {
  head: CaseState;
  token: number;
  events: CaseEvent[];
}

const copy = <T>(v: T): T => structuredClone(v);
/** Yields to the event loop like real I/O, so concurrent callers interleave as they would in production. */
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

export class MemoryCaseStore implements CaseStore {
  private readonly cases = new Map<string, Stored>();
  private readonly counters = new Map<number, number>();
  private readonly references = new Map<string, string>();
  private readonly purges = new Map<string, PurgeRecord>();
  private readonly index = new Map<string, CaseSummary>();

  async create(
    state: CaseState,
    events: readonly CaseEvent[],
  ): Promise<{ created: boolean; snapshot: CaseSnapshot }> {
    await tick();
    const existing = this.cases.get(state.id);
    if (existing) return { created: false, snapshot: this.snapshot(existing) };
    const stored = { head: copy(state), token: 1, events: copy([...events]) };
    this.cases.set(state.id, stored);
    this.index.set(state.id, summarise(state));
    return { created: true, snapshot: this.snapshot(stored) };
  }

  async load(caseId: string): Promise<CaseSnapshot | undefined> {
    await tick();
    const s = this.cases.get(caseId);
    return s ? this.snapshot(s) : undefined;
  }

  async events(caseId: string): Promise<CaseEvent[]> {
    await tick();
    return copy(this.cases.get(caseId)?.events ?? []);
  }

  async commit(
    caseId: string,
    token: string,
    state: CaseState,
    events: readonly CaseEvent[],
  ): Promise<CaseSnapshot> {
    await tick();
    const s = this.cases.get(caseId) ?? fail('CASE_NOT_FOUND', 'That case does not exist.', { caseId });
    const taken = new Set(s.events.map((e) => e.seq));
    if (String(s.token) !== token || events.some((e) => taken.has(e.seq))) {
      fail('CASE_CONFLICT', 'The case was changed by someone else at the same moment.', { caseId });
    }
    s.head = copy(state);
    s.token += 1;
    s.events.push(...copy(events));
    this.index.set(caseId, summarise(state));
    return this.snapshot(s);
  }

  async referenceFor(caseId: string, year: number): Promise<string> {
    await tick();
    const given = this.references.get(caseId);
    if (given) return given;
    const n = (this.counters.get(year) ?? 0) + 1;
    this.counters.set(year, n);
    const reference = formatReference(year, n);
    this.references.set(caseId, reference);
    return reference;
  }

  async findIdByReference(reference: string): Promise<string | undefined> {
    await tick();
    return [...this.index.values()].find((s) => s.reference === reference)?.id;
  }

  async list(filter?: CaseListFilter): Promise<CaseSummary[]> {
    await tick();
    return copy([...this.index.values()].filter((s) => matchesFilter(s, filter)));
  }

  async allCaseIds(): Promise<string[]> {
    await tick();
    return [...this.cases.keys()].sort();
  }

  async repairIndexes(): Promise<number> {
    await tick();
    let repaired = 0;
    for (const [id, s] of this.cases) {
      const state = fold(s.events);
      if (!state || this.index.get(id)?.version === state.version) continue;
      this.index.set(id, summarise(state));
      repaired++;
    }
    return repaired;
  }

  /** A worker stopped between writing a case and its index row (the contract suite's fault). */
  loseIndexRow(caseId: string): Promise<void> {
    this.index.delete(caseId);
    return tick();
  }

  async rebuildIndexes(): Promise<number> {
    await tick();
    this.index.clear();
    for (const [id, s] of this.cases) {
      const state = fold(s.events);
      if (state) this.index.set(id, summarise(state));
    }
    return this.cases.size;
  }

  async purge(caseId: string, record: PurgeRecord): Promise<void> {
    await tick();
    this.purges.set(caseId, copy(record));
    this.index.delete(caseId);
    this.cases.delete(caseId);
  }

  async purgeLog(): Promise<PurgeRecord[]> {
    await tick();
    return copy([...this.purges.values()]).sort((a, b) => a.purgedAt.localeCompare(b.purgedAt));
  }

  /** Test helper: forget the index, as a crash between a case write and its index write would. */
  dropIndexEntry(caseId: string): void {
    this.index.delete(caseId);
  }

  /** Test helper: the raw stored record, to simulate tampering. */
  raw(caseId: string): Stored | undefined {
    return this.cases.get(caseId);
  }

  private snapshot(s: Stored): CaseSnapshot {
    return { state: copy(s.head), token: String(s.token) };
  }
}
