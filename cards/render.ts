/**
 * Card rendering: core state → template data → Adaptive Card JSON (version 1.5, adaptivecards-templating).
 * Handlers never assemble cards inline; every card the bot sends comes from here.
 */
import * as ACData from 'adaptivecards-templating';
import type { CaseEvent } from '../core/cases/case-events';
import { closeOutcomes } from '../core/cases/case-events';
import type { CaseState } from '../core/cases/case-state';
import { severities, type PolicyPack, type Severity } from '../core/policy/policy-pack';
import { findCategory, suggestedSanctions } from '../core/policy/routing';
import type { OpsNotice } from '../core/outbox/outbox';
import { reportFields, type ReportErrors, type ReportValues } from '../core/reports/report-form';
import caseCardTemplate from './templates/case-card.json';
import messageTemplate from './templates/message.json';
import receiptTemplate from './templates/receipt.json';
import reportFormTemplate from './templates/report-form.json';
import { verbs } from './verbs';

export type AdaptiveCard = { readonly type: 'AdaptiveCard'; readonly version: string } & Record<
  string,
  unknown
>;

function expand(template: object, data: object): AdaptiveCard {
  return new ACData.Template(template).expand({ $root: data }) as AdaptiveCard;
}

const severityText: Record<Severity, string> = {
  critical: 'Critical',
  high: 'High',
  medium: 'Medium',
  low: 'Low',
};
const severityColor: Record<Severity, string> = {
  critical: 'Attention',
  high: 'Attention',
  medium: 'Warning',
  low: 'Good',
};
const outcomeText: Record<(typeof closeOutcomes)[number], string> = {
  resolvedInternally: 'Resolved internally',
  referredExternally: 'Referred to an external agency',
  sanctionApplied: 'Sanction applied',
  noFurtherAction: 'No further action',
  unfounded: 'Concern unfounded',
};
const subjectText = {
  learner: 'Learner',
  staff: 'Member of staff',
  visitor: 'Visitor',
  unknown: 'Not known',
} as const;

const londonTime = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/London',
  day: 'numeric',
  month: 'short',
  hour: '2-digit',
  minute: '2-digit',
});
/** `23 Nov, 09:00` in UK time: staff and DSLs read local time. */
export function ukTime(iso: string): string {
  return londonTime.format(new Date(iso));
}

function minutesText(m: number): string {
  if (m < 60) return `${m} minutes`;
  if (m < 24 * 60) return `${Math.round(m / 60)} hour${m >= 120 ? 's' : ''}`;
  return `${Math.round(m / (24 * 60))} day${m >= 48 * 60 ? 's' : ''}`;
}

export interface ReportFormOptions {
  readonly values?: ReportValues;
  readonly errors?: ReportErrors;
  /** `execute` in chat (Universal Actions); `submit` inside a message-extension dialog. */
  readonly mode?: 'execute' | 'submit';
  /** Where a pre-filled report came from, shown to the reporter. */
  readonly source?: string;
}

export function reportFormCard(pack: PolicyPack, options: ReportFormOptions = {}): AdaptiveCard {
  const values = Object.fromEntries(
    reportFields.map((f) => [f, options.values?.[f] ?? (f === 'immediateRisk' ? 'false' : '')]),
  );
  const execute = (options.mode ?? 'execute') === 'execute';
  return expand(reportFormTemplate, {
    values,
    errors: options.errors ?? {},
    hasErrors: Object.keys(options.errors ?? {}).length > 0,
    source: options.source ?? '',
    areas: pack.taxonomy.map((a) => ({ title: a.name, value: a.area })),
    items: pack.taxonomy.flatMap((a) =>
      a.items.map((i) => ({ title: `${capitalise(a.area)}: ${i.name}`, value: i.id })),
    ),
    imageCategories:
      pack.taxonomy
        .flatMap((a) => a.items.filter((i) => i.sexualImagery).map((i) => i.name.toLowerCase()))
        .join('; ') || 'any',
    execute,
    verb: verbs.incidentSubmit,
    submitData: execute ? {} : { verb: verbs.incidentSubmit },
  });
}

export function receiptCard(state: CaseState, pack: PolicyPack): AdaptiveCard {
  const item = findCategory(pack, state.category);
  return expand(receiptTemplate, {
    reference: state.reference,
    routeName: pack.routes[state.route]?.displayName ?? 'the safeguarding team',
    severity: severityText[state.severity],
    target: minutesText(pack.responseTargets.claimWithinMinutes[state.severity]),
    sexualImagery: item?.sexualImagery ?? false,
    immediateRisk: state.immediateRisk,
  });
}

export interface CaseCardOptions {
  /** A message for the person who acted, such as why their action was refused. */
  readonly notice?: { readonly text: string; readonly tone: 'info' | 'warning' };
}

/** How many chronology entries the card shows; the full record is in `esafety cases show`. */
const recentCount = 3;

export function caseCard(
  state: CaseState,
  events: readonly CaseEvent[],
  pack: PolicyPack,
  options: CaseCardOptions = {},
): AdaptiveCard {
  const item = findCategory(pack, state.category);
  const agencyName = (id: string) => pack.agencies.find((a) => a.id === id)?.name ?? id;
  const grid = pack.sanctions[state.subjectType === 'staff' ? 'staff' : 'learner'];
  const sanctionName = (id: string) => grid?.actions.find((a) => a.id === id)?.name ?? id;
  const isOpen = state.status !== 'closed';
  const facts = [
    {
      title: 'Subject',
      value: `${subjectText[state.subjectType]}${state.narrative.subjectName ? `: ${state.narrative.subjectName}` : ''}${state.under18 === 'yes' ? ' (under 18)' : state.under18 === 'unknown' ? ' (age not known)' : ''}`,
    },
    {
      title: 'Reported by',
      value: `${state.narrative.reporterName ?? 'Automated signal'}, ${ukTime(state.openedAt)}`,
    },
    {
      title: 'Assigned to',
      value: state.assigneeId ? (state.narrative.assigneeName ?? 'a DSL') : 'Not yet claimed',
    },
    ...(state.immediateRisk ? [{ title: 'Immediate risk', value: 'Yes' }] : []),
    ...(state.referrals.length
      ? [{ title: 'Referred to', value: state.referrals.map(agencyName).join(', ') }]
      : []),
    ...(state.parentInformed ? [{ title: 'Parent/carer', value: 'Informed' }] : []),
    ...(state.sanctions.length
      ? [{ title: 'Sanctions', value: state.sanctions.map(sanctionName).join(', ') }]
      : []),
    ...(state.outcome ? [{ title: 'Outcome', value: outcomeText[state.outcome] }] : []),
  ];
  const status =
    state.status === 'open'
      ? 'Open, not yet claimed'
      : state.status === 'inProgress'
        ? 'In progress'
        : `Closed ${state.closedAt ? ukTime(state.closedAt) : ''}`;
  return expand(caseCardTemplate, {
    caseId: state.id,
    reference: state.reference,
    categoryName: item?.name ?? state.category,
    severity: state.severity,
    severityText: severityText[state.severity],
    severityColor: severityColor[state.severity],
    statusLine: `${status} · ${capitalise(state.area)} · ${pack.routes[state.route]?.displayName ?? state.route}`,
    notice: options.notice?.text ?? '',
    noticeStyle: options.notice?.tone === 'warning' ? 'warning' : 'accent',
    summary: state.narrative.summary,
    // Only a Teams message link (automated signals); anything else is not rendered as a link.
    link: state.narrative.link?.startsWith('https://teams.microsoft.com/') ? state.narrative.link : '',
    facts,
    recent: events
      .filter((e) => e.type !== 'opened')
      .slice(-recentCount)
      .map((e) => ({ when: ukTime(e.at), text: describe(e, agencyName, sanctionName) })),
    suggestions: isOpen
      ? suggestedSanctions(pack, state.subjectType === 'staff' ? 'staff' : 'learner', state.category).map(
          (s) => `${s.behaviour}: ${s.actions.join(', ')}`,
        )
      : [],
    isOpen,
    canClaim: isOpen && state.assigneeId === undefined,
    showParent: isOpen && state.under18 !== 'no',
    severityChoices: severities.map((s) => ({ title: severityText[s], value: s })),
    agencies: pack.agencies.map((a) => ({ title: a.name, value: a.id })),
    sanctions: grid?.actions.map((a) => ({ title: a.name, value: a.id })) ?? [],
    outcomes: closeOutcomes.map((o) => ({ title: outcomeText[o], value: o })),
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
    },
  });
}

function describe(
  e: CaseEvent,
  agencyName: (id: string) => string,
  sanctionName: (id: string) => string,
): string {
  const who = e.actorName ?? 'Someone';
  switch (e.type) {
    case 'opened':
      return `${who} reported the concern`;
    case 'claimed':
      return `${who} claimed the case`;
    case 'severityChanged':
      return `${who} changed the risk level to ${severityText[e.data.to].toLowerCase()}`;
    case 'noteAdded':
      return `${who}: ${clip(e.narrative.note)}`;
    case 'referred':
      return `${who} referred to ${agencyName(e.data.agency)}`;
    case 'parentInformed':
      return `${who} recorded contact with a parent or carer`;
    case 'sanctionRecorded':
      return `${who} recorded: ${sanctionName(e.data.sanction)}`;
    case 'closed':
      return `${who} closed the case: ${outcomeText[e.data.outcome].toLowerCase()}`;
    case 'reopened':
      return `${who} reopened the case`;
    case 'signalAdded':
      return `${who}: ${clip(e.narrative.summary)}${e.narrative.excerpt ? ` "${clip(e.narrative.excerpt, 100)}"` : ''}`;
  }
}

export function messageCard(
  title: string,
  lines: readonly string[],
  options: { tone?: 'default' | 'attention'; ref?: string } = {},
): AdaptiveCard {
  return expand(messageTemplate, {
    title,
    lines,
    color: options.tone === 'attention' ? 'Attention' : 'Default',
    ref: options.ref ?? '',
  });
}

const opsNotices: Record<OpsNotice, { title: string; lines: string[] }> = {
  signalPoisoned: {
    title: 'A monitoring signal could not be processed',
    lines: [
      'One or more Microsoft Teams notifications failed five times and were set aside (the graph-notifications-poison queue).',
      'They may hold safeguarding signals. Ask IT to follow the runbook (docs/runbook.md, "Poisoned notifications") and replay them.',
      'While this keeps happening, this card is posted at most once an hour.',
    ],
  },
};

/** What a reporter is told when their concern moves: the reference only, never detail. */
export function reporterNotice(reference: string, change: 'claimed' | 'closed'): string {
  return change === 'claimed'
    ? `Your concern ${reference} has been picked up by the safeguarding team.`
    : `Your concern ${reference} has been closed. Thank you for reporting it.`;
}

/** A notice for a route's channel that something needs an operator. */
export function opsNoticeCard(notice: OpsNotice): AdaptiveCard {
  const { title, lines } = opsNotices[notice];
  return messageCard(title, lines, { tone: 'attention' });
}

export function helpCard(pack: PolicyPack): AdaptiveCard {
  return messageCard(`E-Safety for Teams — ${pack.organisation.name}`, [
    'Type **report** to report an e-safety concern to the safeguarding team. On any message, use **…** → **Report this message**.',
    'Never promise confidentiality. If someone is in immediate danger, call 999 first.',
    'Safeguarding team members: type **cases** to see open cases you can act on.',
  ]);
}

function clip(s: string, n = 140): string {
  return s.length <= n ? s : `${s.slice(0, n - 1)}…`;
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
