/**
 * Which sharing is risky under the pack (issue 12): a table of permissions, as Graph describes them,
 * and the verdict each gets from the default pack's `sharing` section — and the one key that makes
 * the same permission seen by the audit sweep and by `delta` one signal.
 */
import { evaluateSharing, sharingKey, type SharingSignal } from '../../../core/sharing/sharing-signal';
import { defaultPack } from '../../support/fixtures';

const policy = defaultPack.sharing;
const teacher = { id: '55555555-5555-4555-8555-555555555555', name: 'Tariq Tutor' };

function share(overrides: Partial<SharingSignal> = {}): SharingSignal {
  return {
    driveId: 'b!drive',
    itemId: '01ITEM',
    permissionId: 'perm-1',
    source: 'delta',
    roles: ['read'],
    grantees: [],
    sharedBy: teacher,
    sharedAt: '2026-12-02T10:00:00.000Z',
    site: { name: 'Curriculum', url: 'https://example.sharepoint.com/sites/Curriculum' },
    library: 'Documents',
    itemName: 'Scheme of work.docx',
    ...overrides,
  };
}
const rulesOf = (s: SharingSignal, ownerIsLearner = false) => {
  const verdict = evaluateSharing(s, policy, { ownerIsLearner });
  return verdict.risky ? verdict.findings.map((f) => f.rule) : verdict.reason;
};
const records = { name: 'Learner Records', url: 'https://example.sharepoint.com/sites/LearnerRecords' };

describe('which sharing is risky (default pack)', () => {
  it.each<[string, Partial<SharingSignal>, ReturnType<typeof rulesOf>]>([
    [
      'an Anyone view link with no expiry',
      { link: { scope: 'anonymous', type: 'view' } },
      ['anyoneLink', 'noExpiry'],
    ],
    [
      'an Anyone edit link that expires',
      { link: { scope: 'anonymous', type: 'edit' }, roles: ['write'], expiresAt: '2026-12-09T00:00:00Z' },
      ['anyoneLink', 'externalEdit'],
    ],
    [
      'an invitation to a personal address',
      { link: { scope: 'users', type: 'view' }, grantees: [{ email: 'someone@gmail.com' }] },
      ['externalShare'],
    ],
    [
      'a guest account with edit rights',
      { roles: ['write'], grantees: [{ id: 'g1', guest: true }] },
      ['externalShare', 'externalEdit'],
    ],
    [
      'a colleague by name',
      { roles: ['write'], grantees: [{ email: 'dana.dsl@example-college.ac.uk' }] },
      'notRisky',
    ],
    [
      'an organisation link on an ordinary site',
      { link: { scope: 'organization', type: 'view' } },
      'notRisky',
    ],
    [
      'an organisation link on the learner records site',
      { link: { scope: 'organization', type: 'view' }, site: records },
      ['orgLinkRestricted'],
    ],
    [
      'a labelled file sent outside',
      { sensitivityLabel: 'highly confidential', grantees: [{ email: 'x@other.org' }] },
      ['externalShare', 'labelled'],
    ],
    [
      'a labelled file shared inside',
      { sensitivityLabel: 'Highly Confidential', grantees: [{ email: 'a@example-college.ac.uk' }] },
      'notRisky',
    ],
    [
      '"hr" inside another word is not the HR site',
      {
        link: { scope: 'organization', type: 'view' },
        site: { name: 'Three Rivers', url: 'https://example.sharepoint.com/sites/chromebooks' },
      },
      'notRisky',
    ],
  ])('%s', (_what, overrides, expected) => {
    expect(rulesOf(share(overrides))).toEqual(expected);
  });

  it('leaves a learner sharing their own coursework from their own OneDrive alone, unless the pack watches it', () => {
    const lee = { id: '66666666-6666-4666-8666-666666666661', name: 'Lee Learner' };
    const own = share({
      sharedBy: lee,
      personalDrive: { ownerId: lee.id },
      link: { scope: 'anonymous', type: 'view' },
    });
    expect(rulesOf(own, true)).toBe('learnerOwnWork');
    expect(
      evaluateSharing(own, { ...policy, learnerOwnDrives: 'watch' }, { ownerIsLearner: true }),
    ).toMatchObject({ risky: true });
    // A teacher's OneDrive is not a learner's.
    expect(
      rulesOf(share({ personalDrive: { ownerId: teacher.id }, link: { scope: 'anonymous', type: 'view' } })),
    ).toContain('anyoneLink');
  });

  it('does not count a trusted partner as outside, and names the outside domains', () => {
    const partner = { ...policy, trustedDomains: ['partner-school.org.uk'] };
    const s = share({
      grantees: [{ email: 'a@partner-school.org.uk' }, { email: 'b@gmail.com' }, { email: 'c@GMAIL.com' }],
    });
    const verdict = evaluateSharing(s, partner, { ownerIsLearner: false });
    expect(verdict).toMatchObject({ risky: true, externalDomains: ['gmail.com'] });
    expect(verdict.risky && verdict.findings[0]).toMatchObject({
      rule: 'externalShare',
      severity: 'high',
      category: 'data-breach',
      summary: 'Shared with 2 people outside the college (gmail.com).',
    });
    expect(rulesOf(share({ grantees: [{ email: 'a@partner-school.org.uk' }] }))).toEqual(['externalShare']);
    expect(
      evaluateSharing(share({ grantees: [{ email: 'a@partner-school.org.uk' }] }), partner, {
        ownerIsLearner: false,
      }),
    ).toEqual({
      risky: false,
      reason: 'notRisky',
    });
  });

  it('keys a permission the same whichever source saw it', () => {
    expect(sharingKey(share({ source: 'audit' }))).toBe(sharingKey(share({ source: 'delta' })));
    expect(sharingKey(share({ permissionId: 'perm-2' }))).not.toBe(sharingKey(share()));
  });
});
