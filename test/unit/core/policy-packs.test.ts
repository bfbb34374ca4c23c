/**
 * What the shipped packs decide, checked against the seed policies they encode: who a concern
 * about staff reaches and what Babington's information security route takes.
 */
import { parsePolicyFile } from '../../../adapters/policy-files';
import type { PolicyPack, SubjectType } from '../../../core/policy/policy-pack';
import { rolesForRoute, routeFor } from '../../../core/policy/routing';
import { policyPath } from '../../support/fixtures';

const names = ['uk-fe-default', 'momentum', 'waes', 'skills4stem', 'babington', 'ucen-manchester'] as const;
const packs = Object.fromEntries(
  names.map((name) => {
    const result = parsePolicyFile(policyPath(name));
    if (!result.ok) throw new Error(`${name}: ${JSON.stringify(result.issues)}`);
    return [name, result.pack];
  }),
) as Record<(typeof names)[number], PolicyPack>;
const defaultPack = packs['uk-fe-default'];

const routeOf = (pack: PolicyPack, subjectType: SubjectType, category: string) =>
  routeFor(pack, { subjectType, category, severity: 'high' });
const categoriesOf = (pack: PolicyPack) => pack.taxonomy.flatMap((a) => a.items.map((i) => i.id));

describe('a concern that a member of staff is grooming a learner', () => {
  it.each([
    ['uk-fe-default', 'staff', ['staffConcerns', 'dsl']],
    ['momentum', 'directors', ['directors', 'dsl']],
    // Appendix 3: the Head of HR or the Principal, who manages allegations under KCSIE.
    ['waes', 'hr', ['hrPrincipal']],
    ['skills4stem', 'colleagues', ['ceo', 'dsl', 'dsc']],
    ['babington', 'staff', ['dsl']],
    ['ucen-manchester', 'staff', ['dsl']],
  ] as const)('%s: goes to the %s route, for %j', (name, route, roles) => {
    const pack = packs[name];
    expect(routeOf(pack, 'staff', 'grooming')).toBe(route);
    expect(rolesForRoute(pack, route)).toEqual(roles);
  });

  it('reaches the DSL in the default pack whatever category the reporter chose', () => {
    for (const category of categoriesOf(defaultPack)) {
      expect(rolesForRoute(defaultPack, routeOf(defaultPack, 'staff', category))).toContain('dsl');
    }
  });
});

describe('Babington', () => {
  const babington = packs['babington'];

  it.each([
    ['staff', 'data-breach', 'infosec'],
    ['staff', 'system-misuse', 'infosec'],
    ['learner', 'system-misuse', 'infosec'],
    ['learner', 'copyright-downloading', 'infosec'],
    ['staff', 'grooming', 'staff'],
    ['staff', 'youth-produced-sexual-imagery', 'staff'],
    ['staff', 'radicalisation', 'staff'],
    ['staff', 'hate-violence', 'staff'],
    ['learner', 'grooming', 'safeguarding'],
    ['learner', 'spyware', 'safeguarding'],
    ['learner', 'identity-theft', 'safeguarding'],
    ['unknown', 'external-contact', 'safeguarding'],
  ] as const)('sends a concern about a %s of category %s to the %s route', (subjectType, category, route) => {
    expect(routeOf(babington, subjectType, category)).toBe(route);
  });

  it('gives the Information Security Team policy breaches only: every other concern about staff reaches the DSL', () => {
    const breaches = ['data-breach', 'system-misuse', 'copyright-downloading'];
    for (const category of categoriesOf(babington).filter((c) => !breaches.includes(c))) {
      expect(rolesForRoute(babington, routeOf(babington, 'staff', category))).toEqual(['dsl']);
    }
  });
});
