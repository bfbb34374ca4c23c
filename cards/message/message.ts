/** Short message cards: help, refusals and errors, operator notices; and the reporter's notice text. */
import type { OpsNotice } from '../../core/outbox/outbox';
import type { PolicyPack } from '../../core/policy/policy-pack';
import { expand, type AdaptiveCard } from '../adaptive-card';
import { plain } from '../markdown';
import { verbs, type Verb } from '../verbs';
import template from './message.json';

/**
 * A titled card of lines. Lines are Markdown the product wrote; any text from a person or from
 * Graph inside them must go through `plain` first (`plainLines` does that for whole lines).
 */
export function messageCard(
  title: string,
  lines: readonly string[],
  options: { tone?: 'default' | 'attention'; ref?: string; actions?: readonly CardButton[] } = {},
): AdaptiveCard {
  return expand(template, {
    title,
    lines,
    color: options.tone === 'attention' ? 'Attention' : 'Default',
    ref: options.ref ?? '',
    actions: options.actions ?? [],
  });
}

/** A button on a message card: an Action.Execute with a verb of cards/verbs.ts. */
export interface CardButton {
  readonly title: string;
  readonly verb: Verb;
  readonly data: Readonly<Record<string, string>>;
}

/** Lines that are plain text (an error message naming a person, say): shown as written, inert. */
export function plainLines(lines: readonly string[]): string[] {
  return lines.map(plain);
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

/** A notice for a route's channel that something needs an operator. */
export function opsNoticeCard(notice: OpsNotice): AdaptiveCard {
  const { title, lines } = opsNotices[notice];
  return messageCard(title, lines, { tone: 'attention' });
}

/** What a purged case's card becomes: the reference and that the record was deleted, nothing more. */
export function retiredCaseCard(reference: string): AdaptiveCard {
  return messageCard(`${reference}: record deleted`, [
    'This case was closed, and its record has been deleted at the end of its retention period under the policy.',
    'The deletion is recorded in the purge log (npx esafety cases purged).',
  ]);
}

/** What a reporter is told when their concern moves: the reference only, never detail. */
export function reporterNotice(reference: string, change: 'claimed' | 'closed'): string {
  return change === 'claimed'
    ? `Your concern ${reference} has been picked up by the safeguarding team.`
    : `Your concern ${reference} has been closed. Thank you for reporting it.`;
}

export function helpCard(pack: PolicyPack): AdaptiveCard {
  return messageCard(
    `E-Safety for Teams — ${plain(pack.organisation.name)}`,
    [
      'Type **report** to report an e-safety concern to the safeguarding team. On any message, use **…** → **Report this message**.',
      'Never promise confidentiality. If someone is in immediate danger, call 999 first.',
      'Before using a new app, platform or online tool with learners, type **assess** to risk-assess it for approval (you can stop and carry on later).',
      'Tutors: in your class team, type **@E-Safety quiz** to run the e-safety induction quiz; **quiz results** shows who has passed.',
      'Safeguarding team members: type **cases** to see open cases you can act on; **quiz assign staff-refresher tutors** sends the staff refresher to a group.',
    ],
    {
      actions: pack.assessment.questionnaires.map((q) => ({
        title: q.id === 'technology' ? 'Risk-assess a new tool' : `Assess: ${q.title}`,
        verb: verbs.assessmentStart,
        data: { questionnaireId: q.id },
      })),
    },
  );
}
