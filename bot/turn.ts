/**
 * What every bot route reads from a turn: who is acting (always the activity's `from.aadObjectId`,
 * never card data), the command text, the turn's logger (carrying the invocation id), and how to
 * answer with a card.
 */
import type { SharingGraph, SharingState } from '../core/sharing/sharing-watch';
import { CardFactory, MessageFactory, TurnContext } from 'botbuilder';
import type { AdaptiveCard } from '../cards/adaptive-card';
import type { Directory } from '../core/auth/authorise';
import type { Actor } from '../core/cases/case-events';
import type { AssessmentService } from '../core/assessments/assessment-service';
import type { CaseService } from '../core/cases/case-service';
import type { Clock } from '../core/clock';
import type { ConversationStore } from '../core/conversations';
import type { Logger } from '../core/logger';
import type { Outbox } from '../core/outbox/outbox';
import type { PolicyPack } from '../core/policy/policy-pack';
import type { QuizService } from '../core/quizzes/quiz-service';

/** What the bot's routes need from the app. */
export interface BotDeps {
  readonly cases: CaseService;
  readonly assessments: AssessmentService;
  readonly quizzes: QuizService;
  readonly pack: PolicyPack;
  readonly directory: Directory;
  readonly conversations: ConversationStore;
  readonly outbox: Outbox;
  readonly clock: Clock;
  readonly log: Logger;
  /** OneDrive and SharePoint sharing: the permissions behind a case, and removing them. */
  readonly sharing?: {
    readonly state: Pick<SharingState, 'permissionsOf'>;
    readonly graph: Pick<SharingGraph, 'removePermission'>;
  };
}

/** The key under which the HTTP endpoint leaves the invocation's logger in a turn's state. */
export const turnLogKey = Symbol('esafety.turnLog');

/** The turn's logger: the invocation's (with its id) when the endpoint set one, else `fallback`. */
export function turnLog(context: TurnContext, fallback: Logger): Logger {
  return context.turnState.get<Logger | undefined>(turnLogKey) ?? fallback;
}

export function actorOf(context: TurnContext): Actor | undefined {
  const from = context.activity.from;
  const id = from?.aadObjectId;
  if (!id || !/^[0-9a-f-]{36}$/i.test(id)) return undefined;
  return { id, ...(from.name ? { name: from.name } : {}) };
}

/** The typed command: the bot's @mention (and any other `<at>` tag) removed, spacing and case folded. */
export function commandText(context: TurnContext): string {
  return (TurnContext.removeRecipientMention(context.activity) ?? context.activity.text ?? '')
    .replace(/<at>[^<]*<\/at>/gi, ' ')
    .trim()
    .replace(/\s+/g, ' ')
    .toLowerCase();
}

export async function sendCard(context: TurnContext, card: AdaptiveCard): Promise<void> {
  await context.sendActivity(MessageFactory.attachment(CardFactory.adaptiveCard(card)));
}

/** Keeps the personal conversation so the reporter can be told when their case moves. */
export async function rememberUser(
  context: TurnContext,
  deps: Pick<BotDeps, 'conversations'>,
): Promise<void> {
  const actor = actorOf(context);
  if (!actor || context.activity.conversation.conversationType !== 'personal') return;
  await deps.conversations.saveUser(actor.id, TurnContext.getConversationReference(context.activity));
}
