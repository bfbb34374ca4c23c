/**
 * Quiz use cases: a tutor puts a quiz to a class, each learner takes it in their own view of the
 * class card, the tutor sees the class's progress and results, and every attempt is kept as the
 * training record. Who is acting always comes from the authenticated activity; ids in card data
 * are only looked up, never trusted (a card naming another learner changes nothing, because the
 * attempt is always the actor's own).
 *
 * Concurrency: each learner's attempt is its own row written by compare-and-swap, so a class of 30
 * answering at once never contend; one learner's double click loses the race and is told the
 * question was answered.
 */
import { randomBytes } from 'node:crypto';
import type { Directory } from '../auth/authorise';
import type { ConversationRefFacts } from '../detection/chat-signal';
import type { ConversationMembers } from '../monitoring/chat-monitor';
import type { Clock } from '../clock';
import type { Actor } from '../event-chain';
import { fail, toEsafetyError } from '../errors';
import type { Logger } from '../logger';
import type { PolicyPack, Quiz } from '../policy/policy-pack';
import {
  answerQuestion,
  classResults,
  isClosed,
  mayStartAnother,
  newAttempt,
  personResult,
  quizSnapshot,
  tally,
  type Attempt,
  type Feedback,
  type Member,
  type PersonResult,
  type QuizRun,
  type QuizSnapshot,
  type Tally,
} from './quiz';
import type { QuizStore, StoredAttempt } from './quiz-store';
import type { Outbox } from '../outbox/outbox';

/** The members of an Entra group (Microsoft Graph): whom a staff refresher is sent to. */
export interface GroupMembers {
  members(groupId: string): Promise<Member[]>;
}

export interface QuizServiceDeps {
  readonly store: QuizStore;
  readonly pack: PolicyPack;
  readonly directory: Directory;
  /** The class list: the members of the class's team channel or group chat (Microsoft Graph). */
  readonly roster?: Pick<ConversationMembers, 'members' | 'forget'>;
  readonly clock: Clock;
  readonly log: Logger;
  /**
   * Called when a run starts (the class card is posted) and as learners start and finish (the
   * tutor's progress card is updated).
   */
  readonly onChange?: (runId: string, change: 'started' | 'progress') => Promise<void>;
  /** Where reminders and assignments go to be sent (one message per person, so none is lost). */
  readonly outbox?: Outbox;
  readonly groups?: GroupMembers;
}

/** Someone acting in Teams: their Entra id, name and Teams user id (MRI, for card refresh). */
export interface QuizActor extends Actor {
  readonly mri?: string;
}

/** What a learner sees after taking or answering: where they are, and how the last answer went. */
export interface QuizView {
  readonly run: QuizRun;
  readonly quiz: QuizSnapshot;
  readonly attempt: Attempt;
  readonly feedback?: Feedback;
  /** For a finished attempt: whether the pack lets them try again. */
  readonly mayRetake: boolean;
}

export interface ClassResults {
  readonly run: QuizRun;
  readonly quiz: QuizSnapshot;
  readonly results: readonly PersonResult[];
  readonly tally: Tally;
}

function addMonths(iso: string, months: number): string {
  const d = new Date(iso);
  d.setUTCMonth(d.getUTCMonth() + months);
  return d.toISOString();
}

/** One person's standing in one run: a row of `esafety training report`. */
export interface TrainingRow {
  readonly runId: string;
  readonly quizId: string;
  readonly quizTitle: string;
  readonly version: string;
  readonly classId: string;
  readonly className: string;
  readonly startedAt: string;
  readonly personId: string;
  readonly name?: string;
  readonly state: PersonResult['state'];
  readonly best?: number;
  readonly outOf: number;
  readonly passMark: number;
  readonly attempts: number;
  readonly missed: readonly string[];
  readonly finishedAt?: string;
  /** A staff quiz: when it is due (not passed by then: overdue). */
  readonly dueAt?: string;
  /** A pass counts until then (the pack's `refreshMonths`); after it the person is overdue. */
  readonly validUntil?: string;
  readonly overdue: boolean;
}

/** Rounds of "someone else wrote this attempt first, read it again" before giving up. */
const maxRounds = 5;

export class QuizService {
  private readonly snapshots = new Map<string, QuizSnapshot>();

  constructor(private readonly deps: QuizServiceDeps) {}

  /** The pack's quizzes for an audience. */
  quizzes(audience: Quiz['audience']): readonly Quiz[] {
    return this.deps.pack.quizzes.filter((q) => q.audience === audience);
  }

  async isTutor(userId: string): Promise<boolean> {
    return this.isIn(userId, 'tutors');
  }

  /**
   * Who may see a run's figures and class list: DSLs every run; a tutor the runs of their own
   * classes (they started it, or they are a member of the class's team or chat); nobody else.
   */
  async mayView(userId: string, run: QuizRun): Promise<boolean> {
    if (await this.isIn(userId, 'dsl')) return true;
    if (run.kind !== 'class' || !(await this.isTutor(userId))) return false;
    if (run.startedBy === userId) return true;
    if (!run.conversation || !this.deps.roster) return false;
    try {
      return (await this.deps.roster.members(run.conversation)).some((m) => m.id === userId);
    } catch {
      return false;
    }
  }

  /**
   * Puts a learner quiz to a class: only a member of the tutors role may. The class list is read
   * from the class's conversation; tutors are left out of it.
   */
  async start(
    actor: QuizActor,
    input: {
      readonly quizId: string;
      readonly classId: string;
      readonly className?: string;
      readonly place: Readonly<Record<string, unknown>>;
      readonly conversation?: ConversationRefFacts;
      readonly closesAt?: Date;
    },
  ): Promise<QuizRun> {
    const { store, clock, log } = this.deps;
    if (!(await this.isTutor(actor.id))) {
      log.warn({ event: 'quiz.startRefused', actorId: actor.id }, 'quiz start refused: not a tutor');
      fail('NOT_AUTHORISED', 'Only tutors can start a quiz in a class.', { actorId: actor.id });
    }
    const quiz = this.packQuiz('learners', input.quizId);
    const now = clock.now();
    if (input.closesAt && input.closesAt.getTime() <= now.getTime())
      fail('INPUT_INVALID', 'The closing date has passed. Give a date from today on.');
    const run: QuizRun = {
      ...(await this.pin(quiz, actor, now)),
      kind: 'class',
      classId: input.classId,
      ...(input.className !== undefined && { className: input.className }),
      place: input.place,
      tutorMris: actor.mri ? [actor.mri] : [],
      ...(input.closesAt && { closesAt: input.closesAt.toISOString() }),
      ...(input.conversation && { conversation: input.conversation }),
      roster: await this.learnersIn(input.conversation),
    };
    await store.saveRun(run);
    log.info(
      {
        event: 'quiz.started',
        runId: run.id,
        quizId: quiz.id,
        version: run.version,
        learners: run.roster.length,
      },
      'quiz started in a class',
    );
    await this.deps.onChange?.(run.id, 'started');
    return run;
  }

  /**
   * `quiz assign <quizId> <group>`: the DSL sends a staff quiz (the annual refresher) to everyone in
   * a group, each to do in their own chat, due in the pack's `dueDays`. `group` is a role of the
   * pack (its Entra group) or an Entra group id.
   */
  async assign(actor: QuizActor, quizId: string, group: string): Promise<QuizRun> {
    const { store, clock, log, pack, outbox, groups } = this.deps;
    if (!(await this.isIn(actor.id, 'dsl'))) {
      log.warn({ event: 'quiz.assignRefused', actorId: actor.id }, 'quiz assign refused: not a DSL');
      fail('NOT_AUTHORISED', 'Only the Designated Safeguarding Lead can send a staff quiz.', {
        actorId: actor.id,
      });
    }
    const quiz = this.packQuiz('staff', quizId);
    const role = Object.entries(pack.roles).find(([key]) => key.toLowerCase() === group.toLowerCase());
    const groupId = role?.[1].groupId ?? (/^[0-9a-f-]{36}$/i.test(group) ? group.toLowerCase() : undefined);
    if (!groupId)
      fail(
        'INPUT_INVALID',
        `Name a group: one of the policy's roles (${Object.keys(pack.roles).join(', ')}) or an Entra group id.`,
      );
    if (!groups)
      fail('NOT_CONFIGURED', 'Microsoft Graph is not configured, so group members cannot be read.');
    const members = await groups.members(groupId);
    const now = clock.now();
    const run: QuizRun = {
      ...(await this.pin(quiz, actor, now)),
      kind: 'assignment',
      classId: `group:${groupId}`,
      className: role?.[1].displayName ?? `Group ${groupId}`,
      tutorMris: [],
      dueAt: new Date(now.getTime() + quiz.dueDays * 24 * 60 * 60 * 1000).toISOString(),
      roster: members,
    };
    await store.saveRun(run);
    for (const m of members) await outbox?.send({ kind: 'quiz.assigned', runId: run.id, personId: m.id });
    log.info(
      { event: 'quiz.assigned', runId: run.id, quizId: quiz.id, people: members.length },
      'staff quiz sent',
    );
    return run;
  }

  /** The pack's quiz of this audience and id, or QUIZ_NOT_FOUND naming the ones there are. */
  private packQuiz(audience: Quiz['audience'], quizId: string): Quiz {
    const quizzes = this.quizzes(audience);
    return (
      quizzes.find((q) => q.id === quizId) ??
      fail(
        'QUIZ_NOT_FOUND',
        `There is no ${audience === 'learners' ? 'class' : 'staff'} quiz called "${quizId}". Try: ${quizzes.map((q) => q.id).join(', ')}.`,
        { quizId: quizId.slice(0, 64) },
      )
    );
  }

  /** What every run starts with: a new id, and the quiz pinned at its current version (kept). */
  private async pin(quiz: Quiz, actor: QuizActor, now: Date) {
    const snapshot = quizSnapshot(quiz);
    await this.deps.store.saveQuiz(snapshot);
    return {
      id: `q${randomBytes(9).toString('hex')}`,
      quizId: quiz.id,
      version: snapshot.version,
      startedBy: actor.id,
      ...(actor.name !== undefined && { startedByName: actor.name }),
      startedAt: now.toISOString(),
    };
  }

  async run(runId: string): Promise<QuizRun> {
    return (
      (await this.deps.store.run(runId)) ?? fail('QUIZ_NOT_FOUND', 'That quiz no longer exists.', { runId })
    );
  }

  /** The quiz as the run pinned it. */
  async quizOf(run: QuizRun): Promise<QuizSnapshot> {
    const key = `${run.quizId}@${run.version}`;
    const cached = this.snapshots.get(key);
    if (cached) return cached;
    const quiz =
      (await this.deps.store.quiz(run.quizId, run.version)) ??
      fail('STORAGE_FAILED', 'The quiz this run was started with is missing.', { runId: run.id });
    this.snapshots.set(key, quiz);
    return quiz;
  }

  /**
   * "Take the quiz": the learner's attempt where they left it, else their last result, else a new
   * attempt; "Try again" (`again`) starts a new one if the pack allows. `conversationId` is where
   * they pressed it: a class's card works in its class only.
   */
  async take(actor: QuizActor, runId: string, conversationId: string, again = false): Promise<QuizView> {
    const { store, clock, log } = this.deps;
    const run = await this.run(runId);
    this.assertInClass(run, conversationId, actor);
    const quiz = await this.quizOf(run);
    for (let round = 0; round < maxRounds; round++) {
      const mine = await store.attempts(run.id, actor.id);
      const latest = mine.at(-1);
      const attempts = mine.map((s) => s.attempt);
      if (latest && !latest.attempt.finishedAt) return this.view(run, quiz, latest.attempt, attempts);
      if (latest && (!again || !mayStartAnother(quiz, attempts))) {
        return this.view(run, quiz, latest.attempt, attempts);
      }
      if (isClosed(run, clock.now()))
        fail('QUIZ_REFUSED', 'This quiz has closed. Ask your tutor if you still need to take it.', {
          runId,
          reason: 'closed',
        });
      const attempt = newAttempt(run, quiz, actor.id, (latest?.attempt.number ?? 0) + 1, clock.now());
      if ((await store.putAttempt(attempt)) === undefined) continue; // started on another device: read it
      log.info(
        { event: 'quiz.attemptStarted', runId, personId: actor.id, attempt: attempt.number },
        'quiz attempt started',
      );
      await this.changed(run.id);
      return this.view(run, quiz, attempt, [...attempts, attempt]);
    }
    return fail('QUIZ_CONFLICT', 'Your quiz kept changing. Try again.', { runId });
  }

  /** Records one answer of the actor's current attempt (refused, recording nothing, when it may not). */
  async answer(
    actor: QuizActor,
    runId: string,
    questionId: string,
    answer: string,
    conversationId: string,
  ): Promise<QuizView> {
    const { store, clock, log } = this.deps;
    const run = await this.run(runId);
    this.assertInClass(run, conversationId, actor);
    const quiz = await this.quizOf(run);
    for (let round = 0; round < maxRounds; round++) {
      const mine = await store.attempts(run.id, actor.id);
      const latest: StoredAttempt | undefined = mine.at(-1);
      if (!latest) fail('QUIZ_REFUSED', 'Press **Take the quiz** to start.', { runId, reason: 'notStarted' });
      const { attempt, feedback } = answerQuestion(
        latest.attempt,
        quiz,
        run,
        questionId,
        answer,
        clock.now(),
      );
      if ((await store.putAttempt(attempt, latest.token)) === undefined) continue; // raced: re-read, re-check
      if (attempt.finishedAt) {
        log.info(
          {
            event: 'quiz.attemptFinished',
            runId,
            personId: actor.id,
            attempt: attempt.number,
            score: attempt.score,
            passed: attempt.passed,
          },
          'quiz attempt finished',
        );
        await this.changed(run.id);
      }
      const attempts = [...mine.slice(0, -1).map((s) => s.attempt), attempt];
      return { ...this.view(run, quiz, attempt, attempts), feedback };
    }
    return fail('QUIZ_CONFLICT', 'Your answer could not be saved. Try again.', { runId });
  }

  /** Where the actor is in a run, starting nothing (shown again after a refused answer). */
  async current(actor: QuizActor, runId: string): Promise<QuizView | undefined> {
    const run = await this.run(runId);
    const mine = (await this.deps.store.attempts(run.id, actor.id)).map((s) => s.attempt);
    const latest = mine.at(-1);
    return latest && this.view(run, await this.quizOf(run), latest, mine);
  }

  /** One person's standing in a run. */
  async resultOf(runId: string, personId: string): Promise<PersonResult> {
    return personResult(
      personId,
      (await this.deps.store.attempts(runId, personId)).map((s) => s.attempt),
    );
  }

  /**
   * *Remind*: the class's learners who have not started or not passed yet (tutors and DSLs only).
   * Each is reminded by the outbox in their own chat; the results say who they are.
   */
  async remind(actor: QuizActor, runId: string): Promise<{ results: ClassResults; reminded: string[] }> {
    const { outbox, log } = this.deps;
    const results = await this.results(actor, runId);
    const reminded = results.results
      .filter((r) => r.state === 'notStarted' || r.state === 'failed')
      .map((r) => r.personId);
    for (const personId of reminded) await outbox?.send({ kind: 'quiz.remind', runId, personId });
    log.info(
      { event: 'quiz.remind', runId, actorId: actor.id, reminded: reminded.length },
      'learners reminded',
    );
    return { results, reminded };
  }

  /** The class card's figures. */
  async tally(runId: string): Promise<Tally> {
    return tally((await this.deps.store.attempts(runId)).map((s) => s.attempt));
  }

  /**
   * Every member of the class with where they are: for tutors and DSLs only. The class list is
   * read again (people join late) and kept on the run.
   */
  async results(actor: QuizActor, runId: string): Promise<ClassResults> {
    const { store, log } = this.deps;
    let run = await this.run(runId);
    if (!(await this.mayView(actor.id, run))) {
      log.warn({ event: 'quiz.resultsRefused', runId, actorId: actor.id }, 'class results refused');
      fail('NOT_AUTHORISED', 'Only the class’s tutors and the safeguarding team can see its results.', {
        actorId: actor.id,
      });
    }
    const tutorMris =
      actor.mri && !run.tutorMris.includes(actor.mri) && (await this.isTutor(actor.id))
        ? [...run.tutorMris, actor.mri]
        : run.tutorMris;
    if (run.conversation) this.deps.roster?.forget(run.conversation);
    const roster = run.conversation ? await this.learnersIn(run.conversation, run.roster) : run.roster;
    if (tutorMris !== run.tutorMris || JSON.stringify(roster) !== JSON.stringify(run.roster)) {
      run = { ...run, tutorMris, roster };
      await store.saveRun(run);
    }
    const attempts = (await store.attempts(run.id)).map((s) => s.attempt);
    return {
      run,
      quiz: await this.quizOf(run),
      results: classResults(run.roster, attempts),
      tally: tally(attempts),
    };
  }

  /**
   * The training record, one row per person per run: every run of a class or of a quiz (or all),
   * with each member's state, best score and attempts. For the admin CLI and inspectors.
   */
  async report(filter: { readonly classId?: string; readonly quizId?: string } = {}): Promise<TrainingRow[]> {
    const { store, clock } = this.deps;
    const now = clock.now().toISOString();
    const rows: TrainingRow[] = [];
    for (const run of await store.runs(filter)) {
      const quiz = await this.quizOf(run);
      const attempts = (await store.attempts(run.id)).map((s) => s.attempt);
      const names = new Map(run.roster.map((m) => [m.id, m.name]));
      for (const r of classResults(run.roster, attempts)) {
        const name = names.get(r.personId);
        const validUntil =
          r.state === 'passed' && r.finishedAt && quiz.refreshMonths
            ? addMonths(r.passedAt ?? r.finishedAt, quiz.refreshMonths)
            : undefined;
        const overdue =
          (validUntil !== undefined && validUntil < now) ||
          (r.state !== 'passed' && run.dueAt !== undefined && run.dueAt < now);
        rows.push({
          runId: run.id,
          quizId: run.quizId,
          quizTitle: quiz.title,
          version: run.version,
          classId: run.classId,
          className: run.className ?? '',
          startedAt: run.startedAt,
          personId: r.personId,
          ...(name !== undefined && { name }),
          state: r.state,
          ...(r.best !== undefined && { best: r.best }),
          outOf: quiz.questions.length,
          passMark: quiz.passMark,
          attempts: r.attempts,
          missed: r.missed,
          ...(r.finishedAt !== undefined && { finishedAt: r.finishedAt }),
          ...(run.dueAt !== undefined && { dueAt: run.dueAt }),
          ...(validUntil !== undefined && { validUntil }),
          overdue,
        });
      }
    }
    // A lapsed pass is not overdue when the same person has passed the same quiz again since.
    return rows.map((row) =>
      row.overdue &&
      row.state === 'passed' &&
      rows.some(
        (other) =>
          other.personId === row.personId &&
          other.quizId === row.quizId &&
          other.state === 'passed' &&
          (other.validUntil ?? '') >= now,
      )
        ? { ...row, overdue: false }
        : row,
    );
  }

  /** A person's own training record: each quiz they were given, with their best and state. */
  async recordOf(personId: string): Promise<{ run: QuizRun; quiz: QuizSnapshot; result: PersonResult }[]> {
    const { store } = this.deps;
    const byRun = new Map<string, Attempt[]>();
    for (const a of await store.attemptsOf(personId)) byRun.set(a.runId, [...(byRun.get(a.runId) ?? []), a]);
    const out = [];
    for (const [runId, attempts] of byRun) {
      const run = await store.run(runId);
      if (!run) continue;
      out.push({ run, quiz: await this.quizOf(run), result: personResult(personId, attempts) });
    }
    return out.sort((a, b) => (a.run.startedAt < b.run.startedAt ? 1 : -1));
  }

  /** The latest run in a class (where `quiz results` is typed), if any. */
  async latestIn(classId: string): Promise<QuizRun | undefined> {
    return (await this.deps.store.runs({ classId }))[0];
  }

  private view(run: QuizRun, quiz: QuizSnapshot, attempt: Attempt, attempts: readonly Attempt[]): QuizView {
    return { run, quiz, attempt, mayRetake: !!attempt.finishedAt && mayStartAnother(quiz, attempts) };
  }

  /**
   * A class's card answers in its own class only, and a staff quiz only for the people it was sent
   * to (a forged run id from elsewhere records nothing).
   */
  private assertInClass(run: QuizRun, conversationId: string, actor: QuizActor): void {
    const ok =
      run.kind === 'class'
        ? conversationId.split(';')[0] === run.classId
        : run.roster.some((m) => m.id === actor.id);
    if (ok) return;
    this.deps.log.warn(
      { event: 'quiz.wrongClass', runId: run.id, actorId: actor.id },
      'quiz used outside its class',
    );
    fail(
      'QUIZ_REFUSED',
      run.kind === 'class' ? 'This quiz belongs to another class.' : 'This quiz was not sent to you.',
      { runId: run.id, reason: 'wrongClass' },
    );
  }

  /**
   * The class's members who are not tutors, as Graph lists them; none when there is no roster, and
   * `fallback` (the list as last read) when Graph cannot say now.
   */
  private async learnersIn(
    conversation: ConversationRefFacts | undefined,
    fallback: readonly Member[] = [],
  ): Promise<Member[]> {
    const { roster, log } = this.deps;
    if (!conversation || !roster) return [...fallback];
    let members;
    try {
      members = await roster.members(conversation);
    } catch (err) {
      log.warn({ event: 'quiz.rosterUnavailable', code: toEsafetyError(err).code }, 'class list not read');
      return [...fallback];
    }
    const learners: Member[] = [];
    for (const m of members) {
      if (!(await this.isTutor(m.id)))
        learners.push({ id: m.id, ...(m.displayName && { name: m.displayName }) });
    }
    return learners;
  }

  private async isIn(userId: string, role: string): Promise<boolean> {
    const groupId = this.deps.pack.roles[role]?.groupId;
    return !!groupId && (await this.deps.directory.isMember(userId, groupId));
  }

  private async changed(runId: string): Promise<void> {
    await this.deps.onChange?.(runId, 'progress');
  }
}
