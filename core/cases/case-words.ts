/**
 * Cases in words: what each value and each event of a case means to a person, in one place. The
 * case card, the admin CLI and the chat monitor all describe cases with these, so a DSL reads the
 * same sentence for the same event wherever they look.
 */
import type { PolicyPack, Severity, SubjectType } from '../policy/policy-pack';
import type { CaseEvent, CaseOutcome, DismissReason, SubjectPart } from './case-events';

export const severityText: Record<Severity, string> = {
  critical: 'Critical',
  high: 'High',
  medium: 'Medium',
  low: 'Low',
};

export const outcomeText: Record<CaseOutcome, string> = {
  resolvedInternally: 'Resolved internally',
  referredExternally: 'Referred to an external agency',
  sanctionApplied: 'Sanction applied',
  noFurtherAction: 'No further action',
  unfounded: 'Concern unfounded',
  notAConcern: 'Not a concern (monitoring flag dismissed)',
};

export const dismissReasonText: Record<DismissReason, string> = {
  innocentContext: 'innocent in context',
  banter: 'a joke between friends',
  alreadyKnown: 'already known and in hand',
  other: 'another reason',
};

export const subjectText: Record<SubjectType, string> = {
  learner: 'Learner',
  staff: 'Member of staff',
  visitor: 'Visitor',
  unknown: 'Not known',
};

export const subjectPartText: Record<SubjectPart, string> = {
  harmed: 'was harmed or put at risk',
  acted: 'did what is of concern',
  both: 'was harmed and also acted',
  unknown: 'part not yet known',
};

/** The names a pack gives its agencies and sanctions (a case's grid is its subject's). */
export function packNames(pack: PolicyPack, subjectType: SubjectType) {
  const grid = pack.sanctions[subjectType === 'staff' ? 'staff' : 'learner'];
  return {
    agency: (id: string) => pack.agencies.find((a) => a.id === id)?.name ?? id,
    sanction: (id: string) => grid?.actions.find((a) => a.id === id)?.name ?? id,
  };
}

/** One line for an event: who did what. Narrative is included and may be shortened to `clipAt`. */
export function describeEvent(e: CaseEvent, names: ReturnType<typeof packNames>, clipAt = Infinity): string {
  const who = e.actorName ?? 'Someone';
  const clip = (s: string, n = clipAt) => (s.length <= n ? s : `${s.slice(0, n - 1)}…`);
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
      return `${who} referred to ${names.agency(e.data.agency)}${e.narrative.reference ? ` (their reference ${clip(e.narrative.reference, 60)})` : ''}`;
    case 'parentInformed':
      return `${who} recorded contact with a parent or carer`;
    case 'sanctionRecorded':
      return `${who} recorded: ${names.sanction(e.data.sanction)}`;
    case 'closed':
      return `${who} closed the case: ${outcomeText[e.data.outcome].toLowerCase()}`;
    case 'reopened':
      return `${who} reopened the case`;
    case 'dismissed':
      return `${who} marked the flag not a concern: ${dismissReasonText[e.data.reason]}`;
    case 'signalAdded':
      return `${who}: ${clip(e.narrative.summary)}${e.narrative.excerpt ? ` "${clip(e.narrative.excerpt, Math.min(clipAt, 100))}"` : ''}`;
    case 'subjectPartSet':
      return `${who} recorded that the subject ${subjectPartText[e.data.to]}`;
    case 'retentionHoldSet':
      return e.data.held
        ? `${who} put the record on hold: it will not be deleted`
        : `${who} took the record off hold`;
    case 'accessRemoved': {
      const { removed, gone, failed } = e.data;
      const parts = [
        removed > 0
          ? `${who} removed the sharing (${removed} ${removed === 1 ? 'link or grant' : 'links or grants'})`
          : failed > 0
            ? `${who} tried to remove the sharing`
            : `${who} found the sharing already removed`,
        ...(gone > 0 ? [`${gone} already gone`] : []),
        ...(failed > 0
          ? [`${failed} could not be removed and ${failed === 1 ? 'is' : 'are'} still shared`]
          : []),
      ];
      return parts.join('; ');
    }
    case 'ownerAsked':
      return `${who} asked the owner to remove the sharing or say why it is needed`;
    case 'ownerAnswered':
      return e.data.answer === 'removed'
        ? `${who} (the owner) says they have removed the sharing`
        : `${who} (the owner) says the sharing is needed${e.narrative.reason ? `: ${clip(e.narrative.reason)}` : ''}`;
  }
}

/** What a person wrote on an event that its one-line description leaves out (the full record shows it). */
export function eventDetail(e: CaseEvent): string | undefined {
  switch (e.type) {
    case 'opened':
      return e.narrative.description;
    case 'parentInformed':
      return e.narrative.note;
    case 'severityChanged':
    case 'sanctionRecorded':
    case 'closed':
    case 'reopened':
    case 'dismissed':
    case 'subjectPartSet':
    case 'retentionHoldSet':
      return e.narrative.note;
    default:
      return undefined;
  }
}
