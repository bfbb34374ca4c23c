/**
 * Where quizzes, runs and attempts are kept (adapters/table-quiz-store.ts; the in-memory fake in
 * test/support passes the same contract, test/contract/quiz-store.contract.ts).
 *
 * - A quiz snapshot is written once per version and never changes.
 * - A run is written when it starts; its roster and tutors may be written again (last writer wins:
 *   each write holds the whole class list as just read from Teams).
 * - An attempt is written only by compare-and-swap on its token, so two answers racing on one
 *   attempt (a double click, two devices) can never both count: the loser re-reads and is refused.
 */
import type { Attempt, QuizRun, QuizSnapshot } from './quiz';

export interface StoredAttempt {
  readonly attempt: Attempt;
  readonly token: string;
}

export interface QuizStore {
  /** Keeps a quiz's version (idempotent: the same version is the same content). */
  saveQuiz(quiz: QuizSnapshot): Promise<void>;
  quiz(quizId: string, version: string): Promise<QuizSnapshot | undefined>;
  saveRun(run: QuizRun): Promise<void>;
  run(runId: string): Promise<QuizRun | undefined>;
  /** Runs, newest first; filtered by class (team, channel or chat id) or quiz. */
  runs(filter?: { readonly classId?: string; readonly quizId?: string }): Promise<QuizRun[]>;
  /** A run's attempts (one person's, when given), in person then attempt-number order. */
  attempts(runId: string, personId?: string): Promise<StoredAttempt[]>;
  /**
   * Writes an attempt if its token is still current (without a token: only if that attempt number
   * does not exist yet). Returns the new token, or undefined when someone else wrote first.
   */
  putAttempt(attempt: Attempt, token?: string): Promise<string | undefined>;
  /** Every attempt by one person, in any run (their training record). */
  attemptsOf(personId: string): Promise<Attempt[]>;
}
