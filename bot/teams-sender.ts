/**
 * Teams, as the outbox sends to it (core/outbox/cards.ts `TeamsSender`): proactive posts
 * through the Bot Connector — the case card as a new thread in a route's channel (or a message in
 * a registered chat), updates of that card in place, operator notices, and short notices to a
 * reporter. Which card is posted when, and that there is only ever one per case, is decided in
 * core; this file renders and sends.
 *
 * Rate limits: Teams limits what a bot may send per conversation and answers 429 beyond it; Microsoft
 * asks bots to pace posts per conversation and back off with jitter on 429 (and retry 412, 502, 504):
 * https://learn.microsoft.com/microsoftteams/platform/bots/how-to/rate-limit
 * Sends to one conversation are spaced here; a send that still fails is retried with backoff
 * (honouring Retry-After) and then thrown, so the queue retries it and finally poisons it.
 */
import {
  CardFactory,
  MessageFactory,
  type Activity,
  type Attachment,
  type CloudAdapter,
  type ConversationReference,
} from 'botbuilder';
import type { ConnectorClient } from 'botframework-connector';
import { backOff } from 'exponential-backoff';
import { z } from 'zod';
import { approverCard, requesterCard } from '../cards/assessment/assessment-cards';
import { caseCard } from '../cards/case-card/case-card';
import { assignedQuizCard, classCard, progressCard, reminderCard } from '../cards/quiz/quiz-cards';
import type { PersonResult, QuizRun, QuizSnapshot, Tally } from '../core/quizzes/quiz';
import { reviewDateFrom, type AssessmentEvent, type AssessmentState } from '../core/assessments/assessment';
import { opsNoticeCard, reporterNotice, retiredCaseCard } from '../cards/message/message';
import { ownerCard } from '../cards/sharing/sharing-cards';
import type { CaseEvent } from '../core/cases/case-events';
import type { CaseState } from '../core/cases/case-state';
import type { CardPost, ConversationRef } from '../core/conversations';
import { fail } from '../core/errors';
import type { Logger } from '../core/logger';
import type { TeamsSender } from '../core/outbox/cards';
import type { NoticeView, RequesterChange } from '../core/outbox/outbox';
import type { PolicyPack } from '../core/policy/policy-pack';
import type { AdaptiveCard } from '../cards/adaptive-card';
import { httpFailure } from './http-failure';

export interface TeamsSenderDeps {
  readonly adapter: CloudAdapter;
  readonly appId: string;
  readonly pack: PolicyPack;
  readonly log: Logger;
  /** Minimum spacing between sends to one conversation (Teams allows a few per second per thread). */
  readonly spacingMs?: number;
  /**
   * Other clients that show the same conversation from their own copy (locally, one Agents
   * Playground per person): each new post is made there too, and updated with it. Teams needs none.
   */
  readonly mirrors?: (place: RoutePlace) => readonly RoutePlace[];
}

/** A stored Bot Framework conversation reference, checked on every read. */
const conversationReferenceSchema = z.looseObject({
  serviceUrl: z.string().min(1),
  channelId: z.string().optional(),
  bot: z.looseObject({ id: z.string(), name: z.string().optional() }).optional(),
  conversation: z.looseObject({ id: z.string().min(1), tenantId: z.string().optional() }),
});

/**
 * What `register <route>` stores: the conversation's reference, and for a Teams channel its id
 * (each case then starts its own thread); without a channel id the cases go into that chat.
 */
export const routePlaceSchema = z.object({
  reference: conversationReferenceSchema,
  channelId: z.string().min(1).optional(),
});
export type RoutePlace = z.output<typeof routePlaceSchema>;

function parseStored<T>(schema: z.ZodType<T>, value: ConversationRef, what: string): T {
  const parsed = schema.safeParse(value);
  return parsed.success
    ? parsed.data
    : fail('STORAGE_FAILED', `The stored ${what} is not a conversation reference.`, { what });
}

/** Checked by the schema above; botbuilder's type names fields a stored reference may omit. */
const reference = (r: z.output<typeof conversationReferenceSchema>) =>
  r as unknown as Partial<ConversationReference>;

const retryable = new Set([412, 429, 502, 504]);

export class BotConnectorSender implements TeamsSender {
  private readonly log: Logger;
  private readonly lanes = new Map<string, Promise<unknown>>();

  constructor(private readonly deps: TeamsSenderDeps) {
    this.log = deps.log.child({ component: 'teams-sender' });
  }

  async postCaseCard(
    place: ConversationRef,
    state: CaseState,
    events: readonly CaseEvent[],
  ): Promise<CardPost> {
    const card = CardFactory.adaptiveCard(caseCard(state, events, this.deps.pack));
    return this.postNew(parseStored(routePlaceSchema, place, 'route channel'), card);
  }

  async updateCaseCard(post: CardPost, state: CaseState, events: readonly CaseEvent[]): Promise<void> {
    await this.replace(post, CardFactory.adaptiveCard(caseCard(state, events, this.deps.pack)), state.id);
  }

  async retireCaseCard(post: CardPost, caseReference: string): Promise<void> {
    await this.replace(post, CardFactory.adaptiveCard(retiredCaseCard(caseReference)), caseReference);
  }

  async postNotice(place: ConversationRef, notice: NoticeView): Promise<CardPost> {
    return this.postNew(
      parseStored(routePlaceSchema, place, 'route channel'),
      CardFactory.adaptiveCard(opsNoticeCard(notice)),
    );
  }

  async updateNotice(post: CardPost, notice: NoticeView): Promise<void> {
    await this.replace(post, CardFactory.adaptiveCard(opsNoticeCard(notice)), 'notice');
  }

  async tellReporter(user: ConversationRef, state: CaseState, change: 'claimed' | 'closed'): Promise<void> {
    await this.toPerson(user, state.reporterId, reporterNotice(state.reference, change));
  }

  async postAssessmentCard(
    place: ConversationRef,
    state: AssessmentState,
    events: readonly AssessmentEvent[],
  ): Promise<CardPost> {
    return this.postNew(
      parseStored(routePlaceSchema, place, 'route channel'),
      this.assessmentCard(state, events),
    );
  }

  async updateAssessmentCard(
    post: CardPost,
    state: AssessmentState,
    events: readonly AssessmentEvent[],
  ): Promise<void> {
    await this.replace(post, this.assessmentCard(state, events), state.id);
  }

  async tellRequester(user: ConversationRef, state: AssessmentState, change: RequesterChange): Promise<void> {
    await this.toPerson(user, state.requesterId, requesterCard(state, this.deps.pack, change));
  }

  async postQuizCard(place: ConversationRef, run: QuizRun, quiz: QuizSnapshot): Promise<CardPost> {
    const card = CardFactory.adaptiveCard(classCard(run, quiz, { now: new Date() }));
    return this.postNew(parseStored(routePlaceSchema, place, 'class'), card);
  }

  async postProgressCard(
    place: ConversationRef,
    run: QuizRun,
    quiz: QuizSnapshot,
    tally: Tally,
  ): Promise<CardPost> {
    const card = CardFactory.adaptiveCard(progressCard(run, quiz, tally));
    return this.postNew(
      { reference: parseStored(conversationReferenceSchema, place, 'user conversation') },
      card,
    );
  }

  async updateProgressCard(post: CardPost, run: QuizRun, quiz: QuizSnapshot, tally: Tally): Promise<void> {
    await this.replace(post, CardFactory.adaptiveCard(progressCard(run, quiz, tally)), run.id);
  }

  async sendQuiz(user: ConversationRef, run: QuizRun, quiz: QuizSnapshot): Promise<void> {
    await this.toPerson(user, run.id, assignedQuizCard(run, quiz));
  }

  async remindLearner(
    user: ConversationRef,
    run: QuizRun,
    quiz: QuizSnapshot,
    result: PersonResult,
  ): Promise<void> {
    await this.toPerson(user, result.personId, reminderCard(run, quiz, result));
  }

  async askOwner(user: ConversationRef, state: CaseState): Promise<void> {
    await this.toPerson(user, state.id, ownerCard(state, this.deps.pack));
  }

  /**
   * A message (text, or a card) in a person's own chat with the bot; `fallbackLane` paces it when
   * the stored reference names no conversation.
   */
  private async toPerson(user: ConversationRef, fallbackLane: string, content: string | AdaptiveCard) {
    const ref = reference(parseStored(conversationReferenceSchema, user, 'user conversation'));
    const activity =
      typeof content === 'string' ? content : MessageFactory.attachment(CardFactory.adaptiveCard(content));
    await this.send(ref.conversation?.id ?? fallbackLane, () =>
      this.deps.adapter.continueConversationAsync(this.deps.appId, ref, async (ctx) => {
        await ctx.sendActivity(activity);
      }),
    );
  }

  /**
   * Replaces the card of an earlier post in place (and of its copies in other local clients);
   * `fallbackLane` paces it when the post names no conversation.
   */
  private async replace(post: CardPost, card: Attachment, fallbackLane: string): Promise<void> {
    await this.replaceOne(post, card, fallbackLane);
    for (const copy of post.copies ?? []) {
      await this.replaceOne(copy, card, fallbackLane).catch((err: unknown) =>
        this.log.warn(
          { event: 'send.copyFailed', status: httpFailure(err).status },
          'a copy of a card was not updated',
        ),
      );
    }
  }

  private async replaceOne(post: CardPost, card: Attachment, fallbackLane: string): Promise<void> {
    const ref = reference(parseStored(conversationReferenceSchema, post.conversation, 'card post'));
    await this.send(ref.conversation?.id ?? fallbackLane, () =>
      this.deps.adapter.continueConversationAsync(this.deps.appId, ref, async (ctx) => {
        await ctx.updateActivity({ type: 'message', id: post.activityId, attachments: [card] });
      }),
    );
  }

  private assessmentCard(state: AssessmentState, events: readonly AssessmentEvent[]): Attachment {
    const { pack } = this.deps;
    return CardFactory.adaptiveCard(
      approverCard(state, events, pack, {
        defaultReviewDate: reviewDateFrom(new Date(), pack.assessment.reviewAfterMonths),
      }),
    );
  }

  /** Posts a new message to a place and to its mirrors (see TeamsSenderDeps.mirrors). */
  private async postNew(place: RoutePlace, card: Attachment): Promise<CardPost> {
    const posted = await this.postOne(place, card);
    const copies: { conversation: CardPost['conversation']; activityId: string }[] = [];
    for (const mirror of this.deps.mirrors?.(place) ?? []) {
      await this.postOne(mirror, card).then(
        (copy) => copies.push({ conversation: copy.conversation, activityId: copy.activityId }),
        (err: unknown) =>
          this.log.warn(
            { event: 'send.copyFailed', status: httpFailure(err).status },
            'a copy of a card was not posted',
          ),
      );
    }
    return copies.length > 0 ? { ...posted, copies } : posted;
  }

  /**
   * Posts a new message to a route's place: a new thread in a Teams channel, or a message in the
   * chat that was registered. Returns where it went, so it can be updated later.
   */
  private async postOne(place: RoutePlace, card: Attachment): Promise<CardPost> {
    const { adapter, appId } = this.deps;
    const ref = reference(place.reference);
    let posted: CardPost | undefined;
    const channelId = place.channelId;
    if (!channelId) {
      await this.send(ref.conversation?.id ?? 'route', () =>
        adapter.continueConversationAsync(appId, ref, async (ctx) => {
          const sent = await ctx.sendActivity(MessageFactory.attachment(card));
          posted = { conversation: place.reference, activityId: sent?.id ?? '' };
        }),
      );
    } else {
      await this.send(channelId, () =>
        adapter.continueConversationAsync(appId, ref, async (ctx) => {
          // A new thread in the channel: POST /v3/conversations with the channel id. Its answer carries
          // the root message's activityId, which later updates need (createConversationAsync drops it).
          const client = ctx.turnState.get<ConnectorClient>(ctx.adapter.ConnectorClientKey);
          const created = await client.conversations.createConversation({
            isGroup: true,
            bot: ref.bot ?? { id: appId, name: 'E-Safety' },
            channelData: { channel: { id: channelId } },
            activity: MessageFactory.attachment(card) as Activity,
            ...(ref.conversation?.tenantId !== undefined && { tenantId: ref.conversation.tenantId }),
            members: [],
          });
          const activityId = created.activityId ?? /;messageid=(\d+)/.exec(created.id)?.[1] ?? '';
          const conversation = {
            ...place.reference.conversation,
            id: created.id,
            isGroup: true,
            conversationType: 'channel',
          };
          posted = { conversation: { ...place.reference, conversation }, activityId };
        }),
      );
    }
    return posted ?? fail('UNEXPECTED', 'The Bot Connector accepted a post without answering.');
  }

  /** One send at a time per conversation, spaced, with backoff on the statuses Teams asks us to retry. */
  private send(lane: string, operation: () => Promise<void>): Promise<void> {
    const spacing = this.deps.spacingMs ?? 550;
    const previous = this.lanes.get(lane) ?? Promise.resolve();
    const next = previous
      .catch(() => undefined)
      .then(() =>
        backOff(operation, {
          numOfAttempts: 5,
          startingDelay: 500,
          maxDelay: 10_000,
          jitter: 'full',
          retry: async (err: unknown) => {
            const { status, retryAfterMs } = httpFailure(err);
            if (status === undefined || !retryable.has(status)) return false;
            this.log.warn(
              { lane: lane.slice(0, 60), status, event: 'send.throttled' },
              'Teams asked us to slow down',
            );
            if (retryAfterMs) await new Promise((r) => setTimeout(r, Math.min(retryAfterMs, 30_000)));
            return true;
          },
        }),
      );
    // The lane waits `spacing` after each send before the next one; the caller does not.
    const gate = next.catch(() => undefined).then(() => new Promise<void>((r) => setTimeout(r, spacing)));
    this.lanes.set(lane, gate);
    void gate.then(() => {
      if (this.lanes.get(lane) === gate) this.lanes.delete(lane);
    });
    return next;
  }
}
