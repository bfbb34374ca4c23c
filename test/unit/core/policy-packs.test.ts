/**
 * What the shipped packs decide, checked against the seed policies they encode: who a concern
 * about staff reaches, what Babington's information security route takes, how long records are
 * kept, and that a pack extending the default keeps what it does not replace.
 */
import { parsePolicyFile } from '../../../adapters/policy-files';
import type { PolicyPack, SubjectType } from '../../../core/policy/policy-pack';
import { retentionFor } from '../../../core/policy/retention';
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

describe('retention in every shipped pack', () => {
  it.each(names)('%s keeps an allegation that staff groomed a learner as KCSIE asks', (name) => {
    const pack = packs[name];
    const kept = retentionFor(pack, { category: 'grooming', route: routeOf(pack, 'staff', 'grooming') });
    // Normal pension age or 10 years, whichever is longer: without a date of birth, 50 years.
    expect(kept.months).toBe(600);
    expect(kept.source).toContain('KCSIE');
  });

  it.each(names)(
    "%s keeps a learner's child protection concern past a 14-year-old's 25th birthday",
    (name) => {
      const pack = packs[name];
      const kept = retentionFor(pack, { category: 'grooming', route: routeOf(pack, 'learner', 'grooming') });
      expect(kept.months).toBeGreaterThanOrEqual((25 - 14) * 12);
      expect(kept.source).toContain('IRMS');
    },
  );

  it.each(names)(
    "%s keeps a learner's data breach for the default six years, not the child protection period",
    (name) => {
      const pack = packs[name];
      const kept = retentionFor(pack, {
        category: 'data-breach',
        route: routeOf(pack, 'learner', 'data-breach'),
      });
      expect(kept.months).toBe(72);
    },
  );
});

describe('packs that extend the default', () => {
  const children = names.filter((n) => n !== 'uk-fe-default');

  it.each(children)("%s keeps every entry of the default's safeguarding library", (name) => {
    expect(packs[name].detection.library).toEqual(expect.arrayContaining(defaultPack.detection.library));
  });

  it('WAES adds its own library entries after the default ones and keeps the default settings', () => {
    const { library, categoryMap, ...settings } = packs['waes'].detection;
    const { library: inherited, categoryMap: _none, ...defaultSettings } = defaultPack.detection;
    expect(library.slice(0, inherited.length)).toEqual(inherited);
    expect(library.slice(inherited.length).map((r) => r.category)).toEqual([
      'county-lines',
      'right-wing-extremism',
      'sexual-exploitation',
      'hate-violence',
      'age-inappropriate',
    ]);
    expect(settings).toEqual(defaultSettings);
    expect(categoryMap).toEqual({
      'criminal-exploitation': 'county-lines',
      oversharing: 'harmful-behaviour',
    });
  });
});
