/**
 * In-memory QuizStore for unit tests, passing the same contract suite as the Table Storage adapter
 * (test/contract/quiz-store.contract.ts): attempts are written by compare-and-swap on a token,
 * insert-if-absent without one; everything is deep-copied in and out.
 */
import type { Attempt, QuizRun, QuizSnapshot } from '../../core/quizzes/quiz';
import type { QuizStore, StoredAttempt } from '../../core/quizzes/quiz-store';

const copy = <T>(v: T): T => structuredClone(v);
/** Yields to the event loop like real I/O, so concurrent callers interleave as they would in production. */
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
const slot = (a: Pick<Attempt, 'runId' | 'personId' | 'number'>) =>
  `${a.runId}|${a.personId}:${String(a.number).padStart(4, '0')}`;

export class MemoryQuizStore implements QuizStore {
  private readonly quizzes = new Map<string, QuizSnapshot>();
  private readonly runRows = new Map<string, QuizRun>();
  private readonly attemptRows = new Map<string, StoredAttempt>();
  private written = 0;

  async saveQuiz(quiz: QuizSnapshot): Promise<void> {
    await tick();
    const key = `${quiz.id}@${quiz.version}`;
    if (!this.quizzes.has(key)) this.quizzes.set(key, copy(quiz));
  }

  async quiz(quizId: string, version: string): Promise<QuizSnapshot | undefined> {
    await tick();
    const found = this.quizzes.get(`${quizId}@${version}`);
    return found && copy(found);
  }

  async saveRun(run: QuizRun): Promise<void> {
    await tick();
    this.runRows.set(run.id, copy(run));
  }

  async run(runId: string): Promise<QuizRun | undefined> {
    await tick();
    const found = this.runRows.get(runId);
    return found && copy(found);
  }

  async runs(filter: { readonly classId?: string; readonly quizId?: string } = {}): Promise<QuizRun[]> {
    await tick();
    return [...this.runRows.values()]
      .filter((r) => filter.classId === undefined || r.classId === filter.classId)
      .filter((r) => filter.quizId === undefined || r.quizId === filter.quizId)
      .sort((a, b) => (a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : 0))
      .map(copy);
  }

  async attempts(runId: string, personId?: string): Promise<StoredAttempt[]> {
    await tick();
    return [...this.attemptRows.entries()]
      .filter(
        ([, s]) => s.attempt.runId === runId && (personId === undefined || s.attempt.personId === personId),
      )
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, s]) => copy(s));
  }

  async putAttempt(attempt: Attempt, token?: string): Promise<string | undefined> {
    await tick();
    const at = slot(attempt);
    if (this.attemptRows.get(at)?.token !== token) return undefined;
    const next = String(++this.written);
    this.attemptRows.set(at, { attempt: copy(attempt), token: next });
    return next;
  }

  async attemptsOf(personId: string): Promise<Attempt[]> {
    await tick();
    return [...this.attemptRows.entries()]
      .filter(([, s]) => s.attempt.personId === personId)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, s]) => copy(s.attempt));
  }
}
