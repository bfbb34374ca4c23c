/**
 * An induction quiz over HTTP end to end, as Teams drives it: a learner may not start one; Tariq
 * (a tutor) types `quiz start induction` in the class team and the class card is posted to the
 * class; Lee takes it in his own view, with feedback after each answer and his score at the end;
 * tampered, repeated, out-of-order and invalid answers change nothing; the class card shows the
 * tutor the figures; `quiz results` lists every member of the class; 30 learners answer at once
 * with every answer kept and every score right; a restart mid-quiz resumes at the same question;
 * `esafety training report` shows the record. Every card is checked with the `adaptivecards`
 * library at 1.5, with a label on every input.
 */
import { randomBytes } from 'node:crypto';
import { runCli } from '../../cli/esafety';
import type { QuizQuestion } from '../../core/policy/policy-pack';
import { checkCard } from '../support/card-validator';
import { shownText } from '../support/card-text';
import { repoRoot, uniquePrefix } from '../support/fixtures';
import { startStack, type LocalStack } from '../support/local-stack';
import { cardAction, classChannel, message, type TeamsUser } from '../support/teams-activities';
import { waitFor } from '../support/wait-for';

const tariq: TeamsUser = { aadObjectId: '55555555-5555-4555-8555-555555555555', name: 'Tariq Tutor' };
const lee: TeamsUser = { aadObjectId: '66666666-6666-4666-8666-666666666661', name: 'Lee Learner' };
const lola: TeamsUser = { aadObjectId: '66666666-6666-4666-8666-666666666662', name: 'Lola Learner' };
const classId = classChannel.channelData.channel.id;

type Card = Record<string, any>;
const textOf = (card: unknown) => shownText(card);

/** The data of the card's Execute action with this title (what Teams sends when it is pressed). */
function actionData(card: Card, title: string): Card {
  const found = (card['actions'] as Card[] | undefined)?.find(
    (a) => a['type'] === 'Action.Execute' && a['title'] === title,
  );
  if (!found) throw new Error(`no "${title}" action on the card:\n${textOf(card)}`);
  return { verb: found['verb'], data: found['data'] };
}

function wellFormed(card: Card): Card {
  const problems = checkCard(card);
  expect(problems.events).toEqual([]);
  expect(problems.unlabelledInputs).toEqual([]);
  expect(problems.unexpanded).toEqual([]);
  return card;
}

let stack: LocalStack;
let questions: Map<string, QuizQuestion>;
const storage = { tablePrefix: uniquePrefix(), fieldKey: randomBytes(32).toString('base64') };

beforeAll(async () => {
  stack = await startStack({ queues: true, routes: true, storage });
  const quiz = stack.app.pack.quizzes.find((q) => q.id === 'induction');
  questions = new Map(quiz?.questions.map((q) => [q.id, q]));
});
afterAll(() => stack?.stop());

async function say(user: TeamsUser, text: string): Promise<Card | undefined> {
  stack.connector.clear();
  const res = await stack.post(
    message(user, stack.connector.url, text, classChannel.conversation, classChannel.channelData),
  );
  expect(res.status).toBe(200);
  const cards = stack.connector.cards();
  expect(cards.length).toBeLessThanOrEqual(1);
  return cards[0] && wellFormed(cards[0]);
}

async function press(user: TeamsUser, action: Card, inputs: Record<string, unknown> = {}): Promise<Card> {
  const res = await stack.post(
    cardAction(
      user,
      stack.connector.url,
      action['verb'],
      { ...action['data'], ...inputs },
      classChannel.conversation,
      classChannel.channelData,
    ),
  );
  expect(res.status).toBe(200);
  return wellFormed(res.body.value as Card);
}

/** The question a card asks: its id (from the Answer action) and its choices. */
function questionOn(card: Card): { action: Card; question: QuizQuestion } {
  const action = actionData(card, card['actions'][0]['title']);
  const question = questions.get(action['data']['questionId']);
  if (!question) throw new Error(`the card asks no known question:\n${textOf(card)}`);
  return { action, question };
}

const wrongOf = (q: QuizQuestion) => q.options.find((o) => o.id !== q.answer)?.id ?? '';

/** Cards the bot posted or updated in Tariq's own chat, newest first. */
const tutorCards = () =>
  stack.connector.calls
    .filter((c) => c.path.includes(encodeURIComponent(`a:personal-${tariq.aadObjectId}`)))
    .flatMap((c) => ((c.body['attachments'] as Card[] | undefined) ?? []).map((a) => a['content'] as Card))
    .reverse();

/** Cards the bot posted or updated in the class channel's thread, oldest first. */
const classCards = () =>
  stack.connector.calls
    .filter((c) => c.path.includes(encodeURIComponent(classChannel.conversation.id)))
    .flatMap((c) => ((c.body['attachments'] as Card[] | undefined) ?? []).map((a) => a['content'] as Card));

let runId = '';
let classCard: Card;

describe('a tutor starts the induction quiz in a class team', () => {
  it('refuses a learner who types quiz start, starting nothing', async () => {
    const card = await say(lola, 'quiz start induction');
    expect(textOf(card)).toContain('Only tutors can start a quiz in a class.');
    expect(await stack.app.quizzes.latestIn(classId)).toBeUndefined();
  });

  it('offers a tutor who types quiz alone a choice of the pack’s class quizzes', async () => {
    const card = await say(tariq, 'quiz');
    expect(textOf(card)).toContain('Start an e-safety quiz in this class');
    expect(JSON.stringify(card)).toContain('E-safety at induction (17 questions)');
  });

  it('posts one class card with the quiz, its length, pass mark and Take the quiz', async () => {
    // Tariq has the app in his personal scope: his progress card goes to that chat.
    expect((await stack.post(message(tariq, stack.connector.url, 'hello'))).status).toBe(200);
    stack.connector.clear();
    expect(await say(tariq, 'quiz start induction')).toBeUndefined(); // the class card is the answer
    classCard = await waitFor(() => classCards()[0], 'the class card');
    wellFormed(classCard);
    const text = textOf(classCard);
    expect(text).toContain('E-safety at induction');
    expect(text).toContain('Questions: 17');
    expect(text).toContain('Pass mark: 14 of 17 correct');
    expect(text).toContain('Started by: Tariq Tutor');
    const take = actionData(classCard, 'Take the quiz');
    runId = take['data']['runId'];
    expect(runId).toMatch(/^q[0-9a-f]+$/);
    // Teams refreshes it for the tutor (his MRI), never for learners.
    expect(classCard['refresh']).toMatchObject({ userIds: [`29:${tariq.aadObjectId}`] });
    expect(JSON.stringify(classCard)).not.toContain('"answer"');
  });
});

describe('Lee takes the quiz in his own view', () => {
  let card: Card;

  it('shows the first question, never the answer', async () => {
    card = await press(lee, actionData(classCard, 'Take the quiz'));
    expect(textOf(card)).toContain('Question 1 of 17');
    const { action, question } = questionOn(card);
    expect(Object.keys(action['data']).sort()).toEqual(['questionId', 'runId']);
    expect(JSON.stringify(card)).not.toContain(question.explanation.slice(0, 30));
    const input = card['body'].find((b: Card) => b['type'] === 'Input.ChoiceSet');
    expect(input).toMatchObject({ id: 'answer', label: expect.stringContaining(question.text.slice(0, 20)) });
  });

  it('gives feedback after a wrong answer, with the pack’s explanation, and the next question', async () => {
    const { action, question } = questionOn(card);
    card = await press(lee, action, { answer: wrongOf(question) });
    expect(textOf(card)).toContain('✘ Not quite');
    expect(textOf(card)).toContain(question.explanation.slice(0, 40));
    expect(textOf(card)).toContain('Question 2 of 17');
  });

  it('refuses a second answer, an out-of-order one, one not among the choices, and a missing one, recording nothing', async () => {
    const before = await stack.app.quizzes.current({ id: lee.aadObjectId }, runId);
    const first = before?.attempt.answers[0]?.questionId ?? '';
    let refused = await press(
      lee,
      { verb: 'quiz.answer', data: { runId, questionId: first } },
      { answer: 'a' },
    );
    expect(textOf(refused)).toContain('You have already answered that question');
    expect(textOf(refused)).toContain('Question 2 of 17');
    const later = before?.attempt.order[5] ?? '';
    refused = await press(lee, { verb: 'quiz.answer', data: { runId, questionId: later } }, { answer: 'a' });
    expect(textOf(refused)).toContain('That is not the question you are on');
    const { action } = questionOn(card);
    refused = await press(lee, action, { answer: 'zz' });
    expect(textOf(refused)).toContain('Choose one of the answers given');
    refused = await press(lee, action, {});
    expect(textOf(refused)).toContain('Choose an answer');
    const after = await stack.app.quizzes.current({ id: lee.aadObjectId }, runId);
    expect(after?.attempt).toEqual(before?.attempt);
  });

  it('ignores a score, a correct flag or another learner’s id in card data', async () => {
    const { action, question } = questionOn(card);
    card = await press(lee, action, {
      answer: wrongOf(question),
      correct: true,
      score: 17,
      passed: true,
      personId: lola.aadObjectId,
      aadObjectId: lola.aadObjectId,
    });
    expect(textOf(card)).toContain('✘ Not quite');
    const mine = await stack.app.quizzes.current({ id: lee.aadObjectId }, runId);
    expect(mine?.attempt.answers.map((a) => a.correct)).toEqual([false, false]);
    expect(await stack.app.quizzes.current({ id: lola.aadObjectId }, runId)).toBeUndefined();
  });

  it('ends with his score, pass, and what to revisit', async () => {
    for (let n = 3; n <= 17; n++) {
      const { action, question } = questionOn(card);
      expect(card['actions'][0]['title']).toBe(n === 17 ? 'Answer and finish' : 'Answer');
      card = await press(lee, action, { answer: question.answer });
      if (n < 17) expect(textOf(card)).toContain(`Question ${n + 1} of 17`);
    }
    const text = textOf(card);
    expect(text).toContain('✔ Right');
    expect(text).toContain('Passed: 15 out of 17');
    expect(text).toContain('To revisit');
    const missed = (await stack.app.quizzes.current({ id: lee.aadObjectId }, runId))?.attempt.answers
      .filter((a) => !a.correct)
      .map((a) => questions.get(a.questionId)?.explanation ?? '');
    for (const explanation of missed ?? []) expect(text).toContain(explanation.slice(0, 40));
    expect(() => actionData(card, 'Try again')).toThrow(); // passed: the pack allows retakes until passed
  });

  it('shows Tariq the figures live — his progress card, and his refreshed view of the class card — and never resets the class card under learners', async () => {
    const progress = await waitFor(
      () => tutorCards().find((c) => textOf(c).includes('1 started · 1 finished · 1 passed (of 2 learners)')),
      "Tariq's progress card updated",
    );
    wellFormed(progress);
    expect(textOf(progress)).toContain('E-safety at induction in Level 3 IT: progress');
    const putsToClass = stack.connector.calls.filter(
      (c) => c.method === 'PUT' && c.path.includes(encodeURIComponent(classChannel.conversation.id)),
    );
    expect(putsToClass).toEqual([]); // the class card itself was posted once, never updated
    const tutorView = await press(tariq, { verb: 'quiz.refresh', data: { runId } });
    expect(textOf(tutorView)).toContain('1 started · 1 finished · 1 passed (of 2 learners)');
    const learnerView = await press(lola, { verb: 'quiz.refresh', data: { runId } });
    expect(textOf(learnerView)).not.toContain('Class progress');
    expect(() => actionData(learnerView, 'Class results')).toThrow();
  });

  it('gives Tariq every member of the class with their state on quiz results, and refuses a learner', async () => {
    const card = await say(tariq, 'quiz results');
    const text = textOf(card);
    expect(text).toContain('1 passed · 0 not passed yet · 0 in progress · 1 not started (2 in the class)');
    expect(text).toMatch(/Lee Learner\s*\n?Passed \(15\/17\)/);
    expect(text).toContain('Lola Learner');
    expect(text).toContain('Not started');
    expect(text).not.toContain('Tariq Tutor'); // tutors are not on the class list
    const refused = await say(lola, 'quiz results');
    expect(textOf(refused)).toContain('Only the class’s tutors and the safeguarding team');
  });
});

describe('Remind', () => {
  it('sends each learner who has not started a reminder in their own chat, and says who it could not reach', async () => {
    // Lola has the app in her personal scope (she said hello); the bot keeps her chat.
    stack.connector.clear();
    expect((await stack.post(message(lola, stack.connector.url, 'hello'))).status).toBe(200);
    const results = await say(tariq, 'quiz results');
    expect(actionData(results as Card, 'Remind 1 not passed')['verb']).toBe('quiz.remind');
    stack.connector.clear();
    const card = await press(tariq, actionData(results as Card, 'Remind 1 not passed'));
    expect(textOf(card)).toContain('Reminder sent to 1 learner in their chat with E-Safety.');
    const reminder = await waitFor(
      () =>
        stack.connector.calls
          .filter((c) => c.path.includes(encodeURIComponent(`a:personal-${lola.aadObjectId}`)))
          .flatMap((c) =>
            ((c.body['attachments'] as Card[] | undefined) ?? []).map((a) => a['content'] as Card),
          )[0],
      "Lola's reminder",
    );
    wellFormed(reminder);
    expect(textOf(reminder)).toContain('Reminder: E-safety at induction');
    expect(textOf(reminder)).toContain('press Take the quiz on the quiz card in your class team, Level 3 IT');
    // Nobody else was messaged: Lee passed.
    expect(
      stack.connector.calls.filter((c) =>
        c.path.includes(encodeURIComponent(`a:personal-${lee.aadObjectId}`)),
      ),
    ).toEqual([]);
  });

  it('shows Lee his own training record in his chat, and nobody else’s', async () => {
    stack.connector.clear();
    expect((await stack.post(message(lee, stack.connector.url, 'quiz'))).status).toBe(200);
    const [card] = stack.connector.cards();
    const text = textOf(wellFormed(card as Card));
    expect(text).toContain('Your e-safety training');
    expect(text).toMatch(/E-safety at induction, Level 3 IT, \w+ \d{4}: passed \(best 15 of 17\)/);
    expect(text).not.toContain('Lola');
  });

  it('refuses Remind from a learner', async () => {
    const card = await press(lola, { verb: 'quiz.remind', data: { runId } });
    expect(textOf(card)).toContain('Only the class’s tutors and the safeguarding team');
  });
});

describe('a class of 30 answering at once', () => {
  const learners = Array.from({ length: 30 }, (_, i) => ({
    aadObjectId: `7${String(i).padStart(7, '0')}-0000-4000-8000-${randomBytes(6).toString('hex')}`,
    name: `Learner ${i + 1}`,
  }));

  it('records every attempt and answer, scores each right, and the tally is exact', async () => {
    const finals = await Promise.all(
      learners.map(async (learner, i) => {
        let card = await press(learner, { verb: 'quiz.start', data: { runId } });
        // Learner i gets the first i % 6 questions they meet wrong.
        for (let n = 0; n < 17; n++) {
          const { action, question } = questionOn(card);
          card = await press(learner, action, { answer: n < i % 6 ? wrongOf(question) : question.answer });
        }
        return textOf(card);
      }),
    );
    finals.forEach((text, i) => {
      const score = 17 - (i % 6);
      expect(text).toContain(
        score >= 14 ? `Passed: ${score} out of 17` : `${score} out of 17: not passed yet`,
      );
    });
    const attempts = await stack.app.quizzes.report({ classId });
    for (const [i, learner] of learners.entries()) {
      const row = attempts.find((r) => r.personId === learner.aadObjectId);
      expect(row).toMatchObject({
        best: 17 - (i % 6),
        attempts: 1,
        state: 17 - (i % 6) >= 14 ? 'passed' : 'failed',
      });
    }
    const tally = await stack.app.quizzes.tally(runId);
    // Lee and the 30; passes are scores of 14 and over (i % 6 of 0–3).
    expect(tally).toMatchObject({
      started: 31,
      finished: 31,
      passed: 1 + learners.filter((_, i) => i % 6 <= 3).length,
    });
    const tutorView = await press(tariq, { verb: 'quiz.refresh', data: { runId } });
    expect(textOf(tutorView)).toContain(`31 started · 31 finished · ${tally.passed} passed`);
    await waitFor(
      () => tutorCards().find((c) => textOf(c).includes(`31 started · 31 finished · ${tally.passed} passed`)),
      "Tariq's progress card with the whole class",
    );
  });

  it('lets a learner who has not passed try again, keeping every attempt and the best score', async () => {
    const learner = learners[5]!; // scored 12
    let card = await press(learner, { verb: 'quiz.start', data: { runId } });
    expect(textOf(card)).toContain('12 out of 17: not passed yet');
    card = await press(learner, actionData(card, 'Try again'));
    expect(textOf(card)).toContain('Question 1 of 17');
    const { action, question } = questionOn(card);
    await press(learner, action, { answer: question.answer });
    const rows = await stack.app.quizzes.report({ classId });
    expect(rows.find((r) => r.personId === learner.aadObjectId)).toMatchObject({
      attempts: 2,
      best: 12,
      state: 'inProgress',
    });
  });
});

describe('the staff refresher, sent by the DSL to a group', () => {
  const dana: TeamsUser = { aadObjectId: 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', name: 'Dana DSL' };
  const inChat = async (user: TeamsUser, text: string) => {
    stack.connector.clear();
    const res = await stack.post(message(user, stack.connector.url, text));
    expect(res.status).toBe(200);
    return stack.connector.cards().map(wellFormed);
  };
  const pressInChat = async (user: TeamsUser, action: Card, inputs: Record<string, unknown> = {}) => {
    const res = await stack.post(
      cardAction(user, stack.connector.url, action['verb'], { ...action['data'], ...inputs }),
    );
    expect(res.status).toBe(200);
    return wellFormed(res.body.value as Card);
  };

  it('refuses quiz assign from anyone but the DSL', async () => {
    const [card] = await inChat(tariq, 'quiz assign staff-refresher tutors');
    expect(textOf(card)).toContain('Only the Designated Safeguarding Lead can send a staff quiz.');
  });

  it('sends each member their own copy, done in personal chat, due by the pack’s date, kept in the record', async () => {
    const [sent] = await inChat(dana, 'quiz assign staff-refresher tutors');
    expect(textOf(sent)).toMatch(/Sent: .*refresher/i);
    expect(textOf(sent)).toContain(
      '1 person in Tutors and assessors gets it in their chat with E-Safety, due by',
    );
    const refresher = stack.app.pack.quizzes.find((q) => q.id === 'staff-refresher');
    const staffQuestions = new Map(refresher?.questions.map((q) => [q.id, q]));
    const card = await waitFor(
      () =>
        stack.connector.calls
          .filter((c) => c.path.includes(encodeURIComponent(`a:personal-${tariq.aadObjectId}`)))
          .flatMap((c) =>
            ((c.body['attachments'] as Card[] | undefined) ?? []).map((a) => a['content'] as Card),
          )
          .find((c) => textOf(c).includes('Please complete it by')),
      "Tariq's refresher",
    );
    wellFormed(card);
    const start = actionData(card, 'Start');
    // Someone it was not sent to cannot take it.
    const refused = await pressInChat(lee, start);
    expect(textOf(refused)).toContain('This quiz was not sent to you.');
    let view = await pressInChat(tariq, start);
    const count = refresher?.questions.length ?? 0;
    for (let n = 1; n <= count; n++) {
      expect(textOf(view)).toContain(`Question ${n} of ${count}`);
      const action = actionData(view, view['actions'][0]['title']);
      const q = staffQuestions.get(action['data']['questionId']);
      view = await pressInChat(tariq, action, { answer: q?.answer });
    }
    expect(textOf(view)).toContain(`Passed: ${count} out of ${count}`);
    const rows = await stack.app.quizzes.report({ quizId: 'staff-refresher' });
    expect(rows).toEqual([
      expect.objectContaining({
        personId: tariq.aadObjectId,
        name: 'Tariq Tutor',
        state: 'passed',
        overdue: false,
        className: 'Tutors and assessors',
        dueAt: expect.any(String),
        validUntil: expect.any(String),
      }),
    ]);
  });
});

describe('stopping the system mid-quiz', () => {
  it('resumes Lola at the same question after a restart', async () => {
    let card = await press(lola, { verb: 'quiz.start', data: { runId } });
    for (let n = 0; n < 3; n++) {
      const { action, question } = questionOn(card);
      card = await press(lola, action, { answer: question.answer });
    }
    expect(textOf(card)).toContain('Question 4 of 17');
    const before = questionOn(card).question.id;
    await stack.stop();
    stack = await startStack({ queues: true, routes: true, storage });
    // Her client lost the post: she asks the bot for the class's quiz and carries on from it.
    const again = await say(lola, 'quiz');
    expect(textOf(again)).toContain('E-safety at induction');
    card = await press(lola, actionData(again as Card, 'Take the quiz'));
    expect(textOf(card)).toContain('Question 4 of 17');
    expect(questionOn(card).question.id).toBe(before);
  });
});

describe('the tutor’s quiz chooser', () => {
  it('posts the chosen quiz with a closing date to a class group chat, even when its class list cannot be read', async () => {
    const chat = { id: '19:unknown-class@thread.v2', conversationType: 'groupChat', isGroup: true };
    stack.connector.clear();
    await stack.post(message(tariq, stack.connector.url, 'quiz', chat));
    const chooser = wellFormed(stack.connector.cards()[0] as Card);
    const res = await stack.post(
      cardAction(
        tariq,
        stack.connector.url,
        'quiz.open',
        { ...actionData(chooser, 'Post the quiz')['data'], quizId: 'induction', closes: '2099-07-20' },
        chat,
      ),
    );
    expect(textOf(res.body.value)).toContain('Posted: E-safety at induction');
    const run = await stack.app.quizzes.latestIn(chat.id);
    expect(run).toMatchObject({ closesAt: '2099-07-20T22:59:00.000Z', roster: [] });
    const card = await waitFor(
      () =>
        stack.connector.calls
          .filter((c) => c.path.includes(encodeURIComponent(chat.id)))
          .flatMap((c) =>
            ((c.body['attachments'] as Card[] | undefined) ?? []).map((a) => a['content'] as Card),
          )
          .find((c) => textOf(c).includes('Closes')),
      'the class card in the chat',
    );
    expect(textOf(card)).toContain('Closes: 20 Jul, 23:59');
  });
});

describe('esafety training report', () => {
  it('shows each learner’s result for the class, as a table, JSON and CSV', async () => {
    const run = async (args: string[]) => {
      const out: string[] = [];
      const code = await runCli(['training', 'report', ...args], {
        out: (s) => out.push(s),
        err: (s) => out.push(s),
        env: { ...stack.env },
        cwd: repoRoot,
      });
      expect(code).toBe(0);
      return out.join('\n');
    };
    const table = await run(['--class', classId]);
    expect(table).toMatch(/induction\s+Level 3 IT\s+\S+ \S+\s+Lee Learner\s+passed\s+15\/17\s+1/);
    expect(table).toMatch(/Lola Learner\s+in progress/);
    const json = JSON.parse(await run(['--quiz', 'induction', '--json'])) as {
      personId: string;
      best?: number;
    }[];
    expect(json.find((r) => r.personId === lee.aadObjectId)?.best).toBe(15);
    const csv = await run(['--csv']);
    expect(csv.split('\r\n')[0]).toContain('quiz,quizTitle,version,class,classId');
    expect(csv).toContain(`Lee Learner,${lee.aadObjectId},passed,15,17,14,1`);
  });
});
