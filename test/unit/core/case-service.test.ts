import { CaseService } from '../../../core/cases/case-service';
import { verifyChain } from '../../../core/cases/case-events';
import { EsafetyError } from '../../../core/errors';
import { silentLogger } from '../../../core/logger';
import { MemoryCaseStore } from '../../support/memory-case-store';
import { defaultPack, dslA, dslB, report, staff, steppingClock } from '../../support/fixtures';

function service(store = new MemoryCaseStore()) {
  return {
    store,
    cases: new CaseService({ store, pack: defaultPack, clock: steppingClock(), log: silentLogger }),
  };
}

describe('CaseService', () => {
  it('opens a case with a reference, the route from the policy and the category default severity', async () => {
    const { cases } = service();
    const { state, created } = await cases.open(report(), staff, 'activity-1');
    expect(created).toBe(true);
    expect(state).toMatchObject({
      reference: 'ES-2026-0001',
      route: 'dsl',
      area: 'contact',
      severity: 'high',
      status: 'open',
    });
  });

  it('opens one case when the same signal arrives twice', async () => {
    const { cases, store } = service();
    const first = await cases.open(report(), staff, 'graph:chat-1:msg-9');
    const second = await cases.open(report({ description: 'a redelivery' }), staff, 'graph:chat-1:msg-9');
    expect(second).toEqual({ state: first.state, created: false });
    expect(await store.allCaseIds()).toHaveLength(1);
    expect(await store.referenceFor('another-case', 2026)).toBe('ES-2026-0002');
  });

  it('makes a case critical when someone is at immediate risk', async () => {
    const { cases } = service();
    const { state } = await cases.open(
      report({ category: 'cyberbullying', immediateRisk: true }),
      staff,
      'k',
    );
    expect(state.severity).toBe('critical');
  });

  it('routes a concern about a member of staff to the staff-concerns route', async () => {
    const { cases } = service();
    const { state } = await cases.open(
      report({ subjectType: 'staff', category: 'inappropriate-staff-contact' }),
      staff,
      'k',
    );
    expect(state.route).toBe('staff');
  });

  it('refuses an unknown category without creating anything', async () => {
    const { cases, store } = service();
    const err = await cases.open(report({ category: 'made-up' }), staff, 'k').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'INPUT_INVALID', details: { field: 'category' } });
    expect(await store.allCaseIds()).toEqual([]);
  });

  it('lets exactly one of two DSLs claiming at once win; the other is told who won', async () => {
    const { cases, store } = service();
    const { state } = await cases.open(report(), staff, 'k');
    const results = await Promise.allSettled([
      cases.act(state.id, dslA, { kind: 'claim' }),
      cases.act(state.id, dslB, { kind: 'claim' }),
    ]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0]?.reason).toBeInstanceOf(EsafetyError);
    expect((lost[0]?.reason as EsafetyError).details['reason']).toBe('alreadyClaimed');
    expect((await store.events(state.id)).filter((e) => e.type === 'claimed')).toHaveLength(1);
  });

  it('appends every one of 50 concurrent notes exactly once, in a valid chain', async () => {
    const { cases, store } = service();
    const { state } = await cases.open(report(), staff, 'k');
    await Promise.all(
      Array.from({ length: 50 }, (_, i) => cases.act(state.id, dslA, { kind: 'addNote', note: `note ${i}` })),
    );
    const events = await store.events(state.id);
    const notes = events.flatMap((e) => (e.type === 'noteAdded' ? [e.narrative.note] : []));
    expect(notes.sort()).toEqual(Array.from({ length: 50 }, (_, i) => `note ${i}`).sort());
    expect(verifyChain(state.id, events)).toBeUndefined();
  });

  it('gives up with CASE_CONFLICT when contention outlasts the retry budget, having written nothing of its own', async () => {
    const store = new MemoryCaseStore();
    const cases = new CaseService({
      store,
      pack: defaultPack,
      clock: steppingClock(),
      log: silentLogger,
      conflictRetry: { attempts: 1, maxDelayMs: 1 },
    });
    const { state } = await cases.open(report(), staff, 'k');
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, (_, i) => cases.act(state.id, dslA, { kind: 'addNote', note: `n${i}` })),
    );
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(failed.length).toBeGreaterThan(0);
    failed.forEach((f) => expect(f.reason).toMatchObject({ code: 'CASE_CONFLICT' }));
    expect(await store.events(state.id)).toHaveLength(1 + results.length - failed.length);
  });

  it('resolves a case by reference or id, and names a missing one', async () => {
    const { cases } = service();
    const { state } = await cases.open(report(), staff, 'k');
    expect((await cases.resolve('es-2026-0001')).id).toBe(state.id);
    expect((await cases.resolve(state.id)).reference).toBe('ES-2026-0001');
    await expect(cases.resolve('ES-2026-0099')).rejects.toMatchObject({ code: 'CASE_NOT_FOUND' });
  });

  it('refuses to act on a case that does not exist', async () => {
    const { cases } = service();
    await expect(cases.act('c-forged', dslA, { kind: 'claim' })).rejects.toMatchObject({
      code: 'CASE_NOT_FOUND',
    });
  });
});
