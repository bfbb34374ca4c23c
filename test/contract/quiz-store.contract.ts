/**
 * The QuizStore contract: Table Storage and the in-memory fake both run it. A quiz version is kept
 * once; runs are read back whole and filtered by class and quiz; an attempt is written only by
 * compare-and-swap and read back per run, per person in a run, and per person across runs.
 */
import type { Attempt, QuizRun, QuizSnapshot } from '../../core/quizzes/quiz';
import type { QuizStore } from '../../core/quizzes/quiz-store';

let counter = 0;
const lee = '66666666-6666-4666-8666-666666666661';
const lola = '66666666-6666-4666-8666-666666666662';

export function contractQuiz(overrides: Partial<QuizSnapshot> = {}): QuizSnapshot {
  return {
    id: 'induction',
    version: 'abc123def456',
    title: 'E-safety at induction',
    audience: 'learners',
    passMark: 1,
    retakes: 'untilPassed',
    dueDays: 28,
    questions: [
      {
        id: 'who-to-tell',
        text: 'Who do you tell?',
        options: [
          { id: 'a', text: 'Nobody' },
          { id: 'b', text: 'A member of staff — “é” ✓' },
        ],
        answer: 'b',
        explanation: 'Staff pass it on (policy 5).',
      },
    ],
    ...overrides,
  };
}

export function contractRun(overrides: Partial<QuizRun> = {}): QuizRun {
  return {
    id: `q${String(++counter).padStart(6, '0')}${Date.now().toString(16)}`,
    quizId: 'induction',
    version: 'abc123def456',
    kind: 'class',
    classId: '19:class-team@thread.tacv2',
    className: 'Level 3 IT',
    place: { reference: { conversation: { id: '19:class-team@thread.tacv2' } } },
    startedBy: '55555555-5555-4555-8555-555555555555',
    tutorMris: ['29:tariq'],
    startedAt: '2026-12-01T09:00:00.000Z',
    roster: [{ id: lee, name: 'Lee Learner', mri: '29:lee' }, { id: lola }],
    ...overrides,
  };
}

function attemptOf(run: QuizRun, personId: string, overrides: Partial<Attempt> = {}): Attempt {
  return {
    runId: run.id,
    personId,
    number: 1,
    quizId: run.quizId,
    version: run.version,
    classId: run.classId,
    order: ['who-to-tell'],
    answers: [],
    startedAt: '2026-12-01T09:05:00.000Z',
    ...overrides,
  };
}

export function describeQuizStoreContract(
  name: string,
  makeStore: () => Promise<QuizStore> | QuizStore,
): void {
  describe(`QuizStore contract: ${name}`, () => {
    let store: QuizStore;
    beforeEach(async () => {
      store = await makeStore();
    });

    it('keeps a quiz version once, as written', async () => {
      const quiz = contractQuiz();
      expect(await store.quiz(quiz.id, quiz.version)).toBeUndefined();
      await store.saveQuiz(quiz);
      await store.saveQuiz(quiz); // idempotent
      expect(await store.quiz(quiz.id, quiz.version)).toEqual(quiz);
      expect(await store.quiz(quiz.id, 'ffffffffffff')).toBeUndefined();
    });

    it('reads runs back whole, newest first, filtered by class and quiz', async () => {
      const first = contractRun({ classId: '19:one@thread.v2' });
      const second = contractRun({
        classId: '19:one@thread.v2',
        startedAt: '2026-12-02T09:00:00.000Z',
        closesAt: '2026-12-09T23:59:00.000Z',
      });
      const other = contractRun({ classId: '19:two@thread.v2', quizId: 'other' });
      for (const r of [first, second, other]) await store.saveRun(r);
      expect(await store.run(first.id)).toEqual(first);
      expect(await store.run('qnothere')).toBeUndefined();
      expect((await store.runs({ classId: '19:one@thread.v2' })).map((r) => r.id)).toEqual([
        second.id,
        first.id,
      ]);
      expect((await store.runs({ quizId: 'other' })).map((r) => r.id)).toEqual([other.id]);
      // A run saved again (a fresh class list) replaces the old one.
      await store.saveRun({ ...first, roster: [{ id: lee }] });
      expect((await store.run(first.id))?.roster).toEqual([{ id: lee }]);
    });

    it('writes an attempt only by compare-and-swap', async () => {
      const run = contractRun();
      const attempt = attemptOf(run, lee);
      const token = await store.putAttempt(attempt);
      expect(token).toEqual(expect.any(String));
      expect(await store.putAttempt(attempt)).toBeUndefined(); // already started
      const answered: Attempt = {
        ...attempt,
        answers: [{ questionId: 'who-to-tell', answer: 'b', correct: true, at: '2026-12-01T09:06:00.000Z' }],
        finishedAt: '2026-12-01T09:06:00.000Z',
        score: 1,
        passed: true,
      };
      const next = await store.putAttempt(answered, token);
      expect(next).toEqual(expect.any(String));
      expect(await store.putAttempt({ ...attempt, answers: [] }, token)).toBeUndefined(); // stale token
      expect(await store.attempts(run.id, lee)).toEqual([{ attempt: answered, token: next }]);
    });

    it('reads attempts per run, per person in a run (in attempt order) and per person everywhere', async () => {
      const run = contractRun();
      const later = contractRun({ quizId: 'staff-refresher' });
      for (const a of [
        attemptOf(run, lola),
        attemptOf(run, lee, { number: 2 }),
        attemptOf(run, lee),
        attemptOf(later, lee, { quizId: 'staff-refresher' }),
      ])
        await store.putAttempt(a);
      expect((await store.attempts(run.id)).map((s) => [s.attempt.personId, s.attempt.number])).toEqual([
        [lee, 1],
        [lee, 2],
        [lola, 1],
      ]);
      expect((await store.attempts(run.id, lee)).map((s) => s.attempt.number)).toEqual([1, 2]);
      const record = await store.attemptsOf(lee);
      expect(record.map((a) => [a.runId, a.number]).sort()).toEqual(
        [
          [run.id, 1],
          [run.id, 2],
          [later.id, 1],
        ].sort(),
      );
      expect(await store.attemptsOf('77777777-7777-4777-8777-777777777777')).toEqual([]);
    });
  });
}
