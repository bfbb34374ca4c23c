/**
 * The pack's conversation rules (`detection.conversation`) against the indicators a chat has shown:
 * a rule is reached when at least `threshold` of its indicators have runs that started within its
 * window. One function for the chat monitor and the evaluation harness (test/detection/).
 */
import type { PolicyPack } from '../policy/policy-pack';

export type ConversationRule = PolicyPack['detection']['conversation'][number];

export interface ReachedRule {
  readonly rule: ConversationRule;
  /** The rule's indicators present within its window. */
  readonly present: readonly string[];
  /** When the earliest of their runs started (ms): the same run of indicators is one pattern. */
  readonly started: number;
}

/** `runStarts`: indicator → when its current run started, as the signal ledger answers it. */
export function reachedRules(
  rules: readonly ConversationRule[],
  runStarts: ReadonlyMap<string, Date>,
  now: Date,
): ReachedRule[] {
  return rules.flatMap((rule) => {
    const since = now.getTime() - rule.windowHours * 3600_000;
    const present = rule.indicators.filter((i) => (runStarts.get(i)?.getTime() ?? -Infinity) >= since);
    if (present.length < rule.threshold) return [];
    const started = Math.min(...present.map((i) => runStarts.get(i)?.getTime() ?? now.getTime()));
    return [{ rule, present, started }];
  });
}

/** The longest window among the rules: how long the ledger must remember indicators. */
export function indicatorWindowMs(rules: readonly ConversationRule[]): number {
  return Math.max(...rules.map((r) => r.windowHours)) * 3600_000;
}
