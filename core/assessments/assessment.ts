/**
 * A technology (or off-site learning) risk assessment as an aggregate, exactly like a case: an
 * append-only, hash-chained chronology (core/event-chain.ts) whose fold is the current state, and
 * the rules for what may happen next. Pure functions: storage is a port (assessment-store.ts).
 *
 * Submitted → (approver) more information asked → (requester) answered → … → decided, or
 * withdrawn by the requester before a decision. A decided assessment is reviewed by its review
 * date: the reminder is an event, and the requester's new assessment of the same tool records
 * `reviewed` on the old one.
 *
 * What people wrote (the answers, comments, conditions, notes) and names are `narrative`,
 * encrypted at rest; ids, levels, decisions and dates stay plain for the register.
 */
import { createHash } from 'node:crypto';
import { fail } from '../errors';
import { chainHash, genesisHash, verifyChronology, type Actor, type ChainProblem } from '../event-chain';

export type { Actor } from '../event-chain';
import type { Answers, RiskLevel, RiskReason } from '../questionnaire/questionnaire';

export const decisions = ['approve', 'approveWithConditions', 'reject'] as const;
export type Decision = (typeof decisions)[number];

export const assessmentStatuses = ['submitted', 'moreInfo', 'decided', 'withdrawn'] as const;
export type AssessmentStatus = (typeof assessmentStatuses)[number];

export interface RiskFacts {
  readonly risk: RiskLevel;
  readonly score: number;
  readonly reasons: readonly RiskReason[];
  /** The questionnaire's content version the answers were given against. */
  readonly questionnaireVersion: string;
}

export interface AnswersNarrative {
  /** The tool or activity's name (the `tool` answer), for the register. */
  readonly tool: string;
  readonly answers: Answers;
}

export type AssessmentEventBody =
  | {
      type: 'submitted';
      data: RiskFacts & {
        readonly reference: string;
        readonly questionnaireId: string;
        readonly approverRole: string;
        readonly route: string;
        /** The assessment this one reviews, if it is a review. */
        readonly reviewOf?: string;
      };
      narrative: AnswersNarrative;
    }
  | { type: 'infoRequested'; data: Record<string, never>; narrative: { question: string } }
  | { type: 'answered'; data: RiskFacts; narrative: AnswersNarrative & { reply?: string } }
  | {
      type: 'decided';
      data: { decision: Decision; reviewDate: string };
      narrative: { conditions?: string; note?: string };
    }
  | { type: 'withdrawn'; data: Record<string, never>; narrative: { note?: string } }
  | { type: 'reviewDue'; data: { reviewDate: string }; narrative: Record<string, never> }
  | { type: 'reviewed'; data: { by: string }; narrative: Record<string, never> };

export type AssessmentEventType = AssessmentEventBody['type'];

interface Envelope {
  readonly assessmentId: string;
  readonly seq: number;
  readonly at: string;
  readonly actorId: string;
  readonly actorName?: string;
  readonly prevHash: string;
  readonly hash: string;
}

export type AssessmentEvent = Envelope & AssessmentEventBody;

export interface AssessmentState {
  readonly id: string;
  readonly reference: string;
  readonly questionnaireId: string;
  readonly questionnaireVersion: string;
  readonly approverRole: string;
  readonly route: string;
  readonly status: AssessmentStatus;
  readonly risk: RiskLevel;
  readonly score: number;
  readonly reasons: readonly RiskReason[];
  readonly requesterId: string;
  readonly submittedAt: string;
  readonly updatedAt: string;
  readonly decision?: Decision;
  readonly decidedBy?: string;
  readonly decidedAt?: string;
  readonly reviewDate?: string;
  /** When the requester was asked to review (once per review date). */
  readonly reviewRequestedAt?: string;
  readonly reviewOf?: string;
  /** The newer assessment that reviewed this one. */
  readonly reviewedBy?: string;
  readonly version: number;
  readonly lastHash: string;
  /** Encrypted at rest. */
  readonly narrative: AnswersNarrative & {
    readonly requesterName?: string;
    readonly deciderName?: string;
    readonly conditions?: string;
    readonly decisionNote?: string;
    /** The approver's open question while the assessment waits for the requester. */
    readonly question?: string;
  };
}

export function hashAssessmentEvent(event: Omit<AssessmentEvent, 'hash'>): string {
  const { assessmentId, seq, at, actorId, actorName, prevHash, type, data, narrative } = event;
  return chainHash({ assessmentId, seq, at, actorId, actorName, prevHash, type, data, narrative });
}

export function verifyAssessmentChain(
  assessmentId: string,
  events: readonly AssessmentEvent[],
): ChainProblem | undefined {
  return verifyChronology(events, (e) => e.assessmentId === assessmentId, hashAssessmentEvent, 'assessment');
}

/** The next event after `state` (undefined: the first), sealed into the chain. */
export function sealAssessmentEvent(
  state: AssessmentState | undefined,
  assessmentId: string,
  body: AssessmentEventBody,
  actor: Actor,
  at: string,
): AssessmentEvent {
  const unsealed = {
    assessmentId,
    seq: (state?.version ?? 0) + 1,
    at,
    actorId: actor.id,
    ...(actor.name !== undefined && { actorName: actor.name }),
    prevHash: state?.lastHash ?? genesisHash,
    ...body,
  } as Omit<AssessmentEvent, 'hash'>;
  return { ...unsealed, hash: hashAssessmentEvent(unsealed) } as AssessmentEvent;
}

/** The same submission (a draft sent twice) always names the same assessment. */
export function assessmentIdFor(draftId: string): string {
  return 'a' + createHash('sha256').update(`assessment:${draftId}`, 'utf8').digest('hex').slice(0, 31);
}

/**
 * `RA-2026-7KQ3MX`: a year and six characters of the id (30 bits: about one chance in two thousand
 * of two alike among 1,000 assessments in a year; `resolve` refuses an ambiguous reference), easy
 * to read out on the phone.
 */
export function assessmentReference(id: string, at: string): string {
  const alphabet = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';
  const n = BigInt(`0x${id.slice(1, 13)}`);
  let code = '';
  for (let i = 0n; i < 6n; i++) code += alphabet[Number((n >> (5n * i)) & 31n)];
  return `RA-${at.slice(0, 4)}-${code}`;
}

export function evolveAssessment(state: AssessmentState | undefined, e: AssessmentEvent): AssessmentState {
  const base = { updatedAt: e.at, version: e.seq, lastHash: e.hash };
  if (e.type === 'submitted') {
    const { reference, questionnaireId, approverRole, route, reviewOf, ...risk } = e.data;
    return {
      id: e.assessmentId,
      reference,
      questionnaireId,
      approverRole,
      route,
      ...risk,
      status: 'submitted',
      requesterId: e.actorId,
      submittedAt: e.at,
      ...(reviewOf !== undefined && { reviewOf }),
      ...base,
      narrative: {
        ...e.narrative,
        ...(e.actorName !== undefined && { requesterName: e.actorName }),
      },
    };
  }
  if (!state) return fail('STORAGE_FAILED', 'An assessment chronology must start with its submission.');
  switch (e.type) {
    case 'infoRequested':
      return {
        ...state,
        ...base,
        status: 'moreInfo',
        narrative: { ...state.narrative, question: e.narrative.question },
      };
    case 'answered': {
      const { question: _answered, ...narrative } = state.narrative;
      return {
        ...state,
        ...base,
        ...e.data,
        status: 'submitted',
        narrative: { ...narrative, tool: e.narrative.tool, answers: e.narrative.answers },
      };
    }
    case 'decided':
      return {
        ...state,
        ...base,
        status: 'decided',
        decision: e.data.decision,
        reviewDate: e.data.reviewDate,
        decidedBy: e.actorId,
        decidedAt: e.at,
        narrative: {
          ...state.narrative,
          ...(e.actorName !== undefined && { deciderName: e.actorName }),
          ...(e.narrative.conditions !== undefined && { conditions: e.narrative.conditions }),
          ...(e.narrative.note !== undefined && { decisionNote: e.narrative.note }),
        },
      };
    case 'withdrawn':
      return { ...state, ...base, status: 'withdrawn' };
    case 'reviewDue':
      return { ...state, ...base, reviewRequestedAt: e.at };
    case 'reviewed':
      return { ...state, ...base, reviewedBy: e.data.by };
  }
}

export function foldAssessment(events: readonly AssessmentEvent[]): AssessmentState | undefined {
  return events.reduce<AssessmentState | undefined>(evolveAssessment, undefined);
}

export type AssessmentCommand =
  | { kind: 'requestInfo'; question: string }
  | { kind: 'answer'; answers: AnswersNarrative; risk: RiskFacts; reply?: string }
  | {
      kind: 'decide';
      decision: Decision;
      reviewDate: string;
      conditions?: string;
      note?: string;
    }
  | { kind: 'withdraw'; note?: string }
  | { kind: 'reviewDue' }
  | { kind: 'reviewed'; by: string };

/** Who may give a command: the approver role, the requester, or the system. */
export function commandAuthority(command: AssessmentCommand): 'approver' | 'requester' | 'system' {
  switch (command.kind) {
    case 'requestInfo':
    case 'decide':
      return 'approver';
    case 'answer':
    case 'withdraw':
      return 'requester';
    case 'reviewDue':
    case 'reviewed':
      return 'system';
  }
}

/** What a command appends, or a coded refusal naming why (the caller has checked who may act). */
export function decideAssessment(state: AssessmentState, command: AssessmentCommand): AssessmentEventBody {
  const refuse = (reason: string, message: string): never =>
    fail('ASSESSMENT_TRANSITION_REFUSED', message, { assessmentId: state.id, reason, status: state.status });
  const ref = state.reference;
  const none = {} as Record<string, never>;
  const closed = () => {
    if (state.status === 'decided') {
      const who = state.narrative.deciderName ?? 'an approver';
      refuse(
        'alreadyDecided',
        `${ref} has already been decided (${decisionText[state.decision ?? 'approve']}) by ${who}.`,
      );
    }
    if (state.status === 'withdrawn') refuse('withdrawn', `${ref} was withdrawn by its requester.`);
  };
  switch (command.kind) {
    case 'requestInfo':
      closed();
      if (state.status === 'moreInfo')
        refuse('waiting', `${ref} is already waiting for the requester's answer.`);
      return { type: 'infoRequested', data: none, narrative: { question: command.question } };
    case 'answer':
      closed();
      if (state.status !== 'moreInfo') refuse('notAsked', `Nobody has asked for more information on ${ref}.`);
      return {
        type: 'answered',
        data: command.risk,
        narrative: { ...command.answers, ...(command.reply !== undefined && { reply: command.reply }) },
      };
    case 'decide':
      closed();
      if (state.status === 'moreInfo')
        refuse('waiting', `${ref} is waiting for the requester's answer to your question.`);
      if (command.decision === 'approveWithConditions' && !command.conditions)
        refuse('conditionsMissing', `Approving ${ref} with conditions needs the conditions.`);
      return {
        type: 'decided',
        data: { decision: command.decision, reviewDate: command.reviewDate },
        narrative: {
          ...(command.conditions !== undefined && { conditions: command.conditions }),
          ...(command.note !== undefined && { note: command.note }),
        },
      };
    case 'withdraw':
      closed();
      return {
        type: 'withdrawn',
        data: none,
        narrative: command.note !== undefined ? { note: command.note } : {},
      };
    case 'reviewDue':
      if (state.status !== 'decided' || state.decision === 'reject' || !state.reviewDate)
        refuse('notDecided', `${ref} has no review to ask for.`);
      if (state.reviewedBy) refuse('reviewed', `${ref} has been reviewed already.`);
      if (state.reviewRequestedAt) refuse('alreadyAsked', `The review of ${ref} has been asked for already.`);
      return { type: 'reviewDue', data: { reviewDate: state.reviewDate ?? '' }, narrative: none };
    case 'reviewed':
      if (state.status !== 'decided')
        refuse('notDecided', `${ref} has not been decided, so it has no review.`);
      if (state.reviewedBy) refuse('reviewed', `${ref} has been reviewed already.`);
      return { type: 'reviewed', data: { by: command.by }, narrative: none };
  }
}

export const decisionText: Record<Decision, string> = {
  approve: 'approved',
  approveWithConditions: 'approved with conditions',
  reject: 'not approved',
};

/** The review date of a decision made at `now`: `months` ahead (YYYY-MM-DD). */
export function reviewDateFrom(now: Date, months: number): string {
  const year = now.getUTCFullYear();
  const month = now.getUTCMonth() + months;
  // The same day of the month, or the month's last day when it is shorter (31 Jan + 1 → 28 Feb).
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const r = new Date(Date.UTC(year, month, Math.min(now.getUTCDate(), lastDay)));
  return r.toISOString().slice(0, 10);
}
