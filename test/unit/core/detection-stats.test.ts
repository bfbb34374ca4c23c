import { CaseService } from '../../../core/cases/case-service';
import { detectionStats } from '../../../core/detection/detection-stats';
import type { Signal } from '../../../core/intake/signal';
import { silentLogger } from '../../../core/logger';
import { defaultPack, dslA, report, steppingClock } from '../../support/fixtures';
import { MemoryCaseStore } from '../../support/memory-case-store';

const monitor = { id: 'system:chat-monitor', name: 'Teams chat monitoring' };
const signal = (entry: string, key: string, category = 'grooming'): Signal => ({
  kind: 'phrase',
  category,
  severity: 'high',
  key,
  entry,
  summary: `flag ${key}`,
});

function setup() {
  const store = new MemoryCaseStore();
  const cases = new CaseService({ store, pack: defaultPack, clock: steppingClock(), log: silentLogger });
  const flagged = async (key: string, ...signals: Signal[]) => {
    const r = await cases.recordSignals({
      caseId: `c-${key}`,
      opening: {
        ...report({ category: signals[0]!.category }),
        source: 'chatSignal',
        signalKey: signals[0]!.key,
        signal: { kind: 'phrase', entry: signals[0]!.entry!, conversation: 'conv', participantIds: [] },
      },
      signals,
      actor: monitor,
    });
    return r.status === 'closed' ? '' : r.state.id;
  };
  const chronologies = async () =>
    Promise.all((await cases.list({ status: 'all' })).map((c) => cases.chronology(c.id)));
  return { cases, flagged, chronologies };
}

describe('detection statistics', () => {
  it('counts per rule and per category what DSLs confirmed, dismissed (and why) and left open', async () => {
    const { cases, flagged, chronologies } = setup();
    const dismissed = await flagged('a', signal('grooming-secrecy', 'a1'), signal('grooming-alone', 'a2'));
    await cases.act(dismissed, dslA, { kind: 'dismiss', reason: 'innocentContext' });
    const confirmed = await flagged('b', signal('grooming-secrecy', 'b1'));
    await cases.act(confirmed, dslA, { kind: 'close', outcome: 'referredExternally' });
    await flagged('c', signal('selfharm-burden', 'c1', 'self-harm'));

    const stats = detectionStats(await chronologies());
    expect(stats.cases).toBe(3);
    expect(stats.rules.find((r) => r.rule === 'grooming-secrecy')).toMatchObject({
      flags: 2,
      cases: 2,
      confirmed: 1,
      dismissed: 1,
      dismissedFor: { innocentContext: 1, banter: 0, alreadyKnown: 0, other: 0 },
      open: 0,
    });
    expect(stats.rules.find((r) => r.rule === 'selfharm-burden')).toMatchObject({ cases: 1, open: 1 });
    expect(stats.categories.find((c) => c.category === 'grooming')).toMatchObject({ flags: 3, cases: 2 });
  });

  it('leaves out cases a member of staff reported, and counts a reopened dismissal as open', async () => {
    const { cases, flagged, chronologies } = setup();
    await cases.open(report(), dslA, 'a-report');
    const id = await flagged('d', signal('bullying-kill-yourself', 'd1', 'cyberbullying'));
    await cases.act(id, dslA, { kind: 'dismiss', reason: 'banter' });
    await cases.act(id, dslA, { kind: 'reopen' });
    const stats = detectionStats(await chronologies());
    expect(stats.cases).toBe(1);
    expect(stats.rules).toEqual([
      expect.objectContaining({ rule: 'bullying-kill-yourself', open: 1, dismissed: 0 }),
    ]);
  });

  it('refuses to dismiss a report from a member of staff', async () => {
    const { cases } = setup();
    const { state } = await cases.open(report(), dslA, 'r');
    await expect(cases.act(state.id, dslA, { kind: 'dismiss', reason: 'other' })).rejects.toMatchObject({
      code: 'CASE_TRANSITION_REFUSED',
      details: { reason: 'notAFlag' },
    });
  });
});
