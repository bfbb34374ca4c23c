/**
 * In-memory AssessmentStore for unit tests. It passes the same contract suite as the Table Storage
 * adapter (test/contract/assessment-store.contract.ts): create-once, a commit guarded by the head's
 * token that writes all or nothing, events never sharing a position. Values are deep-copied in and
 * out so callers cannot mutate stored state.
 */
import type { AssessmentEvent, AssessmentState } from '../../core/assessments/assessment';
import {
  checkAssessmentWrite,
  type AssessmentSnapshot,
  type AssessmentStore,
} from '../../core/assessments/assessment-store';
import { fail } from '../../core/errors';

interface Stored {
  head: AssessmentState;
  token: string;
  events: AssessmentEvent[];
}

const copy = <T>(v: T): T => structuredClone(v);
/** Yields to the event loop like real I/O, so concurrent callers interleave as they would in production. */
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

export class MemoryAssessmentStore implements AssessmentStore {
  private readonly assessments = new Map<string, Stored>();
  /** Tokens are never reused, as ETags are not. */
  private written = 0;

  async create(
    state: AssessmentState,
    events: readonly AssessmentEvent[],
  ): Promise<{ created: boolean; snapshot: AssessmentSnapshot }> {
    await tick();
    checkAssessmentWrite(state.id, events);
    const existing = this.assessments.get(state.id);
    if (existing) return { created: false, snapshot: snapshot(existing) };
    const stored = { head: copy(state), token: this.nextToken(), events: copy([...events]) };
    this.assessments.set(state.id, stored);
    return { created: true, snapshot: snapshot(stored) };
  }

  async load(id: string): Promise<AssessmentSnapshot | undefined> {
    await tick();
    const s = this.assessments.get(id);
    return s && snapshot(s);
  }

  async events(id: string): Promise<AssessmentEvent[]> {
    await tick();
    return copy(this.assessments.get(id)?.events ?? []);
  }

  async commit(
    id: string,
    token: string,
    state: AssessmentState,
    events: readonly AssessmentEvent[],
  ): Promise<AssessmentSnapshot> {
    await tick();
    checkAssessmentWrite(id, events, state);
    const s =
      this.assessments.get(id) ??
      fail('ASSESSMENT_NOT_FOUND', 'That assessment does not exist.', { assessmentId: id });
    const taken = new Set(s.events.map((e) => e.seq));
    if (s.token !== token || events.some((e) => taken.has(e.seq))) {
      fail('ASSESSMENT_CONFLICT', 'The assessment was changed by someone else at the same moment.', {
        assessmentId: id,
      });
    }
    s.head = copy(state);
    s.token = this.nextToken();
    s.events = [...s.events, ...copy(events)].sort((a, b) => a.seq - b.seq);
    return snapshot(s);
  }

  async list(): Promise<AssessmentState[]> {
    await tick();
    return [...this.assessments.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, s]) => copy(s.head));
  }

  async allIds(): Promise<string[]> {
    await tick();
    return [...this.assessments.keys()].sort();
  }

  /** Test helper: the raw stored record, to simulate tampering. */
  raw(id: string): Stored | undefined {
    return this.assessments.get(id);
  }

  private nextToken(): string {
    return String(++this.written);
  }
}

function snapshot(s: Stored): AssessmentSnapshot {
  return { state: copy(s.head), token: s.token };
}
