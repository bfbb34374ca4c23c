/**
 * The case post sweep: re-queues the card post of every case (and risk assessment) whose card is
 * missing or shows an older version, on routes that have a channel (or on one route). Run by a timer, it
 * repairs the rare follow-up that could not be queued after a change was committed, or a card
 * whose worker died holding its lease: nothing a DSL should see is lost. `register <route>` runs it
 * for the new channel's route. Reads the index, not every case.
 */
import type { AssessmentService } from '../assessments/assessment-service';
import type { CaseService } from '../cases/case-service';
import type { Clock } from '../clock';
import type { ConversationStore } from '../conversations';
import type { Logger } from '../logger';
import type { Outbox } from './outbox';

export interface SweepDeps {
  readonly cases: Pick<CaseService, 'list' | 'get'>;
  /** Risk assessments' approver cards are swept the same way. */
  readonly assessments?: Pick<AssessmentService, 'list'>;
  readonly conversations: ConversationStore;
  readonly outbox: Outbox;
  readonly clock: Clock;
  readonly log: Logger;
}

/** How far back the sweep looks at closed cases (a lost close should still reach the card). */
const recentMs = 24 * 60 * 60 * 1000;

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
    const shown = (await deps.conversations.casePost(summary.id))?.record.version ?? 0;
    // An index row from before versions were indexed reads as 0: then the case itself is asked.
    const version = summary.version || (await deps.cases.get(summary.id))?.version || 0;
    if (shown >= version) continue;
    await deps.outbox.send({ kind: 'case.post', caseId: summary.id });
    queued++;
  }
  for (const state of (await deps.assessments?.list()) ?? []) {
    if (options.route !== undefined && state.route !== options.route) continue;
    if (state.status !== 'submitted' && state.status !== 'moreInfo' && Date.parse(state.updatedAt) < since)
      continue;
    if (!routesWithChannel.has(state.route)) {
      routesWithChannel.set(state.route, !!(await deps.conversations.route(state.route)));
    }
    if (!routesWithChannel.get(state.route)) continue;
    const shown = (await deps.conversations.casePost(state.id))?.record.version ?? 0;
    if (shown >= state.version) continue;
    await deps.outbox.send({ kind: 'assessment.post', assessmentId: state.id });
    queued++;
  }
  if (queued > 0)
    deps.log.info({ queued, route: options.route, event: 'sweep.queued' }, 'case cards queued by the sweep');
  return queued;
}
