/**
 * The safeguarding library against the labelled evaluation set (test/detection/), on the held-out
 * half the library was never tuned on. The targets (recall 90 % overall, 95 % for self-harm
 * and grooming, false alarms ≤ 3 %) are printed by `npm run eval:detection`, which exits 1 until they
 * are met. Here: false alarms on everyday chat must meet the target; recall and false alarms on the
 * hard negatives, which do not yet meet it, must not get worse than what the library has reached,
 * so a change that loses ground fails.
 */
import { evaluate, groups, loadEvaluationSet, targetResults, targets } from '../../detection/evaluation';
import { readFileSync } from 'node:fs';
import { modelFile, modelPath, trainDetectionModel } from '../../detection/train';
import { defaultPack, repoRoot } from '../../support/fixtures';

const set = loadEvaluationSet();

/**
 * Reached on 2026-12-02 with the statistical layer, on the held-out half including the third set
 * written apart (held-out recall 64.3 %, hard-negative false alarms 5.7 %): bounds, not goals.
 */
const recallFloor = 0.6;
const hardNegativeCeiling = 0.065;

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

  it('meets the false-alarm target on everyday chat', () => {
    const everyday = targetResults(holdout).find((t) => t.name === 'false alarms on everyday chat')!;
    expect(everyday.value).toBeLessThanOrEqual(targets.falseAlarmRate);
  });

  it('raises no more false alarms on hard negatives than it has reached', () => {
    expect(holdout.falseAlarmRate).toBeLessThanOrEqual(hardNegativeCeiling);
  });

  it('keeps the recall it has reached', () => {
    expect(holdout.overallRecall).toBeGreaterThanOrEqual(recallFloor);
  });
});

describe('the statistical layer the default pack ships', () => {
  it('is the one its training data gives, trained on the development half only', () => {
    // Retraining is deterministic: weights that differ were trained on other data (or by hand).
    const shipped = readFileSync(modelPath(repoRoot), 'utf8');
    expect(modelFile(trainDetectionModel(defaultPack, set))).toBe(shipped);
    const heldOutChanged = {
      ...set,
      messages: set.messages.map((m) => (m.split === 'holdout' ? { ...m, text: 'changed' } : m)),
      everyday: set.everyday.map((m) => (m.split === 'holdout' ? { ...m, text: 'changed' } : m)),
    };
    expect(modelFile(trainDetectionModel(defaultPack, heldOutChanged))).toBe(shipped);
  });
});
