/**
 * Proactive posting, driven by the outbox queue: the case card in its route's channel (posted once,
 * then updated in place so every viewer sees the same state) and short notices to the reporter.
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
import { caseCard, opsNoticeCard } from '../cards/render';
import type { CasePost } from '../core/conversations';
import { fail } from '../core/errors';
import type { CaseService } from '../core/cases/case-service';
import type { ConversationStore } from '../core/conversations';
import type { Logger } from '../core/logger';
import type { OpsNotice, OutboxMessage } from '../core/outbox';
import type { PolicyPack } from '../core/policy/policy-pack';

export interface CasePosterDeps {
  readonly adapter: CloudAdapter;
  readonly appId: string;
  readonly cases: CaseService;
  readonly pack: PolicyPack;
  readonly conversations: ConversationStore;
  readonly log: Logger;
  /** Minimum spacing between sends to one conversation (Teams allows a few per second per thread). */
  readonly spacingMs?: number;
}

/**
 * What `register <route>` stores: the conversation's reference, and for a Teams channel its id
 * (each case then starts its own thread); without a channel id the cases go into that chat.
 */
export interface RouteChannel {
  readonly reference: Partial<ConversationReference>;
  readonly channelId?: string;
}

const retryable = new Set([412, 429, 502, 504]);

export class CasePoster {
  private readonly log: Logger;
  private readonly lanes = new Map<string, Promise<unknown>>();

  constructor(private readonly deps: CasePosterDeps) {
    this.log = deps.log.child({ component: 'case-poster' });
  }

  async handle(message: OutboxMessage): Promise<void> {
    switch (message.kind) {
      case 'case.post':
        return this.postCase(message.caseId);
      case 'reporter.notify':
        return this.notifyReporter(message.caseId, message.change);
      case 'ops.notice':
        return this.postNotice(message.route, message.notice);
    }
  }

  /** An operator notice in a route's channel (its own thread), in fixed wording. */
  private async postNotice(route: string, notice: OpsNotice): Promise<void> {
    const channel = (await this.deps.conversations.route(route)) as RouteChannel | undefined;
    if (!channel)
      return this.log.error({ route, notice, event: 'notice.noChannel' }, 'no channel for notice');
    await this.postNew(channel, CardFactory.adaptiveCard(opsNoticeCard(notice)));
    this.log.warn({ route, notice, event: 'notice.posted' }, 'operator notice posted');
  }

  private async postCase(caseId: string): Promise<void> {
    const { cases, pack, conversations, adapter, appId } = this.deps;
    const state = await cases.get(caseId);
    if (!state) return this.log.warn({ caseId, event: 'post.noCase' }, 'nothing to post: case not found');
    const render = async () =>
      CardFactory.adaptiveCard(caseCard(state, await cases.chronology(caseId), pack));
    const existing = await conversations.casePost(caseId);
    if (existing && (existing.version ?? 0) >= state.version) {
      return this.log.debug({ caseId, event: 'post.current' }, 'case card already shows this version');
    }
    if (existing) {
      const card = await render();
      const reference = existing.conversation as Partial<ConversationReference>;
      await this.send(reference.conversation?.id ?? caseId, () =>
        adapter.continueConversationAsync(appId, reference, async (ctx) => {
          await ctx.updateActivity({ type: 'message', id: existing.activityId, attachments: [card] });
        }),
      );
      await conversations.saveCasePost(caseId, { ...existing, version: state.version });
      return this.log.info({ caseId, event: 'post.updated' }, 'case card updated');
    }
    const channel = (await conversations.route(state.route)) as RouteChannel | undefined;
    if (!channel) {
      // Kept, not dropped: `register <route>` in a channel posts every waiting case.
      return this.log.warn(
        { caseId, route: state.route, event: 'post.routeUnregistered' },
        'no channel registered for route',
      );
    }
    const posted = await this.postNew(channel, await render());
    await conversations.saveCasePost(caseId, { ...posted, version: state.version });
    this.log.info({ caseId, route: state.route, event: 'post.created' }, 'case card posted');
  }

  /**
   * Posts a new message to a route's place: a new thread in a Teams channel, or a message in the
   * chat that was registered. Returns where it went, so it can be updated later.
   */
  private async postNew(channel: RouteChannel, card: Attachment): Promise<CasePost> {
    const { adapter, appId } = this.deps;
    let posted: CasePost | undefined;
    const channelId = channel.channelId;
    if (!channelId) {
      await this.send(channel.reference.conversation?.id ?? 'route', () =>
        adapter.continueConversationAsync(appId, channel.reference, async (ctx) => {
          const sent = await ctx.sendActivity(MessageFactory.attachment(card));
          posted = { conversation: channel.reference, activityId: sent?.id ?? '' };
        }),
      );
    } else {
      await this.send(channelId, () =>
        adapter.continueConversationAsync(appId, channel.reference, async (ctx) => {
          // A new thread in the channel: POST /v3/conversations with the channel id. Its answer carries
          // the root message's activityId, which later updates need (createConversationAsync drops it).
          const client = ctx.turnState.get<ConnectorClient>(ctx.adapter.ConnectorClientKey);
          const created = await client.conversations.createConversation({
            isGroup: true,
            bot: channel.reference.bot ?? { id: appId, name: 'E-Safety' },
            channelData: { channel: { id: channelId } },
            activity: MessageFactory.attachment(card) as Activity,
            ...(channel.reference.conversation?.tenantId !== undefined && {
              tenantId: channel.reference.conversation.tenantId,
            }),
            members: [],
          });
          const activityId = created.activityId ?? /;messageid=(\d+)/.exec(created.id)?.[1] ?? '';
          const conversation = {
            ...channel.reference.conversation,
            id: created.id,
            isGroup: true,
            conversationType: 'channel',
          };
          posted = { conversation: { ...channel.reference, conversation }, activityId };
        }),
      );
    }
    return posted ?? fail('UNEXPECTED', 'The Bot Connector accepted a post without answering.');
  }

  private async notifyReporter(caseId: string, change: 'claimed' | 'closed'): Promise<void> {
    const { cases, pack, conversations, adapter, appId } = this.deps;
    const state = await cases.get(caseId);
    if (!state || pack.routes[state.route]?.notifyReporter === false) return;
    const reference = (await conversations.user(state.reporterId)) as
      Partial<ConversationReference> | undefined;
    if (!reference)
      return this.log.info({ caseId, event: 'notify.noConversation' }, 'reporter has no chat with the bot');
    const text =
      change === 'claimed'
        ? `Your concern ${state.reference} has been picked up by the safeguarding team.`
        : `Your concern ${state.reference} has been closed. Thank you for reporting it.`;
    await this.send(reference.conversation?.id ?? state.reporterId, () =>
      adapter.continueConversationAsync(appId, reference, async (ctx) => {
        await ctx.sendActivity(text);
      }),
    );
    this.log.info({ caseId, change, event: 'notify.sent' }, 'reporter told');
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

function httpFailure(err: unknown): { status?: number; retryAfterMs?: number } {
  const e = err as {
    statusCode?: number;
    response?: { status?: number; headers?: { get?: (n: string) => string | undefined | null } };
  };
  const status = e.statusCode ?? e.response?.status;
  const header = e.response?.headers?.get?.('retry-after');
  const seconds = header ? Number(header) : NaN;
  return {
    ...(status !== undefined && { status }),
    ...(Number.isFinite(seconds) && { retryAfterMs: seconds * 1000 }),
  };
}
