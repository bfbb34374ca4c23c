import { parsePolicyFile } from '../../../adapters/policy-files';
import type { PolicyPack } from '../../../core/policy/policy-pack';
import { routeFor, suggestedSanctions } from '../../../core/policy/routing';
import { defaultPack, policyPath } from '../../support/fixtures';

function pack(name: string): PolicyPack {
  const r = parsePolicyFile(policyPath(name));
  if (!r.ok) throw new Error(`${name} invalid`);
  return r.pack;
}

describe('routing', () => {
  it.each([
    ['uk-fe-default', 'learner', 'grooming', 'dsl'],
    ['uk-fe-default', 'staff', 'inappropriate-staff-contact', 'staff'],
    ['uk-fe-default', 'visitor', 'cyberbullying', 'dsl'],
    ['waes', 'staff', 'grooming', 'hr'],
    ['waes', 'learner', 'county-lines', 'safeguarding'],
    ['momentum', 'staff', 'disrepute', 'directors'],
    ['skills4stem', 'staff', 'offensive-communication', 'colleagues'],
    ['babington', 'learner', 'spyware', 'safeguarding'],
    ['babington', 'learner', 'grooming', 'safeguarding'],
    ['babington', 'staff', 'grooming', 'staff'],
    ['babington', 'staff', 'data-breach', 'infosec'],
    ['ucen-manchester', 'staff', 'inappropriate-staff-contact', 'staff'],
  ] as const)('%s sends a %s concern about %s to the %s route', (name, subjectType, category, route) => {
    expect(routeFor(pack(name), { subjectType, category, severity: 'medium' })).toBe(route);
  });

  it('keeps concerns about staff off the learners’ DSL channel in the default pack, whatever the category', () => {
    for (const area of defaultPack.taxonomy) {
      for (const item of area.items) {
        expect(routeFor(defaultPack, { subjectType: 'staff', category: item.id, severity: 'critical' })).toBe(
          'staff',
        );
      }
    }
  });

  it.each(['uk-fe-default', 'babington', 'momentum', 'skills4stem', 'ucen-manchester'])(
    '%s: a report that a tutor is grooming a learner reaches the DSL',
    (name) => {
      const p = pack(name);
      const route = routeFor(p, { subjectType: 'staff', category: 'grooming', severity: 'high' });
      expect(p.routes[route]?.roles).toContain('dsl');
    },
  );

  it('applies a severity threshold rule only at or above the threshold', () => {
    const p: PolicyPack = {
      ...defaultPack,
      routing: { rules: [{ when: { severityAtLeast: 'high' }, route: 'staff' }], default: 'dsl' },
    };
    expect(routeFor(p, { subjectType: 'learner', category: 'grooming', severity: 'medium' })).toBe('dsl');
    expect(routeFor(p, { subjectType: 'learner', category: 'grooming', severity: 'high' })).toBe('staff');
    expect(routeFor(p, { subjectType: 'learner', category: 'grooming', severity: 'critical' })).toBe('staff');
  });

  it("suggests Momentum's appendix B sanctions for a learner's offensive message", () => {
    const suggestions = suggestedSanctions(pack('momentum'), 'learner', 'offensive-communication');
    expect(suggestions).toEqual([
      {
        behaviour: 'Sending an offensive message, or one inciting terrorism, harassment or bullying',
        actions: [
          'Refer to trainer',
          'Refer to Operations Director',
          'Inform parent or carer',
          'Remove internet access',
          'Written warning with actions',
          'Exclusion or suspension',
        ],
      },
    ]);
  });

  it('suggests nothing where the policy has no sanctions grid', () => {
    expect(suggestedSanctions(pack('waes'), 'learner', 'cyberbullying')).toEqual([]);
  });
});
