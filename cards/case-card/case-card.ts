/**
 * The live case card in a route's channel (Universal Actions, `Action.Execute`): what the case is,
 * who has it, the last entries of its chronology, and the actions a DSL may take. Every piece of
 * text from a person or from Graph goes through `plain`; the only link is a Teams message link the
 * product checked and rebuilt.
 */
import type { CaseEvent } from '../../core/cases/case-events';
import { closeOutcomes, dismissReasons, subjectParts } from '../../core/cases/case-events';
import { actedSubject, type CaseState } from '../../core/cases/case-state';
import { purgeDueAt } from '../../core/cases/retention-purge';
import {
  describeEvent,
  dismissReasonText,
  outcomeText,
  packNames,
  severityText,
  subjectPartText,
  subjectText,
} from '../../core/cases/case-words';
import { severities, type PolicyPack, type Severity } from '../../core/policy/policy-pack';
import { retentionFor } from '../../core/policy/retention';
import { findCategory, suggestedSanctions } from '../../core/policy/routing';
import { capitalise, expand, ukMonth, ukTime, type AdaptiveCard } from '../adaptive-card';
import { plain } from '../markdown';
import { verbs } from '../verbs';
import { caseInputs } from './case-actions';
import template from './case-card.json';

export interface CaseCardOptions {
  /** A message for the person who acted, such as why their action was refused. */
  readonly notice?: { readonly text: string; readonly tone: 'info' | 'warning' };
}

const severityColor: Record<Severity, string> = {
  critical: 'Attention',
  high: 'Attention',
  medium: 'Warning',
  low: 'Good',
};

const subjectPartChoice: Record<(typeof subjectParts)[number], string> = {
  harmed: 'Harmed or put at risk',
  acted: 'Did what is of concern',
  both: 'Both harmed and acted',
  unknown: 'Not known yet',
};

/** How many chronology entries the card shows; the full record is in `esafety cases show`. */
const recentCount = 3;

export function caseCard(
  state: CaseState,
  events: readonly CaseEvent[],
  pack: PolicyPack,
  options: CaseCardOptions = {},
): AdaptiveCard {
  const item = findCategory(pack, state.category);
  const names = packNames(pack, state.subjectType);
  const grid = pack.sanctions[state.subjectType === 'staff' ? 'staff' : 'learner'];
  const isOpen = state.status !== 'closed';
  const acted = actedSubject(state);
  const age = state.under18 === 'yes' ? ' (under 18)' : state.under18 === 'unknown' ? ' (age not known)' : '';
  const facts = [
    {
      title: 'Subject',
      value: `${subjectText[state.subjectType]}${state.narrative.subjectName ? `: ${plain(state.narrative.subjectName)}` : ''}${age}; ${subjectPartText[state.subjectPart]}`,
    },
    {
      title: 'Reported by',
      value: `${plain(state.narrative.reporterName ?? 'Automated signal')}, ${ukTime(state.openedAt)}`,
    },
    {
      title: 'Assigned to',
      value: state.assigneeId ? plain(state.narrative.assigneeName ?? 'a DSL') : 'Not yet claimed',
    },
    ...(state.immediateRisk ? [{ title: 'Immediate risk', value: 'Yes' }] : []),
    ...(state.source === 'sharingSignal'
      ? [{ title: 'Files shared', value: String(filesShared(events)) }]
      : []),
    ...(state.referrals.length
      ? [{ title: 'Referred to', value: state.referrals.map(names.agency).join(', ') }]
      : []),
    ...(state.parentInformed ? [{ title: 'Parent/carer', value: 'Informed' }] : []),
    ...(state.sanctions.length
      ? [{ title: 'Sanctions', value: state.sanctions.map(names.sanction).join(', ') }]
      : []),
    ...(state.outcome ? [{ title: 'Outcome', value: outcomeText[state.outcome] }] : []),
    ...(state.retentionHold || state.closedAt
      ? [{ title: 'Record kept', value: keptText(state, pack) }]
      : []),
  ];
  const status =
    state.status === 'open'
      ? 'Open, not yet claimed'
      : state.status === 'inProgress'
        ? 'In progress'
        : `Closed ${state.closedAt ? ukTime(state.closedAt) : ''}`;
  return expand(template, {
    caseId: state.id,
    reference: state.reference,
    categoryName: item?.name ?? state.category,
    severity: state.severity,
    severityText: severityText[state.severity],
    severityColor: severityColor[state.severity],
    statusLine: `${status} · ${capitalise(state.area)} · ${pack.routes[state.route]?.displayName ?? state.route}`,
    notice: options.notice ? plain(options.notice.text) : '',
    noticeStyle: options.notice?.tone === 'warning' ? 'warning' : 'accent',
    summary: plain(state.narrative.summary),
    link: safeLink(state.narrative.link) ?? '',
    linkText:
      state.source === 'sharingSignal' ? 'Open the file in Microsoft 365' : 'Open the message in Teams',
    facts,
    recent: events
      .filter((e) => e.type !== 'opened')
      .slice(-recentCount)
      .map((e) => ({ when: ukTime(e.at), text: plain(describeEvent(e, names, 140)) })),
    // Never against the person who was harmed: only a subject who acted.
    suggestions:
      isOpen && acted
        ? suggestedSanctions(pack, state.subjectType === 'staff' ? 'staff' : 'learner', state.category).map(
            (s) => `${s.behaviour}: ${s.actions.join(', ')}`,
          )
        : [],
    isOpen,
    canClaim: isOpen && state.assigneeId === undefined,
    showParent: isOpen && state.under18 !== 'no',
    showSanctions: acted && (grid?.actions.length ?? 0) > 0,
    subjectPart: state.subjectPart,
    subjectPartChoices: subjectParts.map((p) => ({ title: subjectPartChoice[p], value: p })),
    severityChoices: severities.map((s) => ({ title: severityText[s], value: s })),
    agencies: pack.agencies.map((a) => ({ title: a.name, value: a.id })),
    sanctions: grid?.actions.map((a) => ({ title: a.name, value: a.id })) ?? [],
    outcomes: closeOutcomes.map((o) => ({ title: outcomeText[o], value: o })),
    canDismiss: isOpen && state.source !== 'staffReport',
    showSharing: isOpen && state.source === 'sharingSignal',
    sharingLine: sharingLine(state, pack),
    canRemoveAccess: pack.sharing.removeAccess,
    // A card takes five actions: an unclaimed sharing case's Claim and Sharing… leave no room for
    // Refresh (Teams refreshes the card itself, and any action on it shows it as it is now).
    showRefresh: !(isOpen && state.source === 'sharingSignal' && state.assigneeId === undefined),
    canAskOwner:
      state.subjectId !== undefined && !(state.owner?.asked === true && state.owner.answer === undefined),
    dismissChoices: dismissReasons.map((r) => ({ title: capitalise(dismissReasonText[r]), value: r })),
    holdTitle: state.retentionHold ? 'Release the hold on this record' : 'Hold this record (never delete)',
    holdNext: state.retentionHold ? 'off' : 'on',
    inputs: caseInputs,
    verbs: {
      claim: verbs.caseClaim,
      note: verbs.caseNote,
      severity: verbs.caseSeverity,
      refer: verbs.caseRefer,
      parentInformed: verbs.caseParentInformed,
      sanction: verbs.caseSanction,
      close: verbs.caseClose,
      reopen: verbs.caseReopen,
      refresh: verbs.caseRefresh,
      subjectPart: verbs.caseSubjectPart,
      hold: verbs.caseHold,
      dismiss: verbs.caseDismiss,
      removeAccess: verbs.sharingRemoveAccess,
      askOwner: verbs.sharingAskOwner,
      accept: verbs.sharingAccept,
    },
  });
}

function keptText(state: CaseState, pack: PolicyPack): string {
  const due = purgeDueAt(state, pack);
  if (!due) return 'On hold: it will not be deleted';
  const { months } = retentionFor(pack, state);
  return `Until ${ukMonth(due)} (${months} months after closing), unless a DSL holds it`;
}

/** How many files a sharing case's shares are on (each signal links to its file). */
function filesShared(events: readonly CaseEvent[]): number {
  const links = new Set<string>();
  for (const e of events) {
    const link = e.type === 'opened' || e.type === 'signalAdded' ? e.narrative.link : undefined;
    if (link) links.add(link);
  }
  return Math.max(links.size, 1);
}

/** Where a sharing case stands: what the owner said, and whether the app may remove the sharing. */
function sharingLine(state: CaseState, pack: PolicyPack): string {
  const owner = !state.owner?.asked
    ? 'The owner has not been asked.'
    : state.owner.answer === 'removed'
      ? 'The owner says they have removed the sharing.'
      : state.owner.answer === 'needed'
        ? 'The owner says the sharing is needed (see the record).'
        : 'The owner has been asked and has not answered yet.';
  return pack.sharing.removeAccess
    ? owner
    : `${owner} Removing sharing from here is off in the policy: the owner or IT removes it.`;
}

/**
 * A link to the flagged Teams message or shared file, rebuilt from its parts: only https on
 * teams.microsoft.com or a SharePoint host, with nothing in it that could end the Markdown link
 * early. Anything else is not rendered.
 */
function safeLink(link: string | undefined): string | undefined {
  if (!link) return undefined;
  let url: URL;
  try {
    url = new URL(link);
  } catch {
    return undefined;
  }
  const host = url.hostname.toLowerCase();
  const known = host === 'teams.microsoft.com' || host.endsWith('.sharepoint.com');
  if (url.protocol !== 'https:' || !known || url.username || url.password) return undefined;
  return url.href.replace(/[()<> [\]]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
