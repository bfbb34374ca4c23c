/**
 * Work that must happen after a case changes, outside the request that changed it: posting or
 * updating the case card in its route's channel, telling the reporter the case moved. Messages go
 * on a durable queue first; a queue-triggered function does the work, retried and finally
 * poisoned, never dropped (DESIGN.md section 3).
 */
import { z } from 'zod';
import type { CaseEvent } from './cases/case-events';
import type { CaseService } from './cases/case-service';
import type { CaseState } from './cases/case-state';
import type { Clock } from './clock';
import type { ConversationStore } from './conversations';
import type { Logger } from './logger';

export const opsNoticeKinds = ['signalPoisoned'] as const;
export type OpsNotice = (typeof opsNoticeKinds)[number];

export const outboxMessageSchema = z.discriminatedUnion('kind', [
  /** Post the case card to its route's channel, or update it in place if already posted. */
  z.object({ kind: z.literal('case.post'), caseId: z.string().min(1).max(64) }),
  /** Tell the reporter, without detail, that their concern was picked up or closed. */
  z.object({
    kind: z.literal('reporter.notify'),
    caseId: z.string().min(1).max(64),
    change: z.enum(['claimed', 'closed']),
  }),
  /**
   * Tell a route's channel that something needs an operator (a notification that could not be
   * processed). Fixed wording (cards/render.ts `opsNoticeCard`): never message content, names or ids.
   */
  z.object({
    kind: z.literal('ops.notice'),
    route: z.string().min(1).max(64),
    notice: z.enum(opsNoticeKinds),
  }),
]);

export type OutboxMessage = z.output<typeof outboxMessageSchema>;

export interface Outbox {
  send(message: OutboxMessage): Promise<void>;
}

/** What a change to a case asks to be done next. */
export function followUps(state: CaseState, event: CaseEvent): OutboxMessage[] {
  const messages: OutboxMessage[] = [{ kind: 'case.post', caseId: state.id }];
  if (state.source === 'staffReport' && (event.type === 'claimed' || event.type === 'closed')) {
    messages.push({ kind: 'reporter.notify', caseId: state.id, change: event.type });
  }
  return messages;
}

export interface SweepDeps {
  readonly cases: Pick<CaseService, 'list' | 'get'>;
  readonly conversations: ConversationStore;
  readonly outbox: Outbox;
  readonly clock: Clock;
  readonly log: Logger;
}

/** How far back the sweep looks at closed cases (a lost close should still reach the card). */
const recentMs = 24 * 60 * 60 * 1000;

/**
 * Re-queues the card post of every case whose card is missing or shows an older version than the
 * case, on routes that have a channel (or on one route). Run by a timer, it repairs the rare
 * follow-up that could not be queued after a change was committed: nothing a DSL should see is lost.
 * `register <route>` runs it for the new channel's route. Reads the index, not every case.
 */
export async function sweepCasePosts(
  deps: SweepDeps,
  options: { readonly route?: string } = {},
): Promise<number> {
  const since = deps.clock.now().getTime() - recentMs;
  const routesWithChannel = new Map<string, boolean>();
  let queued = 0;
  for (const summary of await deps.cases.list({ status: 'all' })) {
    if (options.route !== undefined && summary.route !== options.route) continue;
    if (summary.status === 'closed' && Date.parse(summary.updatedAt) < since) continue;
    if (!routesWithChannel.has(summary.route)) {
      routesWithChannel.set(summary.route, !!(await deps.conversations.route(summary.route)));
    }
    if (!routesWithChannel.get(summary.route)) continue;
    const post = await deps.conversations.casePost(summary.id);
    // An index row from before versions were indexed reads as 0: then the case itself is asked.
    const version = summary.version || (await deps.cases.get(summary.id))?.version || 0;
    if (post && (post.version ?? 0) >= version) continue;
    await deps.outbox.send({ kind: 'case.post', caseId: summary.id });
    queued++;
  }
  if (queued > 0)
    deps.log.info({ queued, route: options.route, event: 'sweep.queued' }, 'case cards queued by the sweep');
  return queued;
}
