/**
 * The safeguarding library against the labelled evaluation set (test/detection/), on the held-out
 * half the library was never tuned on. False alarms must meet the target (≤ 3 % of innocent
 * messages, hard negatives and everyday chat alike). Recall has not yet reached the targets
 * (90 % overall, 95 % for self-harm and grooming — `npm run eval:detection` prints where it stands and
 * exits 1 until it does); here it must not fall below what the library has reached, so a change that
 * loses recall fails.
 */
import { evaluate, groups, loadEvaluationSet, targetResults } from '../../detection/evaluation';
import { defaultPack } from '../../support/fixtures';

const set = loadEvaluationSet();

/** Held-out recall reached on 2026-12-02 (47.2 % overall): a floor against regressions, not the goal. */
const recallFloor = 0.45;

describe('the labelled evaluation set', () => {
  it('has at least 600 risky messages across every group, as many innocent ones, in both halves', () => {
    const risky = set.messages.filter((m) => m.label !== 'none');
    expect(risky.length).toBeGreaterThanOrEqual(600);
    expect(set.messages.length - risky.length).toBeGreaterThanOrEqual(risky.length);
    for (const split of ['dev', 'holdout'] as const)
      for (const group of groups)
        expect(risky.filter((m) => m.split === split && m.label === group).length).toBeGreaterThan(20);
    expect(set.everyday.filter((m) => m.split === 'holdout').length).toBeGreaterThanOrEqual(500);
  });
});

describe('the default safeguarding library, on the held-out half', () => {
  const holdout = evaluate(defaultPack, set).find((r) => r.split === 'holdout')!;

  it('meets the false-alarm targets', () => {
    const missed = targetResults(holdout)
      .filter((t) => t.name.startsWith('false alarms') && !t.met)
      .map((t) => `${t.name}: ${(t.value * 100).toFixed(1)}%`);
    expect(missed).toEqual([]);
  });

  it('keeps the recall it has reached', () => {
    expect(holdout.overallRecall).toBeGreaterThanOrEqual(recallFloor);
  });
});
