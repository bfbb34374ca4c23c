/**
 * The case event log. A case is an append-only chronology; its current state is a fold of it.
 *
 * Each event splits into `data` (facts that stay queryable: ids, categories, levels, timestamps)
 * and `narrative` (what people wrote or said, and people's names), which storage encrypts at rest.
 * Each event carries `prevHash` and `hash` = SHA-256(canonical JSON of the event without `hash`),
 * so any edit, deletion or reordering of the chronology is detectable (`esafety audit verify`).
 */
import { createHash } from 'node:crypto';
import { chainHash, verifyChronology, type ChainProblem } from '../event-chain';
import type { SignalKind } from '../intake/signal';
import type { Severity, SubjectType } from '../policy/policy-pack';

export const caseSources = ['staffReport', 'chatSignal', 'sharingSignal', 'monitoringAlert'] as const;
export type CaseSource = (typeof caseSources)[number];

export const closeOutcomes = [
  'resolvedInternally',
  'referredExternally',
  'sanctionApplied',
  'noFurtherAction',
  'unfounded',
] as const;
export type CloseOutcome = (typeof closeOutcomes)[number];

/** Why a DSL judged a monitoring flag not a concern (counted by `esafety detection stats`). */
export const dismissReasons = ['innocentContext', 'banter', 'alreadyKnown', 'other'] as const;
export type DismissReason = (typeof dismissReasons)[number];

/** How a case ended: a DSL's close, or a monitoring flag dismissed as not a concern. */
export type CaseOutcome = CloseOutcome | 'notAConcern';

/** What the owner of a shared file said: they removed it, or it is needed (with why). */
export const ownerAnswers = ['removed', 'needed'] as const;
export type OwnerAnswer = (typeof ownerAnswers)[number];

export type Under18 = 'yes' | 'no' | 'unknown';

/**
 * The subject's part in what happened. Sanctions are only ever suggested or recorded against a
 * subject who acted: a learner who was sent an image, or groomed, was harmed.
 */
export const subjectParts = ['harmed', 'acted', 'both', 'unknown'] as const;
export type SubjectPart = (typeof subjectParts)[number];

export interface OpenedData {
  readonly reference: string;
  readonly source: CaseSource;
  readonly route: string;
  readonly area: string;
  readonly category: string;
  readonly severity: Severity;
  readonly subjectType: SubjectType;
  /** Entra object id of the subject when known (signals); reports usually have only a name. */
  readonly subjectId?: string;
  readonly under18: Under18;
  /** Absent on cases opened before the part was asked: read as `unknown`. */
  readonly subjectPart?: SubjectPart;
  readonly immediateRisk: boolean;
  readonly occurredAt?: string;
  readonly platform?: string;
  /** The inbound signal's idempotency key (hashed), for dedupe and tracing. */
  readonly signalKey: string;
  /** Automated signals: what was detected and who took part (ids only; names are narrative). */
  readonly signal?: SignalData;
}

export interface SignalData {
  readonly kind: SignalKind;
  /** The detection rule that raised the opening signal (a library entry or conversation rule id). */
  readonly entry?: string;
  /** Hashed conversation key (never the chat id itself). */
  readonly conversation: string;
  readonly participantIds: readonly string[];
}

export interface OpenedNarrative {
  readonly subjectName?: string;
  readonly description: string;
  readonly actionsTaken?: string;
  /** Automated signals: a short excerpt of what was said, and where (a Teams link). */
  readonly excerpt?: string;
  readonly link?: string;
}

/** Every event body: `type`, plain `data`, encrypted `narrative`. */
export type CaseEventBody =
  | { type: 'opened'; data: OpenedData; narrative: OpenedNarrative }
  | { type: 'claimed'; data: Record<string, never>; narrative: Record<string, never> }
  | { type: 'severityChanged'; data: { from: Severity; to: Severity }; narrative: { note?: string } }
  | { type: 'noteAdded'; data: Record<string, never>; narrative: { note: string } }
  | { type: 'referred'; data: { agency: string }; narrative: { reference?: string } }
  | { type: 'parentInformed'; data: Record<string, never>; narrative: { note: string } }
  | {
      type: 'sanctionRecorded';
      data: { grid: 'learner' | 'staff'; sanction: string };
      narrative: { note?: string };
    }
  | { type: 'closed'; data: { outcome: CloseOutcome }; narrative: { note?: string } }
  | { type: 'reopened'; data: Record<string, never>; narrative: { note?: string } }
  | {
      /** A DSL judged a monitoring flag not a concern: the case closes, the verdict is counted. */
      type: 'dismissed';
      data: { reason: DismissReason };
      narrative: { note?: string };
    }
  | {
      type: 'subjectPartSet';
      data: { from: SubjectPart; to: SubjectPart };
      narrative: { note?: string };
    }
  | {
      /** A DSL's hold: a held case is never purged, whatever the retention period says. */
      type: 'retentionHoldSet';
      data: { held: boolean };
      narrative: { note?: string };
    }
  | {
      /** Sharing removed through Microsoft Graph from the case card: how much, and what failed. */
      type: 'accessRemoved';
      data: { removed: number; gone: number; failed: number };
      narrative: Record<string, never>;
    }
  | {
      /** The owner of a shared file was asked to remove the sharing or say why it is needed. */
      type: 'ownerAsked';
      data: Record<string, never>;
      narrative: Record<string, never>;
    }
  | {
      /** The owner's answer, recorded as theirs. */
      type: 'ownerAnswered';
      data: { answer: OwnerAnswer };
      narrative: { reason?: string };
    }
  | {
      /** A further automated signal in the same conversation, appended while the case is open. */
      type: 'signalAdded';
      data: { kind: SignalKind; category: string; severity: Severity; signalKey: string; entry?: string };
      narrative: { summary: string; excerpt?: string; link?: string };
    };

export type CaseEventType = CaseEventBody['type'];

interface EventEnvelope {
  readonly caseId: string;
  /** 1-based position in the chronology. */
  readonly seq: number;
  readonly at: string;
  readonly actorId: string;
  /** The actor's display name, kept with the narrative (encrypted). */
  readonly actorName?: string;
  readonly prevHash: string;
  readonly hash: string;
}

export type CaseEvent = EventEnvelope & CaseEventBody;

export { genesisHash, type Actor, type ChainProblem } from '../event-chain';

/** SHA-256 over the canonical (RFC 8785) JSON of everything in the event except its own hash. */
export function hashEvent(event: Omit<CaseEvent, 'hash'>): string {
  const { caseId, seq, at, actorId, actorName, prevHash, type, data, narrative } = event;
  return chainHash({ caseId, seq, at, actorId, actorName, prevHash, type, data, narrative });
}

export function sealEvent(event: Omit<CaseEvent, 'hash'>): CaseEvent {
  return { ...event, hash: hashEvent(event) } as CaseEvent;
}

/** Recomputes a chronology's chain; returns the first event that does not fit, if any. */
export function verifyChain(caseId: string, events: readonly CaseEvent[]): ChainProblem | undefined {
  return verifyChronology(events, (e) => e.caseId === caseId, hashEvent, 'case');
}

/** Case id derived from an inbound signal's idempotency key: the same signal always names the same case. */
export function caseIdFor(idempotencyKey: string): string {
  return 'c' + createHash('sha256').update(`case:${idempotencyKey}`, 'utf8').digest('hex').slice(0, 31);
}

/** A hash of the idempotency key to store (keys may embed message ids). */
export function signalKeyHash(idempotencyKey: string): string {
  return createHash('sha256').update(`signal:${idempotencyKey}`, 'utf8').digest('hex').slice(0, 32);
}
