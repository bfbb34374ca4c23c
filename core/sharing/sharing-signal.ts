/**
 * Sharing in OneDrive and SharePoint, as the product sees it, and which of it is risky under the
 * policy pack (issue 12). A *sharing signal* is one permission on one item, whichever source saw it
 * (the audit-log sweep or a drive's `delta`), keyed so that the same permission seen twice, or by
 * both sources, is one signal. `evaluateSharing` is pure: the pack's `sharing` section decides.
 *
 * The shape follows Microsoft Graph's `permission` resource (`link.scope`: anonymous, organization,
 * users, existingAccess; `link.type`: view, edit, …; `roles`; `expirationDateTime`; the grantees of
 * `grantedToV2` / `grantedToIdentitiesV2`):
 * https://learn.microsoft.com/graph/api/resources/permission
 */
import type { LinkScope, SharingPolicy, SharingRuleId, Severity } from '../policy/policy-pack';

/** Someone a permission grants access to. */
export interface Grantee {
  readonly id?: string;
  readonly email?: string;
  /** A guest account in this tenant (`#EXT#`), or a person outside it. */
  readonly guest?: boolean;
}

export interface SharingSignal {
  readonly driveId: string;
  readonly itemId: string;
  readonly permissionId: string;
  /** Which source saw it (both may; the key makes them one). */
  readonly source: 'audit' | 'delta';
  readonly link?: { readonly scope: LinkScope; readonly type: string };
  /** `read`, `write`, `owner` … */
  readonly roles: readonly string[];
  readonly expiresAt?: string;
  readonly grantees: readonly Grantee[];
  readonly sharedBy?: { readonly id: string; readonly name?: string };
  readonly sharedAt: string;
  /** The site and library (or OneDrive) the item is in. */
  readonly site: { readonly name?: string; readonly url?: string };
  readonly library?: string;
  /** A person's OneDrive, and whose. */
  readonly personalDrive?: { readonly ownerId: string };
  readonly itemName: string;
  readonly itemUrl?: string;
  readonly sensitivityLabel?: string;
}

/** The same permission, whichever source saw it and however often: one signal. */
export function sharingKey(s: Pick<SharingSignal, 'driveId' | 'itemId' | 'permissionId'>): string {
  return `sharing:${s.driveId}:${s.itemId}:${s.permissionId}`;
}

export interface SharingFinding {
  readonly rule: SharingRuleId;
  readonly severity: Severity;
  readonly category: string;
  readonly route?: string;
  /** What the DSL reads (no names, no file name: those are narrative and kept encrypted). */
  readonly summary: string;
}

export type SharingVerdict =
  | {
      readonly risky: true;
      readonly findings: readonly SharingFinding[];
      readonly externalDomains: readonly string[];
    }
  | { readonly risky: false; readonly reason: 'notRisky' | 'learnerOwnWork' };

const domainOf = (email: string | undefined) => email?.split('@')[1]?.trim().toLowerCase();

/**
 * Which of the pack's rules a permission breaks. `ownerIsLearner` says whether the OneDrive it is in
 * belongs to a member of the pack's learners role (the caller asks the directory).
 */
export function evaluateSharing(
  signal: SharingSignal,
  policy: SharingPolicy,
  context: { readonly ownerIsLearner: boolean },
): SharingVerdict {
  const own = signal.personalDrive && signal.sharedBy?.id === signal.personalDrive.ownerId;
  if (own && context.ownerIsLearner && policy.learnerOwnDrives === 'ignore')
    return { risky: false, reason: 'learnerOwnWork' };
  const inside = new Set([...policy.collegeDomains, ...policy.trustedDomains].map((d) => d.toLowerCase()));
  // A guest from a trusted partner is not outside; a guest whose address is unknown is.
  const outsiders = signal.grantees.filter((g) => {
    const domain = domainOf(g.email);
    return domain !== undefined ? !inside.has(domain) : g.guest === true;
  });
  const externalDomains = [
    ...new Set(outsiders.map((g) => domainOf(g.email)).filter((d): d is string => d !== undefined)),
  ].sort();
  const scope = signal.link?.scope;
  const edits = signal.roles.some((r) => r === 'write' || r === 'owner') || signal.link?.type === 'edit';
  // Whole words: "hr" names the HR site, not every address with "hr" somewhere in it.
  const words = (text: string) =>
    ` ${text
      .toLowerCase()
      .split(/[^a-z0-9]+/)
      .filter(Boolean)
      .join(' ')} `;
  const where = words([signal.site.name, signal.site.url, signal.library].filter(Boolean).join(' '));
  const restricted = policy.restrictedLibraries.some((name) => where.includes(words(name)));
  const labelled =
    signal.sensitivityLabel !== undefined &&
    policy.labels.some((l) => l.toLowerCase() === signal.sensitivityLabel?.toLowerCase());
  const broken: [SharingRuleId, boolean, string][] = [
    [
      'anyoneLink',
      scope === 'anonymous',
      `An Anyone link (${edits ? 'edit' : 'view'}): whoever has it can open the file.`,
    ],
    [
      'externalShare',
      outsiders.length > 0,
      `Shared with ${outsiders.length} ${outsiders.length === 1 ? 'person' : 'people'} outside the college${externalDomains.length > 0 ? ` (${externalDomains.join(', ')})` : ''}.`,
    ],
    [
      'externalEdit',
      edits && (scope === 'anonymous' || outsiders.length > 0),
      'Edit rights outside the college.',
    ],
    [
      'orgLinkRestricted',
      scope === 'organization' && restricted,
      'An organisation-wide link on a restricted library.',
    ],
    [
      'noExpiry',
      scope !== undefined && policy.requireExpiry.includes(scope) && signal.expiresAt === undefined,
      'The link has no expiry date, and the policy requires one.',
    ],
    [
      'labelled',
      labelled && (scope === 'anonymous' || outsiders.length > 0),
      `A file labelled ${signal.sensitivityLabel ?? ''} shared outside the college.`,
    ],
  ];
  const findings = broken
    .filter(([, yes]) => yes)
    .map(([rule, , summary]) => ({ rule, ...policy.rules[rule], summary }));
  return findings.length > 0
    ? { risky: true, findings, externalDomains }
    : { risky: false, reason: 'notRisky' };
}
