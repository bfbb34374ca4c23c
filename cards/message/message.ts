/** Short message cards: help, refusals and errors, operator notices; and the reporter's notice text. */
import type { NoticeView } from '../../core/outbox/outbox';
import type { PolicyPack } from '../../core/policy/policy-pack';
import { expand, ukTime, type AdaptiveCard } from '../adaptive-card';
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

/**
 * A notice for a route's channel that monitoring work waits, and the same card once it no longer
 * does. Counts and times only: never content, names or ids.
 */
export function opsNoticeCard(view: NoticeView): AdaptiveCard {
  const n = view.count ?? 1;
  const notifications = n === 1 ? 'notification' : 'notifications';
  if (view.notice === 'signalsReplayed')
    return messageCard('Monitoring notifications replayed: nothing is waiting', [
      `The Microsoft Teams ${notifications} that could not be processed ${n === 1 ? 'has' : 'have'} been put back for processing now that the service answers${view.at ? ` (${ukTime(view.at)})` : ''}.`,
      'Any case they hold appears in this channel as usual, within minutes. If one fails again, a new card says so.',
    ]);
  if (view.notice === 'signalsStuck')
    return messageCard(
      'Monitoring notifications need IT',
      [
        `${n} Microsoft Teams ${notifications} could not be processed${view.at ? ` (the oldest since ${ukTime(view.at)})` : ''}, even after being tried again over several hours. They may hold safeguarding signals.`,
        'They will not be tried again on their own: ask IT to follow the runbook (docs/runbook.md, "Outages and poisoned messages") today.',
      ],
      { tone: 'attention' },
    );
  return messageCard(
    'Monitoring notifications are waiting',
    [
      `${n} Microsoft Teams ${notifications} could not be processed, because Microsoft Graph or storage was not answering${view.at ? `, since ${ukTime(view.at)}` : ''}. They may hold safeguarding signals.`,
      'They are tried again automatically every 15 minutes once the service answers, and this card will say when that is done.',
      'If it still says waiting after an hour, ask IT to follow the runbook (docs/runbook.md, "Poisoned notifications").',
    ],
    { tone: 'attention' },
  );
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
