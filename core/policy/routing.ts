/**
 * Routing: which route (and so which channel and which role) a case belongs to.
 * The first matching rule wins; otherwise the pack's default route.
 */
import type { PolicyPack, RiskArea, Severity, SubjectType, TaxonomyItem } from './policy-pack';
import { severities } from './policy-pack';
import { fail } from '../errors';

export interface RoutingFacts {
  readonly subjectType: SubjectType;
  readonly category: string;
  readonly severity: Severity;
}

export function severityRank(s: Severity): number {
  return severities.indexOf(s);
}

export function routeFor(pack: PolicyPack, facts: RoutingFacts): string {
  const area = areaOf(pack, facts.category);
  const rule = pack.routing.rules.find(({ when }) => {
    if (when.subjectType && !when.subjectType.includes(facts.subjectType)) return false;
    if (when.area && !(area && when.area.includes(area))) return false;
    if (when.category && !when.category.includes(facts.category)) return false;
    if (when.severityAtLeast && severityRank(facts.severity) < severityRank(when.severityAtLeast))
      return false;
    return true;
  });
  return rule?.route ?? pack.routing.default;
}

/** The roles whose members may see and act on a route's cases. */
export function rolesForRoute(pack: PolicyPack, route: string): readonly string[] {
  return (
    pack.routes[route]?.roles ??
    fail('POLICY_INVALID', `route "${route}" is not in the policy pack`, { route })
  );
}

export function findCategory(pack: PolicyPack, id: string): (TaxonomyItem & { area: RiskArea }) | undefined {
  for (const a of pack.taxonomy) {
    const item = a.items.find((i) => i.id === id);
    if (item) return { ...item, area: a.area };
  }
  return undefined;
}

function areaOf(pack: PolicyPack, category: string): RiskArea | undefined {
  return findCategory(pack, category)?.area;
}

/** Sanction suggestions for a category: shown to the DSL, never applied automatically. */
export function suggestedSanctions(pack: PolicyPack, grid: 'learner' | 'staff', category: string) {
  const g = pack.sanctions[grid];
  if (!g) return [];
  const names = new Map(g.actions.map((a) => [a.id, a.name]));
  return g.behaviours
    .filter((b) => b.categories.includes(category))
    .map((b) => ({ behaviour: b.name, actions: b.actions.map((a) => names.get(a) ?? a) }));
}
