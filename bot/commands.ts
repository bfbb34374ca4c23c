/**
 * Text commands, one table: each entry says where it may be used and what it does. Anything else
 * gets the help card. Personal chat: `report`, `assess [questionnaire]`, `cases`, `help`. In a channel or group chat:
 * `register <route>` (by a member of that route's roles); in a class, `quiz`, `quiz start <id> [date]`
 * and `quiz results` (bot/quiz-actions.ts).
 */
import { TurnContext } from 'botbuilder';
import type { AdaptiveCard } from '../cards/adaptive-card';
import { helpCard, messageCard } from '../cards/message/message';
import { reportFormCard } from '../cards/report-form/report-form';
import { draftCard } from '../cards/assessment/assessment-cards';
import { mayActOnRoute, routesFor } from '../core/auth/authorise';
import type { Logger } from '../core/logger';
import { sweepCasePosts } from '../core/outbox/sweep';
import { quizCommand } from './quiz-actions';
import { actorOf, commandText, sendCard, type BotDeps } from './turn';

interface Command {
  /** The words after the command, or undefined when the text is not this command. */
  match(text: string): string[] | undefined;
  /** The card to answer with; undefined when the answer is posted another way (the quiz card). */
  run(context: TurnContext, deps: BotDeps, log: Logger, args: string[]): Promise<AdaptiveCard | undefined>;
}

const word = (name: string) => (text: string) => (text === name ? [] : undefined);

const commands: readonly Command[] = [
  { match: word('report'), run: (context, deps) => Promise.resolve(reportForm(context, deps)) },
  { match: word('cases'), run: (context, deps, log) => casesCard(context, deps, log) },
  {
    match: (text) => {
      const m = /^assess(?:\s+(\S+))?$/.exec(text);
      return m ? [m[1] ?? 'technology'] : undefined;
    },
    run: (context, deps, _log, [questionnaireId]) => assess(context, deps, questionnaireId ?? 'technology'),
  },
  {
    match: (text) => (/^quiz(?:\s|$)/.test(text) ? text.split(' ').slice(1) : undefined),
    run: (context, deps, log, args) => quizCommand(context, deps, log, args),
  },
  {
    match: (text) => {
      const m = /^register\s+(\S+)$/.exec(text);
      return m ? [m[1] ?? ''] : undefined;
    },
    run: (context, deps, log, [route]) => registerChannel(context, deps, log, route ?? ''),
  },
];

export async function runCommand(context: TurnContext, deps: BotDeps, log: Logger): Promise<void> {
  const text = commandText(context);
  for (const command of commands) {
    const args = command.match(text);
    if (!args) continue;
    const card = await command.run(context, deps, log, args);
    return card && sendCard(context, card);
  }
  await sendCard(context, helpCard(deps.pack));
}

function reportForm(context: TurnContext, deps: BotDeps): AdaptiveCard {
  if (context.activity.conversation.conversationType === 'personal') return reportFormCard(deps.pack);
  return messageCard('Report in a private chat', [
    'Concerns are private: open a chat with me and type **report**.',
  ]);
}

/** `assess` (or `assess placement`): the person's risk assessment where they left it, or a new one. */
async function assess(context: TurnContext, deps: BotDeps, questionnaireId: string): Promise<AdaptiveCard> {
  const actor = actorOf(context);
  if (context.activity.conversation.conversationType !== 'personal' || !actor)
    return messageCard('Assess in a private chat', [
      'Open a chat with me and type **assess** to risk-assess a new app, platform or online tool.',
    ]);
  const ids = deps.pack.assessment.questionnaires.map((q) => q.id);
  if (!ids.includes(questionnaireId))
    return messageCard('Unknown questionnaire', [`Type ${ids.map((i) => `**assess ${i}**`).join(' or ')}.`], {
      tone: 'attention',
    });
  return draftCard(await deps.assessments.resume(actor, questionnaireId), deps.pack);
}

async function casesCard(context: TurnContext, deps: BotDeps, log: Logger): Promise<AdaptiveCard> {
  const actor = actorOf(context);
  const routes = actor ? await routesFor(deps.directory, deps.pack, actor.id) : [];
  if (!actor || routes.length === 0) {
    log.warn({ event: 'cases.refused', actorId: actor?.id }, 'case list refused');
    return messageCard('Not available', ['Only the safeguarding team can list cases.'], {
      tone: 'attention',
    });
  }
  const open = (await deps.cases.list({ status: 'active' })).filter((c) => routes.includes(c.route));
  return messageCard(
    `${open.length} open ${open.length === 1 ? 'case' : 'cases'}`,
    open.length === 0
      ? ['Nothing open on your routes.']
      : open.map(
          (c) =>
            `**${c.reference}** · ${c.severity} · ${c.category} · ${c.status === 'open' ? 'not claimed' : 'in progress'}`,
        ),
  );
}

/**
 * `register <route>` typed in a channel by a member of that route's role makes the channel the
 * home of the route's case cards; every active case not yet posted is then posted.
 */
async function registerChannel(
  context: TurnContext,
  deps: BotDeps,
  log: Logger,
  routeName: string,
): Promise<AdaptiveCard> {
  const { pack, directory, conversations } = deps;
  const actor = actorOf(context);
  const channelData = (context.activity.channelData ?? {}) as { channel?: { id?: string } };
  const channelId = channelData.channel?.id;
  const route = Object.keys(pack.routes).find((r) => r.toLowerCase() === routeName);
  const conversationType = context.activity.conversation.conversationType;
  if (!channelId && conversationType !== 'groupChat') {
    return messageCard('Use this in a channel', [
      'Type **register <route>** in the channel (or group chat) that should receive those cases.',
    ]);
  }
  if (!route) {
    return messageCard('Unknown route', [`Routes in this policy: ${Object.keys(pack.routes).join(', ')}.`], {
      tone: 'attention',
    });
  }
  if (!actor || !(await mayActOnRoute(directory, pack, route, actor.id))) {
    log.warn({ event: 'register.refused', route, actorId: actor?.id }, 'channel registration refused');
    return messageCard(
      'Not allowed',
      [`Only members of ${pack.routes[route]?.displayName ?? route} can register its channel.`],
      { tone: 'attention' },
    );
  }
  const reference = TurnContext.getConversationReference(context.activity);
  await conversations.saveRoute(
    route,
    channelId
      ? { reference: { ...reference, conversation: { ...reference.conversation, id: channelId } }, channelId }
      : { reference },
  );
  const waiting = await sweepCasePosts({ ...deps, log }, { route });
  log.info({ event: 'register.done', route, actorId: actor.id, waiting }, 'channel registered for route');
  return messageCard(`This channel now receives ${pack.routes[route]?.displayName ?? route} cases`, [
    waiting > 0
      ? `Posting ${waiting} open ${waiting === 1 ? 'case' : 'cases'} now.`
      : 'New cases will appear here as cards.',
  ]);
}
