/**
 * The case card's actions: the ids of its inputs (the template takes them from here) and, for each
 * verb, how the submitted data — Teams merges the card's inputs into `data` — becomes a command,
 * with what the DSL is told when it does not. The contract names of docs/architecture.md are
 * accepted as well: `note` for a parent/carer contact and for a close.
 */
import { z } from 'zod';
import { closeOutcomes, dismissReasons, subjectParts } from '../../core/cases/case-events';
import type { CaseCommand } from '../../core/cases/case-state';
import { severities } from '../../core/policy/policy-pack';
import { verbs, type Verb } from '../verbs';

/** Input ids are unique across the card: each show-card's note has its own. */
export const caseInputs = {
  note: 'note',
  subjectPart: 'subjectPart',
  severity: 'severity',
  agency: 'agency',
  reference: 'reference',
  parentNote: 'parentNote',
  sanction: 'sanction',
  outcome: 'outcome',
  closeNote: 'closeNote',
  dismissReason: 'dismissReason',
  dismissNote: 'dismissNote',
  acceptReason: 'acceptReason',
} as const;

export type CaseVerb = Extract<Exclude<Verb, 'case.refresh'>, `case.${string}`>;

const text = (max: number) => z.string().trim().min(1).max(max);
const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .optional()
    .transform((s) => (s ? s : undefined));

type Data = Readonly<Record<string, unknown>>;
const note = (d: Data, ...ids: string[]) => {
  const value = ids.map((id) => d[id]).find((v) => typeof v === 'string' && v.trim() !== '');
  return optionalText(2000).parse(value);
};
const withNote = <T extends CaseCommand>(command: T, n: string | undefined): T =>
  n === undefined ? command : { ...command, note: n };

export const caseActions: Record<
  CaseVerb,
  { readonly parse: (d: Data) => CaseCommand; readonly problem: string }
> = {
  [verbs.caseClaim]: { parse: () => ({ kind: 'claim' }), problem: 'Check the form and try again.' },
  [verbs.caseSeverity]: {
    parse: (d) => ({ kind: 'setSeverity', severity: z.enum(severities).parse(d[caseInputs.severity]) }),
    problem: 'Choose a risk level.',
  },
  [verbs.caseNote]: {
    parse: (d) => ({ kind: 'addNote', note: text(4000).parse(d[caseInputs.note]) }),
    problem: 'Write the note before saving it.',
  },
  [verbs.caseRefer]: {
    parse: (d) => {
      const reference = optionalText(200).parse(d[caseInputs.reference]);
      return {
        kind: 'refer',
        agency: text(64).parse(d[caseInputs.agency]),
        ...(reference !== undefined && { reference }),
      };
    },
    problem: 'Choose the agency you referred to.',
  },
  [verbs.caseParentInformed]: {
    parse: (d) => ({
      kind: 'recordParentInformed',
      note: text(2000).parse(note(d, caseInputs.parentNote, caseInputs.note)),
    }),
    problem: 'Write who you spoke to and what was said.',
  },
  [verbs.caseSanction]: {
    parse: (d) => ({ kind: 'recordSanction', sanction: text(64).parse(d[caseInputs.sanction]) }),
    problem: 'Choose a sanction from the list.',
  },
  [verbs.caseClose]: {
    parse: (d) =>
      withNote(
        { kind: 'close', outcome: z.enum(closeOutcomes).parse(d[caseInputs.outcome]) },
        note(d, caseInputs.closeNote, caseInputs.note),
      ),
    problem: 'Choose an outcome before closing.',
  },
  [verbs.caseReopen]: {
    parse: (d) => withNote({ kind: 'reopen' }, note(d, caseInputs.note)),
    problem: 'Check the form and try again.',
  },
  [verbs.caseSubjectPart]: {
    parse: (d) => ({
      kind: 'setSubjectPart',
      subjectPart: z.enum(subjectParts).parse(d[caseInputs.subjectPart]),
    }),
    problem: "Choose the subject's part: harmed, acted, both or not known.",
  },
  [verbs.caseDismiss]: {
    parse: (d) =>
      withNote(
        { kind: 'dismiss', reason: z.enum(dismissReasons).parse(d[caseInputs.dismissReason] ?? d['reason']) },
        note(d, caseInputs.dismissNote, caseInputs.note),
      ),
    problem: 'Say why it is not a concern.',
  },
  [verbs.caseHold]: {
    parse: (d) => ({ kind: 'setRetentionHold', held: z.enum(['on', 'off']).parse(d['hold']) === 'on' }),
    problem: 'Refresh the card and try again.',
  },
};

export function isCaseVerb(verb: unknown): verb is CaseVerb {
  return typeof verb === 'string' && verb in caseActions;
}
