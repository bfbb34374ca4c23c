import { CaseService } from '../../../core/cases/case-service';
import { purgeDueAt, purgeExpiredCases } from '../../../core/cases/retention-purge';
import { silentLogger } from '../../../core/logger';
import type { OutboxMessage } from '../../../core/outbox/outbox';
import { retentionFor } from '../../../core/policy/retention';
import { defaultPack, dslA, report, staff } from '../../support/fixtures';
import { MemoryCaseStore } from '../../support/memory-case-store';

function setup() {
  let now = Date.parse('2026-01-10T09:00:00Z');
  const clock = { now: () => new Date(now) };
  const store = new MemoryCaseStore();
  const cases = new CaseService({ store, pack: defaultPack, clock, log: silentLogger });
  const sent: OutboxMessage[] = [];
  const deps = {
    store,
    pack: defaultPack,
    outbox: { send: (m: OutboxMessage) => Promise.resolve(void sent.push(m)) },
    clock,
    log: silentLogger,
  };
  const closedCase = async (key: string, overrides = {}) => {
    const { state } = await cases.open(report(overrides), staff, key);
    return (await cases.act(state.id, dslA, { kind: 'close', outcome: 'noFurtherAction' })).state;
  };
  return {
    store,
    cases,
    sent,
    deps,
    closedCase,
    advanceMonths: (m: number) => {
      const d = new Date(now);
      d.setUTCMonth(d.getUTCMonth() + m);
      now = d.getTime();
    },
  };
}

describe('the retention purge', () => {
  it('deletes a closed case once its route’s period has run, logs it, and retires its card', async () => {
    const { store, sent, deps, closedCase, advanceMonths } = setup();
    const c = await closedCase('a');
    const { months } = retentionFor(defaultPack, c);
    advanceMonths(months - 1);
    expect(await purgeExpiredCases(deps)).toEqual([]);
    advanceMonths(2);
    const purged = await purgeExpiredCases(deps);
    expect(purged).toEqual([
      expect.objectContaining({ caseId: c.id, reference: c.reference, keptMonths: months }),
    ]);
    expect(await store.load(c.id)).toBeUndefined();
    expect(await store.purgeLog()).toEqual(purged);
    expect(sent).toEqual([{ kind: 'case.retired', caseId: c.id, reference: c.reference }]);
    // Nothing of what people wrote is kept in the record of deletion.
    expect(JSON.stringify(purged)).not.toMatch(/Lee Learner|keep chats secret/);
  });

  it('never deletes a held case, an open case, or one reopened since', async () => {
    const { cases, store, deps, closedCase, advanceMonths } = setup();
    const held = await closedCase('held');
    await cases.act(held.id, dslA, { kind: 'setRetentionHold', held: true });
    const open = (await cases.open(report(), staff, 'open')).state;
    const reopened = await closedCase('reopened');
    await cases.act(reopened.id, dslA, { kind: 'reopen' });
    advanceMonths(50 * 12);
    expect(await purgeExpiredCases(deps)).toEqual([]);
    for (const c of [held, open, reopened]) expect(await store.load(c.id)).toBeDefined();
    expect(purgeDueAt((await cases.get(held.id))!, defaultPack)).toBeUndefined();
  });

  it('only lists what it would delete on a dry run', async () => {
    const { store, sent, deps, closedCase, advanceMonths } = setup();
    const c = await closedCase('a');
    advanceMonths(50 * 12);
    expect(await purgeExpiredCases(deps, { dryRun: true })).toEqual([
      expect.objectContaining({ caseId: c.id }),
    ]);
    expect(await store.load(c.id)).toBeDefined();
    expect(await store.purgeLog()).toEqual([]);
    expect(sent).toEqual([]);
  });

  it('finishes a purge that was cut short', async () => {
    const { store, deps, closedCase, advanceMonths } = setup();
    const c = await closedCase('a');
    advanceMonths(50 * 12);
    const purge = jest.spyOn(store, 'purge').mockImplementationOnce(async (caseId, record) => {
      // The record is written, then the process stops before anything is deleted.
      await MemoryCaseStore.prototype.purge.call(store, `${caseId}-never`, record);
      throw new Error('process stopped');
    });
    await expect(purgeExpiredCases(deps)).rejects.toThrow('process stopped');
    purge.mockRestore();
    await purgeExpiredCases(deps);
    expect(await store.load(c.id)).toBeUndefined();
  });
});
