/**
 * A risky share, as the signal intake takes it (core/intake/signal-intake.ts): one signal per rule
 * the permission breaks, keyed by the permission and the rule (so the audit sweep and `delta`
 * seeing the same permission record it once), in a scope per person who shared — so a folder of
 * 200 files shared in one go, or a morning of shares by one person, is one case within the pack's
 * aggregation window, not 200.
 *
 * The case carries the minimum a DSL needs: what was wrong, the link kind, the domains outside,
 * where the file is and who shared it. The file name and the rest are narrative, kept encrypted
 * with the case like any description.
 */
import { createHash } from 'node:crypto';
import type { Actor } from '../cases/case-events';
import type { OpenCaseInput } from '../cases/case-service';
import type { Signal } from '../intake/signal';
import type { Observation } from '../intake/signal-intake';
import type { SubjectType } from '../policy/policy-pack';
import { sharingKey, type SharingFinding, type SharingSignal } from './sharing-signal';

/** The automated actor on sharing cases. */
export const sharingMonitor: Actor = {
  id: 'system:sharing-monitor',
  name: 'OneDrive and SharePoint sharing',
};

const linkWords: Record<string, string> = {
  anonymous: 'an Anyone link',
  organization: 'a link for everyone in the college',
  users: 'a link for named people',
  existingAccess: 'a link for people with access',
};

export function sharingObservation(
  share: SharingSignal,
  findings: readonly SharingFinding[],
  externalDomains: readonly string[],
  sharer: { readonly type: SubjectType },
): Observation {
  const who = share.sharedBy?.id ?? share.personalDrive?.ownerId ?? share.driveId;
  const scope = createHash('sha256').update(`sharer:${who}`, 'utf8').digest('hex').slice(0, 40);
  const signals: Signal[] = findings.map((f) => ({
    kind: 'sharing',
    category: f.category,
    severity: f.severity,
    key: `${sharingKey(share)}:${f.rule}`,
    entry: `sharing.${f.rule}`,
    summary: f.summary,
    ...(share.itemUrl !== undefined && { link: share.itemUrl }),
  }));
  return {
    actor: sharingMonitor,
    scope,
    origin: sharingKey(share),
    signals,
    opening: (lead): OpenCaseInput => ({
      source: 'sharingSignal',
      ...routeOf(findings, lead),
      subjectType: sharer.type,
      subjectPart: 'acted',
      ...(share.sharedBy && { subjectId: share.sharedBy.id }),
      ...(share.sharedBy?.name !== undefined && { subjectName: share.sharedBy.name }),
      under18: 'unknown',
      category: lead.category,
      severity: lead.severity,
      description: describe(share, findings, externalDomains),
      occurredAt: share.sharedAt,
      platform: share.personalDrive ? 'OneDrive' : 'SharePoint',
      immediateRisk: false,
      signal: {
        kind: 'sharing',
        ...(lead.entry !== undefined && { entry: lead.entry }),
        conversation: scope,
        participantIds: share.sharedBy ? [share.sharedBy.id] : [],
      },
      ...(share.itemUrl !== undefined && { link: share.itemUrl }),
    }),
  };
}

/** What the DSL reads first: what is wrong, the file and where it is, the link, who is outside. */
function describe(
  share: SharingSignal,
  findings: readonly SharingFinding[],
  externalDomains: readonly string[],
): string {
  const where = [share.site.name, share.library].filter(Boolean).join(' / ') || 'a OneDrive';
  return [
    findings.map((f) => f.summary).join(' '),
    // Not "File: …": a card would read that as a file: address and defang it.
    `"${share.itemName}" in ${share.personalDrive ? 'a OneDrive' : where}.`,
    share.link ? `Shared with ${linkWords[share.link.scope] ?? 'a link'} (${share.link.type}).` : '',
    externalDomains.length > 0 ? `Outside domains: ${externalDomains.join(', ')}.` : '',
    share.sensitivityLabel ? `Sensitivity label: ${share.sensitivityLabel}.` : '',
  ]
    .filter(Boolean)
    .join(' ');
}

/** The route the leading finding's rule names, if it names one. */
function routeOf(findings: readonly SharingFinding[], lead: Signal): { route?: string } {
  const route = findings.find((f) => `sharing.${f.rule}` === lead.entry)?.route;
  return route === undefined ? {} : { route };
}
