/**
 * Induction quizzes and the staff refresher, as pure functions: what a quiz is at one version, the
 * order a person meets its questions in, what an answer does to an attempt, and how a class's
 * attempts add up. No storage, no Teams: core/quizzes/quiz-service.ts does that.
 *
 * - A quiz is pinned by version: the snapshot of the pack's quiz (its questions, answers and
 *   explanations) is stored under a hash of its content when a run starts, and every attempt of
 *   the run is scored against that snapshot, so editing the pack mid-quiz never changes an attempt.
 * - The right answer lives only here and in storage; a card carries the question id and the
 *   person's choice, and the score is computed on the server.
 * - An answer is accepted only for the question the attempt is on, once, with one of that
 *   question's options, while the quiz is open; anything else is refused and records nothing.
 */
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { fail } from '../errors';
import type { ConversationRefFacts } from '../detection/chat-signal';
import type { Quiz, QuizQuestion } from '../policy/policy-pack';

/** The pack's quiz as it was when a run started, under the hash of its content. */
export interface QuizSnapshot extends Quiz {
  readonly version: string;
}

export function quizSnapshot(quiz: Quiz): QuizSnapshot {
  const version = createHash('sha256')
    .update(canonicalize(quiz) ?? '', 'utf8')
    .digest('hex')
    .slice(0, 12);
  return { ...quiz, version };
}

/** A member of a class (from the team's or chat's roster). `mri` is Teams' user id (`29:…`). */
export interface Member {
  readonly id: string;
  readonly name?: string;
  readonly mri?: string;
}

/** A quiz put to a class (`quiz start`) or sent to a group of staff (`quiz assign`). */
export interface QuizRun {
  readonly id: string;
  readonly quizId: string;
  readonly version: string;
  readonly kind: 'class' | 'assignment';
  /** The class team, channel or group chat (its conversation id without the thread part), or the group. */
  readonly classId: string;
  readonly className?: string;
  /** Where the class card is posted (a route-place shape: `{ reference, channelId? }`). */
  readonly place?: Readonly<Record<string, unknown>>;
  /** The class's conversation as Graph names it, to read its members. */
  readonly conversation?: ConversationRefFacts;
  readonly startedBy: string;
  readonly startedByName?: string;
  /** Tutors whose view of the class card Teams refreshes automatically (their MRIs). */
  readonly tutorMris: readonly string[];
  readonly startedAt: string;
  /** After this the quiz takes no answers. */
  readonly closesAt?: string;
  /** An assignment is due by this time. */
  readonly dueAt?: string;
  /** Who the quiz is for: the class's learners, or the group's members (as at the last look). */
  readonly roster: readonly Member[];
}

export interface AttemptAnswer {
  readonly questionId: string;
  readonly answer: string;
  readonly correct: boolean;
  readonly at: string;
}

/** One go at a quiz by one person. */
export interface Attempt {
  readonly runId: string;
  readonly personId: string;
  /** 1 for the first attempt, then 2, 3 … */
  readonly number: number;
  readonly quizId: string;
  readonly version: string;
  readonly classId: string;
  /** The question ids in the order this person meets them. */
  readonly order: readonly string[];
  readonly answers: readonly AttemptAnswer[];
  readonly startedAt: string;
  readonly finishedAt?: string;
  readonly score?: number;
  readonly passed?: boolean;
}

/**
 * A shuffle that is the same every time for the same seed (a run, a person and an attempt number),
 * so a resumed attempt meets its questions in the same order: Fisher–Yates driven by SHA-256.
 */
export function shuffled<T>(items: readonly T[], seed: string): T[] {
  const out = [...items];
  let pool = Buffer.alloc(0);
  let counter = 0;
  const next = () => {
    if (pool.length < 4) {
      pool = createHash('sha256').update(`${seed}:${counter++}`).digest();
    }
    const value = pool.readUInt32BE(0);
    pool = pool.subarray(4);
    return value / 2 ** 32;
  };
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

export function newAttempt(
  run: QuizRun,
  quiz: QuizSnapshot,
  personId: string,
  number: number,
  now: Date,
): Attempt {
  return {
    runId: run.id,
    personId,
    number,
    quizId: quiz.id,
    version: quiz.version,
    classId: run.classId,
    order: shuffled(
      quiz.questions.map((q) => q.id),
      `${run.id}:${personId}:${number}`,
    ),
    answers: [],
    startedAt: now.toISOString(),
  };
}

export function questionOf(quiz: QuizSnapshot, questionId: string): QuizQuestion | undefined {
  return quiz.questions.find((q) => q.id === questionId);
}

/** The question the attempt is on, or undefined when it is finished. */
export function currentQuestion(attempt: Attempt, quiz: QuizSnapshot): QuizQuestion | undefined {
  const id = attempt.order[attempt.answers.length];
  return id === undefined ? undefined : questionOf(quiz, id);
}

export function isClosed(run: QuizRun, now: Date): boolean {
  return run.closesAt !== undefined && Date.parse(run.closesAt) <= now.getTime();
}

/** What an accepted answer did. */
export interface Feedback {
  readonly questionId: string;
  readonly correct: boolean;
  readonly explanation: string;
}

/**
 * Records `answer` to `questionId`, or refuses (QUIZ_REFUSED, with a message for the person) when
 * the attempt is finished, the question is not the one it is on, or the answer is not one of its
 * options. The last answer finishes the attempt with its score.
 */
export function answerQuestion(
  attempt: Attempt,
  quiz: QuizSnapshot,
  run: QuizRun,
  questionId: string,
  answer: string,
  now: Date,
): { attempt: Attempt; feedback: Feedback } {
  const refuse = (reason: string, message: string): never =>
    fail('QUIZ_REFUSED', message, { runId: run.id, questionId: questionId.slice(0, 64), reason });
  if (attempt.finishedAt) return refuse('finished', 'You have finished this quiz; your answers are in.');
  if (isClosed(run, now)) return refuse('closed', 'This quiz has closed, so it takes no more answers.');
  if (attempt.answers.some((a) => a.questionId === questionId))
    return refuse('answered', 'You have already answered that question; your first answer stands.');
  const current = currentQuestion(attempt, quiz);
  if (!current || current.id !== questionId)
    return refuse('order', 'That is not the question you are on. Carry on from the card below.');
  if (!current.options.some((o) => o.id === answer))
    return refuse('notAChoice', 'Choose one of the answers given.');
  const correct = current.answer === answer;
  const answers = [...attempt.answers, { questionId, answer, correct, at: now.toISOString() }];
  const done = answers.length === attempt.order.length;
  const score = answers.filter((a) => a.correct).length;
  const next: Attempt = {
    ...attempt,
    answers,
    ...(done && { finishedAt: now.toISOString(), score, passed: score >= quiz.passMark }),
  };
  return { attempt: next, feedback: { questionId, correct, explanation: current.explanation } };
}

/** Whether the retake policy lets this person start another attempt. */
export function mayStartAnother(quiz: QuizSnapshot, attempts: readonly Attempt[]): boolean {
  if (attempts.length === 0) return true;
  if (attempts.some((a) => !a.finishedAt)) return false;
  if (quiz.retakes === 'never') return false;
  if (quiz.retakes === 'untilPassed') return !attempts.some((a) => a.passed);
  return true;
}

export type PersonState = 'passed' | 'failed' | 'inProgress' | 'notStarted';

/** Where one person is with a run: their best finished attempt, and their latest. */
export interface PersonResult {
  readonly personId: string;
  readonly state: PersonState;
  readonly attempts: number;
  /** Best score of a finished attempt. */
  readonly best?: number;
  /** Questions missed in the last finished attempt (for a person who has not passed). */
  readonly missed: readonly string[];
  /** When their last attempt finished. */
  readonly finishedAt?: string;
  /** When they first passed. */
  readonly passedAt?: string;
}

export function personResult(personId: string, attempts: readonly Attempt[]): PersonResult {
  const mine = attempts.filter((a) => a.personId === personId).sort((a, b) => a.number - b.number);
  const finished = mine.filter((a) => a.finishedAt);
  const passed = finished.some((a) => a.passed);
  const best = finished.length > 0 ? Math.max(...finished.map((a) => a.score ?? 0)) : undefined;
  const last = finished.at(-1);
  const firstPass = finished.find((a) => a.passed);
  const state: PersonState = passed
    ? 'passed'
    : mine.some((a) => !a.finishedAt)
      ? 'inProgress'
      : finished.length > 0
        ? 'failed'
        : 'notStarted';
  return {
    personId,
    state,
    attempts: mine.length,
    ...(best !== undefined && { best }),
    missed: !passed && last ? last.answers.filter((a) => !a.correct).map((a) => a.questionId) : [],
    ...(last?.finishedAt !== undefined && { finishedAt: last.finishedAt }),
    ...(firstPass?.finishedAt !== undefined && { passedAt: firstPass.finishedAt }),
  };
}

/** The class card's live figures: people who started, finished at least once, and passed. */
export interface Tally {
  readonly started: number;
  readonly finished: number;
  readonly passed: number;
}

export function tally(attempts: readonly Attempt[]): Tally {
  const people = (pick: (a: Attempt) => boolean) =>
    new Set(attempts.filter(pick).map((a) => a.personId)).size;
  const started = people(() => true);
  const finished = people((a) => a.finishedAt !== undefined);
  const passed = people((a) => a.passed === true);
  return { started, finished, passed };
}

/** Every member's result, the roster first (in its order), then anyone else who took part. */
export function classResults(roster: readonly Member[], attempts: readonly Attempt[]): PersonResult[] {
  const ids = [...roster.map((m) => m.id)];
  for (const a of attempts) if (!ids.includes(a.personId)) ids.push(a.personId);
  return ids.map((id) => personResult(id, attempts));
}
