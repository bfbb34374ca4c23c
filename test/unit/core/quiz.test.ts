/**
 * The quiz engine: a pinned version, a per-person order that is a stable permutation, answers
 * refused when they may not count, scoring, the retake policy, and the class figures; and the
 * service over the in-memory store: only tutors start, a pack edit mid-quiz changes no attempt, a
 * double click counts once, a closed quiz takes nothing.
 */
import fc from 'fast-check';
import { silentLogger } from '../../../core/logger';
import type { Quiz } from '../../../core/policy/policy-pack';
import {
  answerQuestion,
  classResults,
  mayStartAnother,
  newAttempt,
  quizSnapshot,
  shuffled,
  tally,
  type Attempt,
} from '../../../core/quizzes/quiz';
import { QuizService } from '../../../core/quizzes/quiz-service';
import { toEsafetyError } from '../../../core/errors';
import { classRun, defaultPack, inductionQuiz } from '../../support/fixtures';
import { MemoryQuizStore } from '../../support/memory-quiz-store';

const induction = defaultPack.quizzes.find((q) => q.id === 'induction') as Quiz;
const quiz = inductionQuiz;
const tutor = '55555555-5555-4555-8555-555555555555';
const lee = '66666666-6666-4666-8666-666666666661';
const lola = '66666666-6666-4666-8666-666666666662';
const now = new Date('2026-12-01T09:00:00.000Z');
const run = classRun();

const reason = (f: () => unknown) => {
  try {
    f();
  } catch (err) {
    return toEsafetyError(err).details['reason'];
  }
  return 'accepted';
};

/** Answers every question of an attempt, the first `wrong` of them wrongly. */
function complete(attempt: Attempt, wrong = 0): Attempt {
  let a = attempt;
  for (const [i, id] of attempt.order.entries()) {
    const q = quiz.questions.find((x) => x.id === id);
    const choice = i < wrong ? q?.options.find((o) => o.id !== q.answer)?.id : q?.answer;
    a = answerQuestion(a, quiz, run, id, choice ?? '', now).attempt;
  }
  return a;
}

describe('the quiz engine', () => {
  it('names a version by content: the same quiz the same version, an edit a new one', () => {
    expect(quizSnapshot(induction).version).toBe(quiz.version);
    expect(quizSnapshot({ ...induction, passMark: 13 }).version).not.toBe(quiz.version);
  });

  it('shuffles to a permutation that is the same for the same seed', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string(), { maxLength: 40 }), fc.string(), (items, seed) => {
        const order = shuffled(items, seed);
        expect([...order].sort()).toEqual([...items].sort());
        expect(shuffled(items, seed)).toEqual(order);
      }),
    );
    const a = newAttempt(run, quiz, lee, 1, now).order;
    const b = newAttempt(run, quiz, lola, 1, now).order;
    expect(a).not.toEqual(b); // learners sitting side by side meet different orders
  });

  it('takes only the question the attempt is on, once, with one of its options', () => {
    const attempt = newAttempt(run, quiz, lee, 1, now);
    const [first = '', second = ''] = attempt.order;
    expect(reason(() => answerQuestion(attempt, quiz, run, second, 'a', now))).toBe('order');
    expect(reason(() => answerQuestion(attempt, quiz, run, first, 'zz', now))).toBe('notAChoice');
    const { attempt: once, feedback } = answerQuestion(attempt, quiz, run, first, 'a', now);
    expect(feedback.explanation).toBe(quiz.questions.find((q) => q.id === first)?.explanation);
    expect(reason(() => answerQuestion(once, quiz, run, first, 'a', now))).toBe('answered');
    const closed = { ...run, closesAt: now.toISOString() };
    expect(reason(() => answerQuestion(once, quiz, closed, second, 'a', now))).toBe('closed');
    expect(reason(() => answerQuestion(complete(attempt), quiz, run, first, 'a', now))).toBe('finished');
  });

  it('scores on the server: the count of right answers, passed from the pass mark', () => {
    for (const wrong of [0, 3, 4, 17]) {
      const done = complete(newAttempt(run, quiz, lee, 1, now), wrong);
      expect(done).toMatchObject({ score: 17 - wrong, passed: 17 - wrong >= quiz.passMark });
      expect(done.finishedAt).toBe(now.toISOString());
    }
  });

  it('allows retakes as the pack says, and keeps the best score', () => {
    const failed = complete(newAttempt(run, quiz, lee, 1, now), 5);
    const passed = complete(newAttempt(run, quiz, lee, 2, now), 1);
    expect(mayStartAnother(quiz, [failed])).toBe(true);
    expect(mayStartAnother(quiz, [failed, passed])).toBe(false);
    expect(mayStartAnother({ ...quiz, retakes: 'never' }, [failed])).toBe(false);
    expect(mayStartAnother({ ...quiz, retakes: 'always' }, [failed, passed])).toBe(true);
    expect(mayStartAnother(quiz, [newAttempt(run, quiz, lee, 1, now)])).toBe(false); // one in progress
    const [leeResult, lolaResult] = classResults(run.roster, [failed, passed]);
    expect(leeResult).toMatchObject({ state: 'passed', best: 16, attempts: 2, missed: [] });
    expect(lolaResult).toMatchObject({ state: 'notStarted', attempts: 0 });
    expect(tally([failed, passed, newAttempt(run, quiz, lola, 1, now)])).toEqual({
      started: 2,
      finished: 1,
      passed: 1,
    });
  });
});

describe('the quiz service', () => {
  const dsl = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
  const otherTutor = '55555555-5555-4555-8555-555555555556';
  const directory = {
    isMember: (user: string, group: string) =>
      Promise.resolve(
        ((user === tutor || user === otherTutor) && group === defaultPack.roles['tutors']?.groupId) ||
          (user === dsl && group === defaultPack.roles['dsl']?.groupId),
      ),
  };
  const groups = { members: () => Promise.resolve([{ id: tutor, name: 'Tariq Tutor' }, { id: lee }]) };
  function service(pack = defaultPack, store = new MemoryQuizStore()) {
    const changes: string[] = [];
    const clock = { at: now, now: () => clock.at };
    const quizzes = new QuizService({
      store,
      pack,
      directory,
      clock,
      log: silentLogger,
      groups,
      onChange: (id) => Promise.resolve(void changes.push(id)),
    });
    return { quizzes, store, changes, clock };
  }
  const start = (quizzes: QuizService, extra: { closesAt?: Date } = {}) =>
    quizzes.start(
      { id: tutor, name: 'Tariq Tutor', mri: '29:tariq' },
      {
        quizId: 'induction',
        classId: run.classId,
        place: {},
        ...extra,
      },
    );

  it('lets only a tutor start a quiz, and only a learner quiz', async () => {
    const { quizzes, changes } = service();
    await expect(
      quizzes.start({ id: lee }, { quizId: 'induction', classId: run.classId, place: {} }),
    ).rejects.toMatchObject({ code: 'NOT_AUTHORISED' });
    await expect(
      quizzes.start({ id: tutor }, { quizId: 'staff-refresher', classId: run.classId, place: {} }),
    ).rejects.toMatchObject({ code: 'QUIZ_NOT_FOUND' });
    const started = await start(quizzes);
    expect(started).toMatchObject({
      startedBy: tutor,
      tutorMris: ['29:tariq'],
      startedByName: 'Tariq Tutor',
    });
    expect(changes).toEqual([started.id]);
  });

  it('keeps an attempt on the version it started with when the pack changes mid-quiz', async () => {
    const store = new MemoryQuizStore();
    const before = service(defaultPack, store);
    const started = await start(before.quizzes);
    const view = await before.quizzes.take({ id: lee }, started.id, run.classId);
    const edited = {
      ...defaultPack,
      quizzes: defaultPack.quizzes.map((q) =>
        q.id === 'induction' ? { ...q, questions: q.questions.map((x) => ({ ...x, answer: 'zz' })) } : q,
      ),
    };
    const after = service(edited, store).quizzes; // the app restarted with the edited pack
    const first = view.attempt.order[0] ?? '';
    const right = quiz.questions.find((q) => q.id === first)?.answer ?? '';
    const answered = await after.answer({ id: lee }, started.id, first, right, run.classId);
    expect(answered.feedback?.correct).toBe(true);
    expect(answered.quiz.version).toBe(quiz.version);
  });

  it('counts a double click once and refuses the second', async () => {
    const { quizzes, store } = service();
    const started = await start(quizzes);
    const view = await quizzes.take({ id: lee }, started.id, run.classId);
    const first = view.attempt.order[0] ?? '';
    const results = await Promise.allSettled([
      quizzes.answer({ id: lee }, started.id, first, 'a', run.classId),
      quizzes.answer({ id: lee }, started.id, first, 'b', run.classId),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.find((r) => r.status === 'rejected');
    expect(toEsafetyError(refused?.reason).details['reason']).toBe('answered');
    expect((await store.attempts(started.id, lee))[0]?.attempt.answers).toHaveLength(1);
  });

  it('refuses a card used in another class, and a start after the quiz closed', async () => {
    const { quizzes, clock } = service();
    const started = await start(quizzes, { closesAt: new Date('2026-12-01T17:00:00.000Z') });
    await expect(quizzes.take({ id: lee }, started.id, '19:other@thread.v2')).rejects.toMatchObject({
      code: 'QUIZ_REFUSED',
    });
    clock.at = new Date('2026-12-01T17:00:00.000Z');
    await expect(quizzes.take({ id: lola }, started.id, run.classId)).rejects.toMatchObject({
      code: 'QUIZ_REFUSED',
      details: expect.objectContaining({ reason: 'closed' }),
    });
  });

  it('sends a staff quiz to a group (DSL only) and reports who is overdue: not passed by the due date, or a pass past its refresh period', async () => {
    const { quizzes, clock } = service();
    await expect(quizzes.assign({ id: tutor }, 'staff-refresher', 'tutors')).rejects.toMatchObject({
      code: 'NOT_AUTHORISED',
    });
    await expect(quizzes.assign({ id: dsl }, 'induction', 'tutors')).rejects.toMatchObject({
      code: 'QUIZ_NOT_FOUND',
    });
    const run = await quizzes.assign({ id: dsl }, 'staff-refresher', 'tutors');
    expect(run).toMatchObject({ kind: 'assignment', className: 'Tutors and assessors' });
    expect(Date.parse(run.dueAt ?? '') - now.getTime()).toBe(28 * 24 * 60 * 60 * 1000);
    // Tariq passes on day 1.
    const refresher = quizSnapshot(defaultPack.quizzes.find((q) => q.id === 'staff-refresher') as Quiz);
    let view = await quizzes.take({ id: tutor }, run.id, 'a:personal');
    while (!view.attempt.finishedAt) {
      const id = view.attempt.order[view.attempt.answers.length] ?? '';
      const right = refresher.questions.find((q) => q.id === id)?.answer ?? '';
      view = await quizzes.answer({ id: tutor }, run.id, id, right, 'a:personal');
    }
    expect(view.attempt.passed).toBe(true);
    const overdue = async () =>
      Object.fromEntries(
        (await quizzes.report({ quizId: 'staff-refresher' })).map((r) => [r.personId, r.overdue]),
      );
    expect(await overdue()).toEqual({ [tutor]: false, [lee]: false });
    clock.at = new Date(now.getTime() + 29 * 24 * 60 * 60 * 1000); // past the due date
    expect(await overdue()).toEqual({ [tutor]: false, [lee]: true });
    clock.at = new Date('2027-12-02T09:00:00.000Z'); // past the 12-month refresh period
    expect(await overdue()).toEqual({ [tutor]: true, [lee]: true });
  });

  it('shows a class’s results to its tutors and the DSLs only: not to a tutor of another class, nor a learner', async () => {
    const { quizzes } = service();
    const started = await start(quizzes);
    await expect(quizzes.results({ id: tutor }, started.id)).resolves.toMatchObject({
      run: { id: started.id },
    });
    await expect(quizzes.results({ id: dsl }, started.id)).resolves.toMatchObject({
      run: { id: started.id },
    });
    for (const who of [otherTutor, lee])
      await expect(quizzes.results({ id: who }, started.id)).rejects.toMatchObject({
        code: 'NOT_AUTHORISED',
      });
  });
});
