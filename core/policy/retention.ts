/**
 * Retention: how long a closed case is kept before it is purged, and where that period comes from.
 *
 * The pack sets a default and rules per category, per route, or per category on a route. The most
 * specific rule that covers a case wins: category and route, then category, then route; otherwise
 * the default. The cross-reference checks refuse two rules of the same kind for the same cases, so
 * the answer never depends on the order rules are written in.
 *
 * A case on DSL hold is never purged, whatever this says; the hold is the case's, not the pack's.
 */
import type { PolicyPack, RetentionRule } from './policy-pack';

export interface RetentionFacts {
  readonly category: string;
  readonly route: string;
}

export interface RetentionPeriod {
  /** Months after the case closes. */
  readonly months: number;
  /** Where the period comes from, to show an operator or a data protection officer. */
  readonly source: string;
}

/** The period for a case of this category on this route. Names the pack does not know get the default. */
export function retentionFor(pack: PolicyPack, facts: RetentionFacts): RetentionPeriod {
  const { rules, default: fallback } = pack.retention;
  const best = rules
    .filter((rule) => covers(rule, facts))
    .reduce<RetentionRule | undefined>(
      (found, rule) => (found && specificity(found) >= specificity(rule) ? found : rule),
      undefined,
    );
  const { months, source } = best ?? fallback;
  return { months, source };
}

function covers({ when }: RetentionRule, facts: RetentionFacts): boolean {
  return (
    (when.category === undefined || when.category.includes(facts.category)) &&
    (when.route === undefined || when.route.includes(facts.route))
  );
}

/** Category and route 3, category 2, route 1. */
function specificity({ when }: RetentionRule): number {
  return (when.category ? 2 : 0) + (when.route ? 1 : 0);
}
