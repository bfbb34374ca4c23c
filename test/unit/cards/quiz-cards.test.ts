/**
 * Every quiz card parses with Microsoft's `adaptivecards` library at 1.5, with a label on every
 * input, no unexpanded template text, and text from people made inert; the right answer is on no
 * card a learner answers from; a reminder after a fail carries what to revisit.
 */
import { answerQuestion, newAttempt, personResult, tally } from '../../../core/quizzes/quiz';
import {
  attemptCard,
  chooseQuizCard,
  classCard,
  classResultsCard,
  progressCard,
  reminderCard,
} from '../../../cards/quiz/quiz-cards';
import { checkCard } from '../../support/card-validator';
import { shownText } from '../../support/card-text';
import { classRun, defaultPack, inductionQuiz } from '../../support/fixtures';

const quiz = inductionQuiz;
const now = new Date('2026-12-01T09:00:00.000Z');
const lee = '66666666-6666-4666-8666-666666666661';
const run = classRun({
  className: 'Level 3 [IT](https://evil.example.com)',
  startedByName: 'Tariq **Tutor**',
  tutorMris: ['29:tariq'],
  closesAt: '2026-12-18T23:59:00.000Z',
  roster: [{ id: lee, name: 'Lee <b>Learner</b>' }, { id: '66666666-6666-4666-8666-666666666662' }],
});

function clean(card: object) {
  const problems = checkCard(card);
  expect(problems.events).toEqual([]);
  expect(problems.unlabelledInputs).toEqual([]);
  expect(problems.unexpanded).toEqual([]);
  expect(problems.duplicateIds).toEqual([]);
  return card;
}

describe('quiz cards', () => {
  const first = newAttempt(run, quiz, lee, 1, now);
  const q = quiz.questions.find((x) => x.id === first.order[0]);
  const wrong = q?.options.find((o) => o.id !== q.answer)?.id ?? '';
  const answered = answerQuestion(first, quiz, run, first.order[0] ?? '', wrong, now);

  it('all parse at 1.5 with labelled inputs', () => {
    const attempts = [answered.attempt];
    for (const card of [
      classCard(run, quiz, { tally: tally(attempts), now }),
      progressCard(run, quiz, tally(attempts)),
      classCard(run, quiz, { now }),
      attemptCard({ run, quiz, attempt: first, mayRetake: false }),
      attemptCard(
        { run, quiz, attempt: answered.attempt, feedback: answered.feedback, mayRetake: false },
        'Choose an answer.',
      ),
      classResultsCard(
        { run, quiz, results: [personResult(lee, attempts)], tally: tally(attempts) },
        'Sent.',
      ),
      chooseQuizCard(defaultPack.quizzes.filter((x) => x.audience === 'learners')),
      reminderCard(run, quiz, personResult(lee, [])),
    ])
      clean(card);
  });

  it('never puts the right answer in a question card, and makes names inert', () => {
    const card = attemptCard({ run, quiz, attempt: first, mayRetake: false });
    const data = JSON.stringify((card['actions'] as object[])[0]);
    expect(data).not.toContain('"answer"');
    const shown = shownText(classCard(run, quiz, { now }));
    expect(shown).toContain('Tariq **Tutor**');
    const results = JSON.stringify(
      classResultsCard({ run, quiz, results: [personResult(lee, [])], tally: tally([]) }),
    );
    expect(results).not.toContain('<b>');
  });

  it('reminds a learner who failed with what to revisit, and one who has not started where to go', () => {
    let attempt = newAttempt(run, quiz, lee, 1, now);
    for (const id of attempt.order) {
      const question = quiz.questions.find((x) => x.id === id);
      const choice = question?.options.find((o) => o.id !== question.answer)?.id ?? '';
      attempt = answerQuestion(attempt, quiz, run, id, choice, now).attempt;
    }
    const failed = clean(reminderCard(run, quiz, personResult(lee, [attempt])));
    const text = shownText(failed);
    expect(text).toContain('You have not passed the quiz yet (your best is 0 of 17; 14 pass)');
    for (const question of quiz.questions) expect(text).toContain(question.explanation.slice(0, 30));
    const notStarted = shownText(reminderCard(run, quiz, personResult(lee, [])));
    expect(notStarted).toContain('press Take the quiz on the quiz card in your class team');
    expect(notStarted).not.toContain('https://evil');
  });
});
