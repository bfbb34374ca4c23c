import type { PolicyPack } from '../../../core/policy/policy-pack';
import { retentionFor } from '../../../core/policy/retention';
import { defaultPack } from '../../support/fixtures';

/** The default pack with a retention section made for the precedence cases. */
const pack: PolicyPack = {
  ...defaultPack,
  retention: {
    default: { months: 72, source: 'default' },
    rules: [
      { when: { route: ['dsl'] }, months: 132, source: 'route dsl' },
      { when: { route: ['staff'] }, months: 600, source: 'route staff' },
      { when: { category: ['data-breach', 'system-misuse'] }, months: 24, source: 'category data' },
      { when: { category: ['grooming'], route: ['staff'] }, months: 900, source: 'grooming on staff' },
      { when: { category: ['data-breach'], route: ['dsl'] }, months: 36, source: 'data-breach on dsl' },
    ],
  },
};

describe('retentionFor', () => {
  it.each([
    ['category and route beat category and route alone', 'grooming', 'staff', 900, 'grooming on staff'],
    ['category and route beat a category rule', 'data-breach', 'dsl', 36, 'data-breach on dsl'],
    ['a category rule beats a route rule', 'data-breach', 'staff', 24, 'category data'],
    ['a category rule applies on any route', 'system-misuse', 'dsl', 24, 'category data'],
    ['a route rule applies when no category rule does', 'grooming', 'dsl', 132, 'route dsl'],
    ['a route rule covers every category on it', 'cyberbullying', 'staff', 600, 'route staff'],
    ['the default covers a route with no rule', 'grooming', 'elsewhere', 72, 'default'],
    ['the default covers a category the pack does not know', 'made-up', 'elsewhere', 72, 'default'],
  ])('%s: %s on %s keeps %i months', (_why, category, route, months, source) => {
    expect(retentionFor(pack, { category, route })).toEqual({ months, source });
  });

  it('does not depend on the order rules are written in', () => {
    const reversed: PolicyPack = {
      ...pack,
      retention: { ...pack.retention, rules: [...pack.retention.rules].reverse() },
    };
    for (const [category, route] of [
      ['grooming', 'staff'],
      ['data-breach', 'dsl'],
      ['data-breach', 'staff'],
      ['grooming', 'dsl'],
    ] as const) {
      expect(retentionFor(reversed, { category, route })).toEqual(retentionFor(pack, { category, route }));
    }
  });

  it('gives the default when the pack has no rules', () => {
    const bare: PolicyPack = { ...pack, retention: { ...pack.retention, rules: [] } };
    expect(retentionFor(bare, { category: 'grooming', route: 'dsl' })).toEqual({
      months: 72,
      source: 'default',
    });
  });
});
