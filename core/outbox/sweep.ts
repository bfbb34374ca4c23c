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
  /** Whether a card on this route, last changed at `updatedAt`, is one the sweep looks after. */
  const watched = async (route: string, settled: boolean, updatedAt: string) => {
    if (options.route !== undefined && route !== options.route) return false;
    if (settled && Date.parse(updatedAt) < since) return false;
    if (!routesWithChannel.has(route))
      routesWithChannel.set(route, !!(await deps.conversations.route(route)));
    return routesWithChannel.get(route) ?? false;
  };
  const shownVersion = async (id: string) => (await deps.conversations.cardPost(id))?.record.version ?? 0;
  let queued = 0;
  for (const summary of await deps.cases.list({ status: 'all' })) {
    if (!(await watched(summary.route, summary.status === 'closed', summary.updatedAt))) continue;
    const shown = await shownVersion(summary.id);
    // An index row from before versions were indexed reads as 0: then the case itself is asked.
    const version = summary.version || (await deps.cases.get(summary.id))?.version || 0;
    if (shown >= version) continue;
    await deps.outbox.send({ kind: 'case.post', caseId: summary.id });
    queued++;
  }
  for (const state of (await deps.assessments?.list()) ?? []) {
    const settled = state.status !== 'submitted' && state.status !== 'moreInfo';
    if (!(await watched(state.route, settled, state.updatedAt))) continue;
    if ((await shownVersion(state.id)) >= state.version) continue;
    await deps.outbox.send({ kind: 'assessment.post', assessmentId: state.id });
    queued++;
  }
  if (queued > 0)
    deps.log.info({ queued, route: options.route, event: 'sweep.queued' }, 'case cards queued by the sweep');
  return queued;
}
