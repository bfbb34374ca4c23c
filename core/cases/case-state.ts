/**
 * A case's current state: a pure fold of its events (`evolve`), and the rules for what may happen
 * next (`decide`). Both are pure functions so they are tested exhaustively without storage.
 */
import { fail } from '../errors';
import type { PolicyPack, Severity, SubjectType } from '../policy/policy-pack';
import { severities } from '../policy/policy-pack';
import { severityRank } from '../policy/routing';
import type { Signal } from '../intake/signal';
import type {
  Actor,
  CaseEvent,
  CaseEventBody,
  CaseSource,
  CaseOutcome,
  CloseOutcome,
  DismissReason,
  OwnerAnswer,
  SubjectPart,
  Under18,
} from './case-events';
import { closeOutcomes, dismissReasons, ownerAnswers, signalKeyHash, subjectParts } from './case-events';

export type CaseStatus = 'open' | 'inProgress' | 'closed';

export interface CaseState {
  readonly id: string;
  readonly reference: string;
  readonly source: CaseSource;
  readonly route: string;
  readonly area: string;
  readonly category: string;
  readonly severity: Severity;
  readonly status: CaseStatus;
  readonly subjectType: SubjectType;
  readonly subjectId?: string;
  readonly under18: Under18;
  /** Whether the subject was harmed, acted, or both: sanctions concern only a subject who acted. */
  readonly subjectPart: SubjectPart;
  readonly immediateRisk: boolean;
  /** A DSL's hold: the case is kept whatever its retention period. */
  readonly retentionHold: boolean;
  readonly reporterId: string;
  readonly assigneeId?: string;
  readonly openedAt: string;
  readonly updatedAt: string;
  readonly closedAt?: string;
  readonly outcome?: CaseOutcome;
  readonly referrals: readonly string[];
  readonly parentInformed: boolean;
  readonly sanctions: readonly string[];
  /** A sharing case: whether the owner was asked, and what they answered. */
  readonly owner?: { readonly asked: boolean; readonly answer?: OwnerAnswer };
  /** Hashed keys of every inbound signal recorded on the case: a repeat is recognised and ignored. */
  readonly signalKeys: readonly string[];
  /** Number of events: the version the next commit must build on. */
  readonly version: number;
  readonly lastHash: string;
  /** Encrypted at rest. */
  readonly narrative: {
    readonly subjectName?: string;
    readonly reporterName?: string;
    readonly assigneeName?: string;
    readonly summary: string;
    /** Where an automated signal was seen (a Teams message link). */
    readonly link?: string;
  };
}

/** The longest summary a case card shows; the full description stays in the chronology. */
const summaryLength = 280;

export function evolve(state: CaseState | undefined, event: CaseEvent): CaseState {
  const base = { version: event.seq, lastHash: event.hash, updatedAt: event.at };
  if (event.type === 'opened') {
    const d = event.data;
    return {
      id: event.caseId,
      reference: d.reference,
      source: d.source,
      route: d.route,
      area: d.area,
      category: d.category,
      severity: d.severity,
      status: 'open',
      subjectType: d.subjectType,
      ...(d.subjectId !== undefined && { subjectId: d.subjectId }),
      under18: d.under18,
      subjectPart: d.subjectPart ?? 'unknown',
      immediateRisk: d.immediateRisk,
      retentionHold: false,
      reporterId: event.actorId,
      openedAt: event.at,
      referrals: [],
      parentInformed: false,
      sanctions: [],
      signalKeys: [d.signalKey],
      narrative: {
        ...(event.narrative.subjectName !== undefined && { subjectName: event.narrative.subjectName }),
        ...(event.actorName !== undefined && { reporterName: event.actorName }),
        summary: truncate(event.narrative.description, summaryLength),
        ...(event.narrative.link !== undefined && { link: event.narrative.link }),
      },
      ...base,
    };
  }
  if (!state)
    return fail('STORAGE_FAILED', 'chronology does not start with an opened event', { seq: event.seq });
  switch (event.type) {
    case 'claimed':
      return { ...assignTo(state, event), ...base };
    case 'severityChanged':
      return { ...state, ...base, severity: event.data.to };
    case 'noteAdded':
    case 'parentInformed':
      return { ...state, ...base, parentInformed: state.parentInformed || event.type === 'parentInformed' };
    case 'referred':
      return { ...state, ...base, referrals: [...state.referrals, event.data.agency] };
    case 'sanctionRecorded':
      return { ...state, ...base, sanctions: [...state.sanctions, event.data.sanction] };
    case 'closed':
      return { ...state, ...base, status: 'closed', closedAt: event.at, outcome: event.data.outcome };
    case 'dismissed':
      return { ...state, ...base, status: 'closed', closedAt: event.at, outcome: 'notAConcern' };
    case 'signalAdded':
      return {
        ...state,
        ...base,
        severity:
          severityRank(event.data.severity) > severityRank(state.severity)
            ? event.data.severity
            : state.severity,
        signalKeys: [...state.signalKeys, event.data.signalKey],
      };
    case 'reopened': {
      const { closedAt: _c, outcome: _o, ...rest } = state;
      return { ...assignTo(rest, event), ...base };
    }
    case 'subjectPartSet':
      return { ...state, ...base, subjectPart: event.data.to };
    case 'retentionHoldSet':
      return { ...state, ...base, retentionHold: event.data.held };
    case 'accessRemoved':
      return { ...state, ...base };
    case 'ownerAsked':
      // A new question: any earlier answer was to the earlier one.
      return { ...state, ...base, owner: { asked: true } };
    case 'ownerAnswered':
      return { ...state, ...base, owner: { asked: true, answer: event.data.answer } };
  }
}

/** The event's actor becomes the assignee; a previous assignee's name never lingers. */
function assignTo(state: CaseState, event: CaseEvent): CaseState {
  const { assigneeName: _previous, ...narrative } = state.narrative;
  return {
    ...state,
    status: 'inProgress',
    assigneeId: event.actorId,
    narrative: { ...narrative, ...(event.actorName !== undefined && { assigneeName: event.actorName }) },
  };
}

export function fold(events: readonly CaseEvent[]): CaseState | undefined {
  return events.reduce<CaseState | undefined>(evolve, undefined);
}

/** What someone asks to do to a case (validated input, from a card or the CLI). */
export type CaseCommand =
  | { kind: 'claim' }
  | { kind: 'setSeverity'; severity: Severity; note?: string }
  | { kind: 'addNote'; note: string }
  | { kind: 'refer'; agency: string; reference?: string }
  | { kind: 'recordParentInformed'; note: string }
  | { kind: 'recordSanction'; sanction: string; note?: string }
  | { kind: 'close'; outcome: CloseOutcome; note?: string }
  | { kind: 'reopen'; note?: string }
  | { kind: 'setSubjectPart'; subjectPart: SubjectPart; note?: string }
  | { kind: 'setRetentionHold'; held: boolean; note?: string }
  | { kind: 'dismiss'; reason: DismissReason; note?: string }
  | { kind: 'recordAccessRemoval'; removed: number; gone: number; failed: number }
  | { kind: 'askOwner' }
  | { kind: 'answerAsOwner'; answer: OwnerAnswer; reason?: string };

/**
 * Decides the event a command produces on the current state, or refuses it with a coded error.
 * Called again on fresh state after a concurrent write, so a claim that lost the race is refused
 * ("already claimed by …") while a note that lost it is simply appended after the winner.
 */
export function decide(
  state: CaseState,
  command: CaseCommand,
  actor: Actor,
  pack: PolicyPack,
): CaseEventBody {
  const refuse = (reason: string, message: string): never =>
    fail('CASE_TRANSITION_REFUSED', message, { caseId: state.id, reason, status: state.status });
  const notClosed = () => {
    if (state.status === 'closed')
      fail('CASE_CLOSED', `Case ${state.reference} is closed; reopen it first.`, { caseId: state.id });
  };
  const none = {} as Record<string, never>;
  const sharingCase = () => {
    if (state.source !== 'sharingSignal') refuse('notSharing', 'That is only for a case about sharing.');
  };

  switch (command.kind) {
    case 'claim':
      notClosed();
      if (state.assigneeId === actor.id)
        refuse('alreadyYours', `You have already claimed ${state.reference}.`);
      if (state.assigneeId !== undefined) {
        refuse(
          'alreadyClaimed',
          `Case ${state.reference} has already been claimed by ${state.narrative.assigneeName ?? 'another DSL'}.`,
        );
      }
      return { type: 'claimed', data: none, narrative: none };
    case 'setSeverity':
      notClosed();
      if (!severities.includes(command.severity))
        refuse('unknownSeverity', `Unknown severity "${command.severity}".`);
      if (command.severity === state.severity)
        refuse('unchanged', `Case ${state.reference} is already ${state.severity}.`);
      return {
        type: 'severityChanged',
        data: { from: state.severity, to: command.severity },
        narrative: optional({ note: command.note }),
      };
    case 'addNote':
      notClosed();
      return { type: 'noteAdded', data: none, narrative: { note: command.note } };
    case 'refer':
      notClosed();
      if (!pack.agencies.some((a) => a.id === command.agency))
        refuse('unknownAgency', `"${command.agency}" is not an agency in the policy.`);
      return {
        type: 'referred',
        data: { agency: command.agency },
        narrative: optional({ reference: command.reference }),
      };
    case 'recordParentInformed':
      notClosed();
      if (state.under18 === 'no') refuse('adultSubject', 'The subject of this case is not under 18.');
      return { type: 'parentInformed', data: none, narrative: { note: command.note } };
    case 'recordSanction': {
      notClosed();
      if (!actedSubject(state))
        refuse(
          'subjectNotActed',
          state.subjectPart === 'harmed'
            ? 'The subject of this case was harmed: sanctions are never recorded against them.'
            : "Record the subject's part first: sanctions apply only to a person who acted.",
        );
      const grid = state.subjectType === 'staff' ? 'staff' : 'learner';
      if (!pack.sanctions[grid]?.actions.some((a) => a.id === command.sanction)) {
        refuse('unknownSanction', `"${command.sanction}" is not in the policy's ${grid} sanctions grid.`);
      }
      return {
        type: 'sanctionRecorded',
        data: { grid, sanction: command.sanction },
        narrative: optional({ note: command.note }),
      };
    }
    case 'close':
      notClosed();
      if (!closeOutcomes.includes(command.outcome))
        refuse('unknownOutcome', `Unknown outcome "${command.outcome}".`);
      return {
        type: 'closed',
        data: { outcome: command.outcome },
        narrative: optional({ note: command.note }),
      };
    case 'reopen':
      if (state.status !== 'closed') refuse('notClosed', `Case ${state.reference} is not closed.`);
      return { type: 'reopened', data: none, narrative: optional({ note: command.note }) };
    case 'setSubjectPart':
      notClosed();
      if (!subjectParts.includes(command.subjectPart))
        refuse('unknownSubjectPart', `Unknown part "${command.subjectPart}".`);
      if (command.subjectPart === state.subjectPart)
        refuse('unchanged', `The subject's part is already recorded as ${command.subjectPart}.`);
      return {
        type: 'subjectPartSet',
        data: { from: state.subjectPart, to: command.subjectPart },
        narrative: optional({ note: command.note }),
      };
    case 'dismiss':
      notClosed();
      if (state.source === 'staffReport')
        refuse('notAFlag', 'A report from a member of staff is closed with an outcome, not dismissed.');
      if (!dismissReasons.includes(command.reason))
        refuse('unknownReason', `Unknown reason "${command.reason}".`);
      return {
        type: 'dismissed',
        data: { reason: command.reason },
        narrative: optional({ note: command.note }),
      };
    case 'recordAccessRemoval':
      notClosed();
      sharingCase();
      return {
        type: 'accessRemoved',
        data: { removed: command.removed, gone: command.gone, failed: command.failed },
        narrative: none,
      };
    case 'askOwner':
      notClosed();
      sharingCase();
      if (state.subjectId === undefined)
        refuse('noOwner', 'Microsoft 365 did not say who shared the file, so there is no one to ask.');
      if (state.owner?.asked && state.owner.answer === undefined)
        refuse('alreadyAsked', 'The owner has been asked already and has not answered yet.');
      return { type: 'ownerAsked', data: none, narrative: none };
    case 'answerAsOwner':
      // Allowed on a closed case too: the owner's word belongs on the record whenever it comes.
      sharingCase();
      if (actor.id !== state.subjectId) refuse('notOwner', 'Only the person who shared the file can answer.');
      if (!state.owner?.asked) refuse('notAsked', 'You have not been asked about this file.');
      if (!ownerAnswers.includes(command.answer))
        refuse('unknownAnswer', `Unknown answer "${command.answer}".`);
      return {
        type: 'ownerAnswered',
        data: { answer: command.answer },
        narrative: optional({ reason: command.reason }),
      };
    case 'setRetentionHold':
      // Allowed on a closed case too: that is when a hold matters.
      if (command.held === state.retentionHold)
        refuse('unchanged', `Case ${state.reference} is ${state.retentionHold ? 'already' : 'not'} on hold.`);
      return {
        type: 'retentionHoldSet',
        data: { held: command.held },
        narrative: optional({ note: command.note }),
      };
  }
}

/** Whether a sanction may concern this case's subject: only a subject who acted (or both). */
export function actedSubject(state: Pick<CaseState, 'subjectPart'>): boolean {
  return state.subjectPart === 'acted' || state.subjectPart === 'both';
}

/**
 * The events that record signals on a case: one per signal the case does not hold yet. This is
 * the one place a repeated signal is recognised (a redelivery, an edit, a backfill, a second
 * worker): the case head, written in the same transaction as its events, is the authority.
 */
export function signalEvents(state: CaseState, signals: readonly Signal[]): CaseEventBody[] {
  if (state.status === 'closed')
    fail('CASE_CLOSED', `Case ${state.reference} is closed; a new signal starts a new case.`, {
      caseId: state.id,
    });
  const held = new Set(state.signalKeys);
  const bodies: CaseEventBody[] = [];
  for (const s of signals) {
    const signalKey = signalKeyHash(s.key);
    if (held.has(signalKey)) continue;
    held.add(signalKey);
    bodies.push({
      type: 'signalAdded',
      data: {
        kind: s.kind,
        category: s.category,
        severity: s.severity,
        signalKey,
        ...(s.entry !== undefined && { entry: s.entry }),
      },
      narrative: { summary: s.summary, ...optional({ excerpt: s.excerpt, link: s.link }) },
    });
  }
  return bodies;
}

function optional<T extends Record<string, string | undefined>>(o: T): { [K in keyof T]?: string } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== '')) as {
    [K in keyof T]?: string;
  };
}

function truncate(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n - 1)}…`;
}
