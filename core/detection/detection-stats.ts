/**
 * Detection statistics: for each detection rule (a library entry, a conversation rule, external
 * contact, a DLP flag or a machine-learning rating) and each category, how often it flagged and what
 * DSLs made of the cases it flagged — confirmed (closed with an outcome), dismissed as not a concern
 * (with the reason), or still open. A college tunes its pack with this evidence: an entry dismissed
 * as "innocent in context" again and again wants context (`notNear`, `unless`) or `disable`.
 */
import type { CaseEvent, DismissReason } from '../cases/case-events';
import { dismissReasons } from '../cases/case-events';

export type Verdict = 'confirmed' | 'dismissed' | 'open';

export interface RuleStats {
  /** The rule: a library entry or conversation rule id, or the kind of signal it was. */
  readonly rule: string;
  readonly category: string;
  /** Signals it raised. */
  readonly flags: number;
  /** Cases it raised a signal on. */
  readonly cases: number;
  readonly confirmed: number;
  readonly dismissed: number;
  readonly dismissedFor: Readonly<Record<DismissReason, number>>;
  readonly open: number;
}

export interface DetectionStats {
  readonly cases: number;
  readonly rules: readonly RuleStats[];
  readonly categories: readonly Omit<RuleStats, 'rule'>[];
}

/** What DSLs made of a case: its last closing or dismissing (a reopen undoes either). */
export function verdictOf(events: readonly CaseEvent[]): { verdict: Verdict; reason?: DismissReason } {
  let verdict: { verdict: Verdict; reason?: DismissReason } = { verdict: 'open' };
  for (const e of events) {
    if (e.type === 'dismissed') verdict = { verdict: 'dismissed', reason: e.data.reason };
    else if (e.type === 'closed')
      verdict =
        e.data.outcome === 'unfounded' ? { verdict: 'dismissed', reason: 'other' } : { verdict: 'confirmed' };
    else if (e.type === 'reopened') verdict = { verdict: 'open' };
  }
  return verdict;
}

/** The signals on a case: which rule raised each, under which category. */
function signalsOf(events: readonly CaseEvent[]): { rule: string; category: string }[] {
  return events.flatMap((e) => {
    if (e.type === 'opened' && e.data.signal)
      return [{ rule: e.data.signal.entry ?? e.data.signal.kind, category: e.data.category }];
    if (e.type === 'signalAdded') return [{ rule: e.data.entry ?? e.data.kind, category: e.data.category }];
    return [];
  });
}

interface Tally {
  category: string;
  flags: number;
  cases: number;
  confirmed: number;
  dismissed: number;
  dismissedFor: Record<DismissReason, number>;
  open: number;
}

const emptyReasons = () =>
  Object.fromEntries(dismissReasons.map((r) => [r, 0])) as Record<DismissReason, number>;

/** Statistics over monitoring cases' chronologies (cases opened by a report carry no signals). */
export function detectionStats(chronologies: readonly (readonly CaseEvent[])[]): DetectionStats {
  const rules = new Map<string, Tally>();
  const categories = new Map<string, Tally>();
  let cases = 0;
  const tally = (map: Map<string, Tally>, key: string, category: string) => {
    const t = map.get(key) ?? {
      category,
      flags: 0,
      cases: 0,
      confirmed: 0,
      dismissed: 0,
      dismissedFor: emptyReasons(),
      open: 0,
    };
    map.set(key, t);
    return t;
  };
  for (const events of chronologies) {
    const signals = signalsOf(events);
    if (signals.length === 0) continue;
    cases++;
    const { verdict, reason } = verdictOf(events);
    const count = (map: Map<string, Tally>, keyOf: (s: { rule: string; category: string }) => string) => {
      const seen = new Set<string>();
      for (const s of signals) {
        const t = tally(map, keyOf(s), s.category);
        t.flags++;
        if (seen.has(keyOf(s))) continue;
        seen.add(keyOf(s));
        t.cases++;
        t[verdict]++;
        if (verdict === 'dismissed' && reason) t.dismissedFor[reason]++;
      }
    };
    count(rules, (s) => s.rule);
    count(categories, (s) => s.category);
  }
  const byFlags = (a: { flags: number }, b: { flags: number }) => b.flags - a.flags;
  return {
    cases,
    rules: [...rules].map(([rule, t]) => ({ rule, ...t })).sort(byFlags),
    categories: [...categories.values()].sort(byFlags),
  };
}
