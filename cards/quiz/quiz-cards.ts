/**
 * The quiz cards: the class card (everyone sees the quiz and *Take the quiz*; Teams refreshes it
 * for the class's tutors, who see the live figures), one question at a time with feedback on the
 * last answer, the learner's result with what to revisit, the tutor's class results, and the
 * tutor's quiz chooser.
 *
 * The right answer is never on a card: a question card carries the run and question ids, and the
 * choice is the learner's input. Names come from Teams and are made inert with `plain`.
 *
 * Refresh for tutors only: Teams refreshes a card automatically for at most 60 users, and only for
 * those in `refresh.userIds` (their MRIs); learners never depend on it.
 * https://learn.microsoft.com/microsoftteams/platform/task-modules-and-cards/cards/universal-actions-for-adaptive-cards/user-specific-views
 */
import type { Quiz } from '../../core/policy/policy-pack';
import {
  currentQuestion,
  isClosed,
  questionOf,
  type PersonResult,
  type QuizRun,
  type QuizSnapshot,
  type Tally,
} from '../../core/quizzes/quiz';
import type { ClassResults, QuizView } from '../../core/quizzes/quiz-service';
import { messageCard } from '../message/message';
import { expand, ukDate, ukMonth, ukTime, type AdaptiveCard } from '../adaptive-card';
import { plain } from '../markdown';
import { verbs } from '../verbs';
import chooseTemplate from './choose.json';
import classTemplate from './class.json';
import questionTemplate from './question.json';
import resultTemplate from './result.json';
import resultsTemplate from './results.json';

const cardVerbs = {
  open: verbs.quizOpen,
  start: verbs.quizStart,
  answer: verbs.quizAnswer,
  results: verbs.quizResults,
  remind: verbs.quizRemind,
};

/** Teams refreshes the class card for the run's tutors (never for learners: see above). */
function withTutorRefresh(card: AdaptiveCard, run: QuizRun): AdaptiveCard {
  return {
    ...card,
    refresh: {
      action: { type: 'Action.Execute', title: 'Refresh', verb: verbs.quizRefresh, data: { runId: run.id } },
      userIds: run.tutorMris.slice(0, 60),
    },
  };
}

/**
 * The card in the class: the quiz and *Take the quiz*; with `tally`, the tutors' view (what Teams
 * refreshes the card to for them) with the class's figures and *Class results*.
 */
export function classCard(
  run: QuizRun,
  quiz: QuizSnapshot,
  options: { readonly tally?: Tally; readonly now: Date },
): AdaptiveCard {
  const { tally } = options;
  const card = expand(classTemplate, {
    title: plain(quiz.title),
    intro: quiz.intro ? plain(quiz.intro) : '',
    questions: String(quiz.questions.length),
    passMark: `${quiz.passMark} of ${quiz.questions.length}`,
    closes: run.closesAt ? ukTime(run.closesAt) : '',
    closed: isClosed(run, options.now),
    startedBy: plain(run.startedByName ?? 'a tutor'),
    tutor: tally !== undefined,
    started: String(tally?.started ?? 0),
    finished: String(tally?.finished ?? 0),
    passed: String(tally?.passed ?? 0),
    ofClass: run.roster.length > 0 ? ` (of ${run.roster.length} learners)` : '',
    runId: run.id,
    verbs: cardVerbs,
  });
  return withTutorRefresh(card, run);
}

const feedbackOf = (view: QuizView) =>
  view.feedback
    ? {
        hasFeedback: true,
        feedbackStyle: view.feedback.correct ? 'good' : 'warning',
        feedbackTitle: view.feedback.correct ? '✔ Right' : '✘ Not quite',
        feedbackText: plain(view.feedback.explanation),
      }
    : { hasFeedback: false, feedbackStyle: 'default', feedbackTitle: '', feedbackText: '' };

/** Where the learner is: the question they are on (after feedback on their last answer), or their result. */
export function attemptCard(view: QuizView, problem = ''): AdaptiveCard {
  const { quiz, attempt, run } = view;
  const question = currentQuestion(attempt, quiz);
  if (!question) return resultCard(view);
  const number = attempt.answers.length + 1;
  return expand(questionTemplate, {
    title: plain(quiz.title),
    ...feedbackOf(view),
    problem,
    number,
    count: attempt.order.length,
    question: plain(question.text),
    options: question.options.map((o) => ({ id: o.id, text: plain(o.text) })),
    submitTitle: number === attempt.order.length ? 'Answer and finish' : 'Answer',
    runId: run.id,
    questionId: question.id,
    verbs: cardVerbs,
  });
}

function resultCard(view: QuizView): AdaptiveCard {
  const { quiz, attempt, run } = view;
  const score = attempt.score ?? 0;
  const missed = attempt.answers.filter((a) => !a.correct);
  return expand(resultTemplate, {
    title: plain(quiz.title),
    ...feedbackOf(view),
    headline: attempt.passed
      ? `Passed: ${score} out of ${attempt.order.length}`
      : `${score} out of ${attempt.order.length}: not passed yet`,
    headlineColor: attempt.passed ? 'Good' : 'Warning',
    summary: attempt.passed
      ? 'Well done. Your result is in your training record and your tutor can see it.'
      : `You need ${quiz.passMark} to pass. Read the points below${view.mayRetake ? ', then try again' : ' and talk to your tutor'}.`,
    revisit: missed.map((a) => plain(questionOf(quiz, a.questionId)?.explanation ?? a.questionId)),
    mayRetake: view.mayRetake,
    runId: run.id,
    verbs: cardVerbs,
  });
}

/** A question cut to a line, for the tutor's list of what a learner missed. */
const short = (text: string) => (text.length > 60 ? `${text.slice(0, 57).trimEnd()}…` : text);

const stateText = {
  passed: { text: 'Passed', color: 'Good' },
  failed: { text: 'Not passed yet', color: 'Warning' },
  inProgress: { text: 'In progress', color: 'Default' },
  notStarted: { text: 'Not started', color: 'Attention' },
} as const;

/** The tutor's view of the class: every member with their state, and *Remind*. */
export function classResultsCard(results: ClassResults, notice = ''): AdaptiveCard {
  const { run, quiz } = results;
  const names = new Map(run.roster.map((m) => [m.id, m.name]));
  const count = (state: keyof typeof stateText) => results.results.filter((r) => r.state === state).length;
  const people = results.results.map((r) => {
    const shown = stateText[r.state];
    const score = r.best !== undefined ? ` (${r.best}/${quiz.questions.length})` : '';
    return {
      name: plain(names.get(r.personId) ?? 'A member not on the class list'),
      state: `${shown.text}${r.state === 'passed' || r.state === 'failed' ? score : ''}`,
      color: shown.color,
      missed: r.missed.map((id) => plain(short(questionOf(quiz, id)?.text ?? id))).join(' · '),
    };
  });
  return expand(resultsTemplate, {
    title: `${plain(quiz.title)}: class results`,
    passed: count('passed'),
    failed: count('failed'),
    inProgress: count('inProgress'),
    notStarted: count('notStarted'),
    members: run.roster.length,
    notice,
    people,
    toRemind: results.results.filter((r) => r.state === 'failed' || r.state === 'notStarted').length,
    runId: run.id,
    verbs: cardVerbs,
  });
}

/** `quiz` typed by a tutor in a class: choose a learner quiz and, if wanted, a closing date. */
export function chooseQuizCard(quizzes: readonly Quiz[], problem = ''): AdaptiveCard {
  return expand(chooseTemplate, {
    problem,
    first: quizzes[0]?.id ?? '',
    quizzes: quizzes.map((q) => ({ id: q.id, title: `${plain(q.title)} (${q.questions.length} questions)` })),
    verbs: cardVerbs,
  });
}

/** A learner's reminder in their own chat: take the quiz, or what to revisit before trying again. */
export function reminderCard(run: QuizRun, quiz: QuizSnapshot, result: PersonResult): AdaptiveCard {
  const where = run.className ? `in your class team, ${plain(run.className)}` : 'in your class team';
  const closes = run.closesAt ? ` It closes ${ukTime(run.closesAt)}.` : '';
  if (result.state === 'failed') {
    return messageCard(`Reminder: ${plain(quiz.title)}`, [
      `You have not passed the quiz yet (your best is ${result.best ?? 0} of ${quiz.questions.length}; ${quiz.passMark} pass). Read these points, then press **Take the quiz** on the quiz card ${where} to try again.${closes}`,
      ...result.missed.map((id) => `- ${plain(questionOf(quiz, id)?.explanation ?? id)}`),
    ]);
  }
  return messageCard(`Reminder: ${plain(quiz.title)}`, [
    `Your tutor asks you to take the e-safety quiz: press **Take the quiz** on the quiz card ${where}. It has ${quiz.questions.length} questions and you get feedback after each one.${closes}`,
  ]);
}

/** A staff quiz in the person's own chat (`quiz assign`): what it is, when it is due, and *Start*. */
export function assignedQuizCard(run: QuizRun, quiz: QuizSnapshot): AdaptiveCard {
  return messageCard(
    plain(quiz.title),
    [
      ...(quiz.intro ? [plain(quiz.intro)] : []),
      `Sent by ${plain(run.startedByName ?? 'the Designated Safeguarding Lead')} to ${plain(run.className ?? 'your group')}. ${quiz.questions.length} questions; ${quiz.passMark} correct to pass; feedback after each one.`,
      ...(run.dueAt ? [`Please complete it by **${ukDate(run.dueAt)}**.`] : []),
    ],
    { actions: [{ title: 'Start', verb: verbs.quizStart, data: { runId: run.id } }] },
  );
}

const recordState = {
  passed: 'passed',
  failed: 'not passed yet',
  inProgress: 'in progress',
  notStarted: 'not started',
} as const;

/** `quiz` in personal chat: the person's own training record, and nobody else's. */
export function trainingRecordCard(
  record: readonly { run: QuizRun; quiz: QuizSnapshot; result: PersonResult }[],
): AdaptiveCard {
  return messageCard(
    'Your e-safety training',
    record.length === 0
      ? ['You have not taken an e-safety quiz yet. Your tutor starts the induction quiz in your class team.']
      : record.map(({ run, quiz, result }) => {
          const score = result.best !== undefined ? ` (best ${result.best} of ${quiz.questions.length})` : '';
          const where = run.className ? `, ${plain(run.className)}` : '';
          return `**${plain(quiz.title)}**${where}, ${ukMonth(new Date(run.startedAt))}: ${recordState[result.state]}${score}`;
        }),
  );
}

/**
 * The tutor's own progress card, in their chat: the class's figures, updated in place as learners
 * start and finish (it can be updated freely: nobody is answering on it), and *Class results*.
 */
export function progressCard(run: QuizRun, quiz: QuizSnapshot, tally: Tally): AdaptiveCard {
  const of = run.roster.length > 0 ? ` (of ${run.roster.length} learners)` : '';
  return messageCard(
    `${plain(quiz.title)}${run.className ? ` in ${plain(run.className)}` : ''}: progress`,
    [
      `**${tally.started} started · ${tally.finished} finished · ${tally.passed} passed**${of}`,
      `Started ${ukTime(run.startedAt)}${run.closesAt ? `; closes ${ukTime(run.closesAt)}` : ''}. This card updates as learners answer.`,
    ],
    { actions: [{ title: 'Class results', verb: verbs.quizResults, data: { runId: run.id } }] },
  );
}
