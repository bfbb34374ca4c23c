/**
 * Induction quizzes in Teams: the tutor's `quiz` commands in a class team channel or group chat,
 * and the quiz card actions (core/quizzes/quiz-service.ts decides; this file reads Teams and
 * renders):
 *
 * - `quiz` (a chooser card) or `quiz start <quizId> [closing date]` by a tutor: the class card is
 *   posted to the class by the outbox (so it can be updated in place as learners answer);
 * - `quiz.start` (*Take the quiz*): the learner's own view, the question they are on;
 * - `quiz.answer` (`runId`, `questionId`, input `answer`): feedback and the next question, or the
 *   result; a refused answer brings the card back as it was, with why;
 * - `quiz.refresh`: Teams asks for the class card for a tutor (the live figures), or for anyone else
 *   (the quiz as posted);
 * - `quiz results` / `quiz.results`: the tutor's class list with each learner's state.
 *
 * Card data only ever names a run and a question; the person answering is the activity's.
 */
import { TeamsInfo, TurnContext } from 'botbuilder';
import { z } from 'zod';
import type { AdaptiveCard } from '../cards/adaptive-card';
import { messageCard } from '../cards/message/message';
import {
  attemptCard,
  chooseQuizCard,
  classCard,
  classResultsCard,
  trainingRecordCard,
} from '../cards/quiz/quiz-cards';
import { verbs } from '../cards/verbs';
import type { ConversationRefFacts } from '../core/detection/chat-signal';
import { fail, toEsafetyError } from '../core/errors';
import type { Logger } from '../core/logger';
import type { QuizActor } from '../core/quizzes/quiz-service';
import { actorOf, type BotDeps } from './turn';

type Data = Record<string, unknown>;

const quizVerbs = [
  verbs.quizOpen,
  verbs.quizStart,
  verbs.quizAnswer,
  verbs.quizResults,
  verbs.quizRemind,
  verbs.quizRefresh,
] as const;
type QuizVerb = (typeof quizVerbs)[number];

export function isQuizVerb(verb: unknown): verb is QuizVerb {
  return (quizVerbs as readonly unknown[]).includes(verb);
}

const runId = z.string().regex(/^q[0-9a-f]{1,40}$/, 'not a quiz');
const schemas = {
  run: z.object({ runId }),
  take: z.object({ runId, again: z.literal('yes').optional() }),
  answer: z.object({
    runId,
    questionId: z.string().regex(/^[a-z][a-zA-Z0-9-]{0,63}$/),
    answer: z.string().max(64).optional(),
  }),
  open: z.object({
    quizId: z.string().regex(/^[a-z][a-zA-Z0-9-]{0,63}$/, 'Choose a quiz.'),
    closes: z
      .string()
      .trim()
      .regex(/^(\d{4}-\d{2}-\d{2})?$/, 'Give the closing date as a date.')
      .optional(),
  }),
};

const notTutor = () =>
  messageCard('Not allowed', ['Only tutors can start a quiz in a class.'], { tone: 'attention' });

/** The actor with their Teams user id, which card refresh needs. */
export function quizActor(context: TurnContext): QuizActor | undefined {
  const actor = actorOf(context);
  const mri = context.activity.from?.id;
  return actor && { ...actor, ...(mri && mri.startsWith('29:') && { mri }) };
}

/** The class a turn happens in: a team channel or a group chat, as Teams and Graph name it. */
function classOf(
  context: TurnContext,
): { classId: string; className?: string; conversation: ConversationRefFacts } | undefined {
  const { conversation } = context.activity;
  const data = (context.activity.channelData ?? {}) as {
    team?: { id?: string; name?: string; aadGroupId?: string };
    channel?: { id?: string; name?: string };
  };
  const base = conversation.id.split(';')[0] ?? conversation.id;
  if (conversation.conversationType === 'groupChat')
    return {
      classId: base,
      ...(conversation.name && { className: conversation.name }),
      conversation: { kind: 'chat', chatId: base },
    };
  if (conversation.conversationType !== 'channel') return undefined;
  const channelId = data.channel?.id ?? base;
  const teamId = data.team?.aadGroupId ?? data.team?.id ?? base;
  const className = data.team?.name;
  return {
    classId: channelId,
    ...(className && { className }),
    conversation: { kind: 'channel', teamId, channelId },
  };
}

/** The closing date typed or chosen: the end of that day, UK time (23:59 London). */
function closingTime(date: string | undefined): Date | undefined {
  if (!date) return undefined;
  const at = new Date(`${date}T23:59:00Z`);
  if (Number.isNaN(at.getTime()))
    return fail('INPUT_INVALID', 'Give the closing date as a date (YYYY-MM-DD).');
  // London is UTC+1 in summer: 23:59 there is 22:59 UTC.
  const offset = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', timeZoneName: 'short' })
    .format(at)
    .endsWith('BST')
    ? 60
    : 0;
  return new Date(at.getTime() - offset * 60_000);
}

/**
 * `quiz`, `quiz start <quizId> [YYYY-MM-DD]`, `quiz results`: what the tutor typed in a class.
 * Returns the card to answer with, or undefined when the class card is on its way (posted by the
 * outbox, which is the one message the class sees).
 */
export async function quizCommand(
  context: TurnContext,
  deps: BotDeps,
  log: Logger,
  args: readonly string[],
): Promise<AdaptiveCard | undefined> {
  const { quizzes } = deps;
  const actor = quizActor(context);
  const place = classOf(context);
  if (actor && args[0] === 'assign') return assignCommand(deps, actor, args.slice(1));
  if (actor && context.activity.conversation.conversationType === 'personal' && args.length === 0)
    return trainingRecordCard(await quizzes.recordOf(actor.id));
  if (!actor || !place)
    return messageCard('Use this in a class', [
      'Type **quiz** in your class team channel or class group chat to start an e-safety quiz there.',
    ]);
  const [sub, quizId, date] = args;
  try {
    if (sub === 'results') return await resultsCard(deps, actor, place.classId);
    const tutor = await quizzes.isTutor(actor.id);
    if (!tutor && sub === undefined) return openQuizCard(deps, place.classId);
    if (!tutor) {
      log.warn({ event: 'quiz.startRefused', actorId: actor.id }, 'quiz command refused: not a tutor');
      return notTutor();
    }
    if (sub !== 'start' || !quizId) return chooseQuizCard(quizzes.quizzes('learners'));
    await startIn(context, deps, actor, place, quizId, date);
    return undefined;
  } catch (err) {
    const e = toEsafetyError(err);
    if (e.kind !== 'user') throw e;
    return messageCard('That did not work', [e.message], { tone: 'attention' });
  }
}

/** `quiz assign <quizId> <group>` (the DSL, anywhere): the staff quiz goes to each member's chat. */
async function assignCommand(deps: BotDeps, actor: QuizActor, [quizId, group]: readonly string[]) {
  if (!quizId || !group)
    return messageCard('Which quiz, and for whom?', [
      `Type **quiz assign**, the quiz and the group, e.g. **quiz assign ${deps.quizzes.quizzes('staff')[0]?.id ?? 'staff-refresher'} tutors**. The group is one of the policy's roles (${Object.keys(deps.pack.roles).join(', ')}) or an Entra group id.`,
    ]);
  try {
    const run = await deps.quizzes.assign(actor, quizId, group);
    const quiz = await deps.quizzes.quizOf(run);
    let unreachable = 0;
    for (const m of run.roster) if (!(await deps.conversations.user(m.id))) unreachable++;
    return messageCard(`Sent: ${quiz.title}`, [
      `${run.roster.length} ${run.roster.length === 1 ? 'person' : 'people'} in ${run.className ?? group} ${run.roster.length === 1 ? 'gets' : 'get'} it in their chat with E-Safety, due by ${run.dueAt?.slice(0, 10) ?? ''}.`,
      ...(unreachable > 0
        ? [
            `${unreachable} ${unreachable === 1 ? 'has' : 'have'} not opened a chat with E-Safety yet: they are in the training record as not started. Ask IT to install the app for them.`,
          ]
        : []),
      'Progress: **npx esafety training report --quiz ' + quiz.id + '**.',
    ]);
  } catch (err) {
    const e = toEsafetyError(err);
    if (e.kind !== 'user') throw e;
    return messageCard(e.code === 'NOT_AUTHORISED' ? 'Not allowed' : 'That did not work', [e.message], {
      tone: 'attention',
    });
  }
}

async function startIn(
  context: TurnContext,
  deps: BotDeps,
  actor: QuizActor,
  place: NonNullable<ReturnType<typeof classOf>>,
  quizId: string,
  date: string | undefined,
) {
  if (date !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(date))
    fail('INPUT_INVALID', 'Give the closing date as YYYY-MM-DD, e.g. quiz start induction 2026-12-18.');
  const closesAt = closingTime(date);
  const team = await teamDetails(context, place);
  const className = place.className ?? team?.name;
  // Graph names a team by its group id; the activity carries it only sometimes.
  const conversation =
    place.conversation.kind === 'channel' && team?.aadGroupId
      ? { ...place.conversation, teamId: team.aadGroupId }
      : place.conversation;
  return deps.quizzes.start(actor, {
    quizId,
    classId: place.classId,
    ...(className && { className }),
    // The class card goes into this conversation: the tutor's thread in a channel, or the chat.
    place: { reference: TurnContext.getConversationReference(context.activity) },
    conversation,
    ...(closesAt && { closesAt }),
  });
}

/**
 * `quiz` typed by a learner in a class: the class's latest quiz card again (the post scrolled away,
 * or a client lost it), so *Take the quiz* carries on where they were.
 */
async function openQuizCard(deps: BotDeps, classId: string): Promise<AdaptiveCard> {
  const run = await deps.quizzes.latestIn(classId);
  if (!run)
    return messageCard('No quiz here yet', [
      'Your tutor starts the e-safety quiz in this class when it is time.',
    ]);
  return classCard(run, await deps.quizzes.quizOf(run), { now: deps.clock.now() });
}

/**
 * The team's name and Entra group id when the activity does not carry them (Teams sends them on
 * some activities only): `GET /v3/teams/{id}` through the Bot Connector. Without them the quiz
 * still runs (no class name; the class list as Graph finds it by the team's thread id).
 */
async function teamDetails(
  context: TurnContext,
  place: NonNullable<ReturnType<typeof classOf>>,
): Promise<{ name?: string; aadGroupId?: string } | undefined> {
  const data = (context.activity.channelData ?? {}) as { team?: { aadGroupId?: string } };
  if (place.conversation.kind !== 'channel' || (place.className && data.team?.aadGroupId)) return undefined;
  try {
    const details = await TeamsInfo.getTeamDetails(context);
    return {
      ...(details.name && { name: details.name }),
      ...(details.aadGroupId && { aadGroupId: details.aadGroupId }),
    };
  } catch {
    return undefined;
  }
}

async function resultsCard(deps: BotDeps, actor: QuizActor, classId: string, id?: string) {
  const run = id ? await deps.quizzes.run(id) : await deps.quizzes.latestIn(classId);
  if (!run)
    return messageCard('No quiz yet', [
      'No quiz has been started in this class. Type **quiz** to start one.',
    ]);
  return classResultsCard(await deps.quizzes.results(actor, run.id));
}

export async function onQuizAction(
  context: TurnContext,
  deps: BotDeps,
  log: Logger,
  verb: QuizVerb,
  data: Data,
): Promise<AdaptiveCard> {
  const { quizzes, clock } = deps;
  const actor = quizActor(context) ?? fail('NOT_AUTHORISED', 'Your Teams account could not be identified.');
  const conversationId = context.activity.conversation.id;
  const notRecognised = () =>
    messageCard('That card is out of date', ['Ask your tutor to post the quiz again.'], {
      tone: 'attention',
    });
  switch (verb) {
    case verbs.quizOpen: {
      const place = classOf(context);
      const parsed = schemas.open.safeParse(data);
      if (!place) return notRecognised();
      if (!(await quizzes.isTutor(actor.id))) return notTutor();
      if (!parsed.success)
        return chooseQuizCard(
          quizzes.quizzes('learners'),
          parsed.error.issues[0]?.message ?? 'Choose a quiz.',
        );
      try {
        const run = await startIn(
          context,
          deps,
          actor,
          place,
          parsed.data.quizId,
          parsed.data.closes || undefined,
        );
        const quiz = await quizzes.quizOf(run);
        return messageCard(`Posted: ${quiz.title}`, [
          'The quiz card is going to the class now. Learners press **Take the quiz**; the card shows you who has finished.',
        ]);
      } catch (err) {
        const e = toEsafetyError(err);
        if (e.kind !== 'user') throw e;
        return chooseQuizCard(quizzes.quizzes('learners'), e.message);
      }
    }
    case verbs.quizStart: {
      const parsed = schemas.take.safeParse(data);
      if (!parsed.success) return notRecognised();
      const { runId: id, again } = parsed.data;
      return attemptCard(await quizzes.take(actor, id, conversationId, again === 'yes'));
    }
    case verbs.quizAnswer: {
      const parsed = schemas.answer.safeParse(data);
      if (!parsed.success) return notRecognised();
      const { runId: id, questionId, answer } = parsed.data;
      const again = async (problem: string) => {
        const view = await quizzes.current(actor, id);
        return view ? attemptCard(view, problem) : notRecognised();
      };
      if (!answer) return again('Choose an answer.');
      try {
        return attemptCard(await quizzes.answer(actor, id, questionId, answer, conversationId));
      } catch (err) {
        const e = toEsafetyError(err);
        if (e.code !== 'QUIZ_REFUSED') throw e;
        const reason = e.details['reason'];
        log.info(
          { event: 'quiz.answerRefused', runId: id, reason: typeof reason === 'string' ? reason : undefined },
          'quiz answer refused',
        );
        if (e.details['reason'] === 'wrongClass') throw e;
        return again(e.message);
      }
    }
    case verbs.quizRefresh: {
      const parsed = schemas.run.safeParse(data);
      if (!parsed.success) return notRecognised();
      const run = await quizzes.run(parsed.data.runId);
      const quiz = await quizzes.quizOf(run);
      const tutor = await quizzes.mayView(actor.id, run);
      return classCard(run, quiz, { now: clock.now(), ...(tutor && { tally: await quizzes.tally(run.id) }) });
    }
    case verbs.quizRemind: {
      const parsed = schemas.run.safeParse(data);
      if (!parsed.success) return notRecognised();
      const { results, reminded } = await quizzes.remind(actor, parsed.data.runId);
      let unreachable = 0;
      for (const id of reminded) if (!(await deps.conversations.user(id))) unreachable++;
      const sent = reminded.length - unreachable;
      const notice = [
        `Reminder sent to ${sent} ${sent === 1 ? 'learner' : 'learners'} in their chat with E-Safety.`,
        unreachable > 0
          ? `${unreachable} ${unreachable === 1 ? 'has' : 'have'} not opened a chat with E-Safety yet, so remind them in class.`
          : '',
      ]
        .filter(Boolean)
        .join(' ');
      return classResultsCard(results, notice);
    }
    case verbs.quizResults: {
      const parsed = schemas.run.safeParse(data);
      if (!parsed.success) return notRecognised();
      return resultsCard(deps, actor, '', parsed.data.runId);
    }
  }
}
