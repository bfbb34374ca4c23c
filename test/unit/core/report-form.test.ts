import { parseReport } from '../../../core/reports/report-form';
import { defaultPack, steppingClock } from '../../support/fixtures';

const valid = {
  subjectType: 'learner',
  subjectName: 'Lee Learner',
  under18: 'yes',
  category: 'contact',
  subcategory: 'grooming',
  description: 'An adult asked Lee to keep their chats secret.',
  occurredAt: '2026-11-20',
  platform: 'Snapchat',
  immediateRisk: 'false',
  actionsTaken: 'Reassured Lee.',
};
const parse = (data: Record<string, unknown>) =>
  parseReport(data, defaultPack, steppingClock('2026-11-23T09:00:00.000Z'));

describe('report form', () => {
  it('turns a complete report into a case to open', () => {
    expect(parse(valid)).toEqual({
      ok: true,
      input: {
        source: 'staffReport',
        subjectType: 'learner',
        subjectName: 'Lee Learner',
        subjectPart: 'unknown',
        under18: 'yes',
        category: 'grooming',
        description: 'An adult asked Lee to keep their chats secret.',
        actionsTaken: 'Reassured Lee.',
        occurredAt: '2026-11-20',
        platform: 'Snapchat',
        immediateRisk: false,
      },
    });
  });

  it('treats blank optional fields as absent and reads the immediate-risk toggle', () => {
    const r = parse({
      ...valid,
      subjectName: '  ',
      platform: '',
      occurredAt: '',
      actionsTaken: '',
      immediateRisk: 'true',
    });
    expect(r.ok && r.input).toEqual(expect.objectContaining({ immediateRisk: true }));
    expect(r.ok && Object.keys(r.input)).not.toEqual(
      expect.arrayContaining(['subjectName', 'platform', 'occurredAt', 'actionsTaken']),
    );
  });

  it.each([
    ['a missing description', { description: '' }, 'description', 'Describe what happened.'],
    ['a whitespace description', { description: '   ' }, 'description', 'Describe what happened.'],
    [
      'an unknown category',
      { subcategory: 'alien-abduction' },
      'subcategory',
      'not a category in the policy',
    ],
    ['a category from another area', { category: 'commerce' }, 'subcategory', 'is a contact risk'],
    ['an unknown subject type', { subjectType: 'alien' }, 'subjectType', 'Say who the concern is about.'],
    ['a missing age answer', { under18: undefined }, 'under18', 'under 18'],
    ['a future date', { occurredAt: '2027-01-01' }, 'occurredAt', 'in the future'],
    ['a malformed date', { occurredAt: '20/11/2026' }, 'occurredAt', 'YYYY-MM-DD'],
    ['a description over 4,000 characters', { description: 'x'.repeat(4001) }, 'description', '4,000'],
    ['a non-string field', { description: { nested: true } }, 'description', 'Describe what happened.'],
  ])('names the problem with %s on its field and keeps the other values', (_what, change, field, message) => {
    const r = parse({ ...valid, ...change });
    if (r.ok) throw new Error('expected problems');
    expect(r.errors[field as keyof typeof r.errors]).toContain(message);
    expect(r.values.platform).toBe('Snapchat');
  });

  it('ignores fields the card does not have', () => {
    const r = parse({ ...valid, caseId: 'forged', route: 'hr', severity: 'low' });
    expect(r.ok && r.input).not.toHaveProperty('route');
  });
});
