/**
 * The sharing watch on a scripted Graph (the adapter is checked against the tenant simulator in
 * test/integration/graph-sharing.test.ts): both sources into one case per person, progress saved
 * only after the work it covers, windows split at the audit log's record-count limit, nothing risky
 * dropped and counted.
 */
import { CaseService } from '../../../core/cases/case-service';
import { SignalIntake } from '../../../core/intake/signal-intake';
import { silentLogger } from '../../../core/logger';
import type { SharingSignal } from '../../../core/sharing/sharing-signal';
import {
  SharingWatch,
  type AuditWindow,
  type DriveChanges,
  type ItemRef,
  type SharingGraph,
} from '../../../core/sharing/sharing-watch';
import { defaultPack } from '../../support/fixtures';
import { MemoryCaseStore } from '../../support/memory-case-store';
import { MemorySharingState } from '../../support/memory-sharing-state';
import { MemorySignalLedger } from '../../support/memory-signal-ledger';

const tariq = { id: '55555555-5555-4555-8555-555555555555', name: 'Tariq Tutor' };

const share = (
  n: number,
  scope: 'anonymous' | 'organization' = 'anonymous',
): Omit<SharingSignal, 'source'> => ({
  driveId: 'b!learner-records',
  itemId: `item-${n}`,
  permissionId: `perm-${n}`,
  link: { scope, type: 'view' },
  roles: ['read'],
  grantees: [],
  sharedBy: tariq,
  sharedAt: '2026-12-02T09:59:00.000Z',
  site: { name: 'Student Services' },
  library: 'Documents',
  itemName: `File ${n}.docx`,
});

/** Graph as a script: items and their permissions, a drive's changes, audit records by time. */
class ScriptedGraph implements SharingGraph {
  readonly items = new Map<string, Omit<SharingSignal, 'source'>[]>();
  changes: DriveChanges = { items: [], deltaLink: 'link-1', resynced: false };
  records: { at: number; ref: ItemRef }[] = [];
  limit = Infinity;
  queries: [number, number][] = [];
  failOn = new Set<string>();

  add(...shares: Omit<SharingSignal, 'source'>[]) {
    for (const s of shares)
      this.items.set(`${s.driveId}/${s.itemId}`, [...(this.items.get(`${s.driveId}/${s.itemId}`) ?? []), s]);
  }
  sharesOf(ref: ItemRef, source: SharingSignal['source']) {
    if (this.failOn.has(ref.itemId)) return Promise.reject(new Error('Graph is down'));
    return Promise.resolve(this.items.get(`${ref.driveId}/${ref.itemId}`)?.map((s) => ({ ...s, source })));
  }
  deltaReads = 0;
  driveChanges() {
    this.deltaReads++;
    return new Promise<DriveChanges>((resolve) => setTimeout(() => resolve(this.changes), 5));
  }
  auditWindow(from: Date, to: Date): Promise<AuditWindow> {
    this.queries.push([from.getTime(), to.getTime()]);
    const inside = this.records.filter((r) => r.at >= from.getTime() && r.at < to.getTime());
    const taken = inside.slice(0, this.limit);
    return Promise.resolve({
      items: taken.map((r) => r.ref),
      records: taken.length,
      unresolved: 0,
      limitExceeded: inside.length > this.limit,
    });
  }
  removePermission() {
    return Promise.resolve('removed' as const);
  }
}

function setup(now = Date.parse('2026-12-02T10:00:00Z')) {
  const clock = { at: now, now: () => new Date(clock.at) };
  const store = new MemoryCaseStore();
  const cases = new CaseService({ store, pack: defaultPack, clock, log: silentLogger });
  const ledger = new MemorySignalLedger();
  const graph = new ScriptedGraph();
  const state = new MemorySharingState();
  const watch = new SharingWatch({
    graph,
    state,
    intake: new SignalIntake({ pack: defaultPack, cases, ledger, clock, log: silentLogger }),
    ledger,
    directory: { isMember: () => Promise.resolve(false) },
    pack: defaultPack,
    clock,
  });
  return { watch, graph, state, store, clock };
}

const ref = (n: number): ItemRef => ({ driveId: 'b!learner-records', itemId: `item-${n}` });

describe('the fast path: a watched drive changed', () => {
  it('opens one case for the risky shares its delta names, drops the rest, and saves the delta link', async () => {
    const { watch, graph, state, store } = setup();
    graph.add(share(1), share(2), share(3, 'organization'));
    graph.changes = { items: [ref(1), ref(2), ref(3)], deltaLink: 'link-2', resynced: false };
    const tally = await watch.driveChanged('b!learner-records', silentLogger);
    expect([tally.items, tally.risky, tally.dropped, tally.cases.size]).toEqual([3, 2, 1, 1]);
    const [caseId] = [...tally.cases];
    expect((await store.list({})).map((c) => c.id)).toEqual([caseId]);
    expect(await state.deltaLink('b!learner-records')).toBe('link-2');
    expect((await state.permissionsOf(caseId!)).map((p) => p.permissionId)).toEqual(['perm-1', 'perm-2']);
  });

  it('keeps the old delta link when an item could not be read, so the next notification tries again', async () => {
    const { watch, graph, state } = setup();
    await state.saveDeltaLink('b!learner-records', 'link-1', new Date());
    graph.add(share(1));
    graph.failOn.add('item-1');
    graph.changes = { items: [ref(1)], deltaLink: 'link-2', resynced: false };
    await expect(watch.driveChanged('b!learner-records', silentLogger)).rejects.toThrow('Graph is down');
    expect(await state.deltaLink('b!learner-records')).toBe('link-1');
  });

  it('records a share seen again after a resync, or by the sweep, once', async () => {
    const { watch, graph, store } = setup();
    graph.add(share(1));
    graph.changes = { items: [ref(1)], deltaLink: 'link-2', resynced: false };
    await watch.driveChanged('b!learner-records', silentLogger);
    graph.changes = { items: [ref(1)], deltaLink: 'link-3', resynced: true };
    await watch.driveChanged('b!learner-records', silentLogger);
    graph.records = [{ at: Date.parse('2026-12-02T09:59:00Z'), ref: ref(1) }];
    await watch.sweep(silentLogger);
    const [only] = await store.list({});
    expect((await store.list({})).length).toBe(1);
    expect((await store.load(only!.id))?.state.signalKeys.length).toBe(2); // anyoneLink and noExpiry
  });

  it('reads a drive once more for a burst of notifications that came while it was being read', async () => {
    const { watch, graph } = setup();
    graph.add(share(1));
    graph.changes = { items: [ref(1)], deltaLink: 'link-2', resynced: false };
    await Promise.all(
      Array.from({ length: 20 }, () => watch.driveChanged('b!learner-records', silentLogger)),
    );
    expect(graph.deltaReads).toBe(2);
    await watch.driveChanged('b!learner-records', silentLogger);
    expect(graph.deltaReads).toBe(3);
  });
});

describe('the audit sweep', () => {
  it('reaches back the overlap before the last watermark, and moves the watermark to now', async () => {
    const { watch, graph, state, clock } = setup();
    await watch.sweep(silentLogger);
    const first = await state.lastSweep();
    expect(first?.until).toBe('2026-12-02T10:00:00.000Z');
    expect(first?.from).toBe('2026-12-02T08:00:00.000Z'); // 120 minutes' overlap by default
    clock.at += 15 * 60_000;
    await watch.sweep(silentLogger);
    expect(graph.queries[1]).toEqual([
      Date.parse('2026-12-02T08:00:00Z'),
      Date.parse('2026-12-02T10:15:00Z'),
    ]);
    expect((await state.lastSweep())?.until).toBe('2026-12-02T10:15:00.000Z');
  });

  it('splits a window whose query hit the record-count limit until every record is read', async () => {
    const { watch, graph, store } = setup();
    const t0 = Date.parse('2026-12-02T08:30:00Z');
    for (let n = 0; n < 40; n++) {
      graph.add(share(n));
      graph.records.push({ at: t0 + n * 60_000, ref: ref(n) });
    }
    graph.limit = 7;
    const record = await watch.sweep(silentLogger);
    expect(record.records).toBe(40);
    expect(record.windows).toBeGreaterThan(7);
    expect(record.items).toBe(40);
    expect(record.risky).toBe(40);
    // One person's 40 shares within the window: one case.
    expect((await store.list({})).length).toBe(1);
  });

  it('leaves the watermark where it was when the sweep fails, so the next one covers the gap', async () => {
    const { watch, graph, state, clock } = setup();
    await watch.sweep(silentLogger);
    clock.at += 15 * 60_000;
    graph.add(share(1));
    graph.failOn.add('item-1');
    graph.records = [{ at: clock.at - 60_000, ref: ref(1) }];
    await expect(watch.sweep(silentLogger)).rejects.toThrow();
    expect((await state.lastSweep())?.until).toBe('2026-12-02T10:00:00.000Z');
  });

  it('counts what is not risky and opens nothing for it', async () => {
    const { watch, graph, store } = setup();
    graph.add(share(1, 'organization'));
    graph.records = [{ at: Date.parse('2026-12-02T09:00:00Z'), ref: ref(1) }];
    const record = await watch.sweep(silentLogger);
    expect([record.items, record.risky, record.dropped]).toEqual([1, 0, 1]);
    expect(await store.list({})).toEqual([]);
  });
});
