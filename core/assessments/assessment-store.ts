/**
 * The ports through which assessments and half-finished questionnaires are stored. Each has two
 * implementations passing one contract suite (test/contract/): Azure Table Storage (adapters/) and
 * an in-memory fake.
 */
import type { Answers } from '../questionnaire/questionnaire';
import { fail } from '../errors';
import type { AssessmentEvent, AssessmentState } from './assessment';

export interface AssessmentSnapshot {
  readonly state: AssessmentState;
  /** Opaque concurrency token (the head's ETag in Table Storage). */
  readonly token: string;
}

export interface AssessmentStore {
  /**
   * Creates an assessment (head and first events) atomically; if one with this id exists nothing
   * is written and it is returned with `created: false`.
   */
  create(
    state: AssessmentState,
    events: readonly AssessmentEvent[],
  ): Promise<{ created: boolean; snapshot: AssessmentSnapshot }>;
  load(id: string): Promise<AssessmentSnapshot | undefined>;
  /** The whole chronology in order. */
  events(id: string): Promise<AssessmentEvent[]>;
  /**
   * Appends events and replaces the head in one atomic write, only if the head is unchanged since
   * `token`; otherwise throws `ASSESSMENT_CONFLICT` and writes nothing.
   */
  commit(
    id: string,
    token: string,
    state: AssessmentState,
    events: readonly AssessmentEvent[],
  ): Promise<AssessmentSnapshot>;
  /** Every assessment's current state: the register. */
  list(): Promise<AssessmentState[]>;
  /** Every assessment id present, read from the chronologies themselves. */
  allIds(): Promise<string[]>;
}

/** At most this many events in one write: one Table Storage transaction holds 100 rows, the head included. */
export const maxEventsPerWrite = 99;

/**
 * What no caller should ever ask of an `AssessmentStore` (every implementation refuses it the same
 * way): events of another assessment, or more than one write can hold.
 */
export function checkAssessmentWrite(
  id: string,
  events: readonly AssessmentEvent[],
  state?: AssessmentState,
): void {
  if (events.length > maxEventsPerWrite)
    fail('UNEXPECTED', 'Too many assessment events in one write.', {
      assessmentId: id,
      events: events.length,
    });
  if ((state && state.id !== id) || events.some((e) => e.assessmentId !== id))
    fail('UNEXPECTED', 'An assessment write named another assessment.', { assessmentId: id });
}

/** A questionnaire someone has started and not sent: kept so it survives restarts and devices. */
export interface Draft {
  /** One draft per person per key: a questionnaire id, or `answer:<id>` / `review:<id>`. */
  readonly key: string;
  /** Stable for the draft's life: sending it twice makes one assessment. */
  readonly id: string;
  readonly questionnaireId: string;
  /** The section shown last (its id), or `summary`. */
  readonly at: string;
  readonly answers: Answers;
  readonly startedAt: string;
  readonly updatedAt: string;
  /** A review of this (decided) assessment. */
  readonly reviewOf?: string;
  /** Answers to the approver's question on this assessment. */
  readonly answering?: string;
}

export interface DraftStore {
  get(userId: string, key: string): Promise<{ draft: Draft; token: string } | undefined>;
  /**
   * Writes the draft only if it is still the one `token` names (without a token: only if there is
   * none). Returns the new token, or undefined when someone else wrote first.
   */
  put(userId: string, draft: Draft, token?: string): Promise<string | undefined>;
  delete(userId: string, key: string): Promise<void>;
}
