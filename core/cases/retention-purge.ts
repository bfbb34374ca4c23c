/**
 * The retention purge: a closed case is deleted once its retention period (the policy pack's, per
 * route and category: core/policy/retention.ts) has run from its closing, unless a DSL holds it.
 * Each purge is written to the purge log first — reference, category, route, dates and the period
 * applied, never narrative — so the record of what was deleted, and why, outlives the case. Its
 * card in Teams is replaced by a notice that the record was deleted (the outbox's `case.retired`).
 */
import type { Clock } from '../clock';
import type { Logger } from '../logger';
import type { Outbox } from '../outbox/outbox';
import type { PolicyPack } from '../policy/policy-pack';
import { retentionFor } from '../policy/retention';
import type { CaseState } from './case-state';
import type { CaseStore, PurgeRecord } from './case-store';

/** When a case may be deleted; undefined while it is open or held. */
export function purgeDueAt(state: CaseState, pack: PolicyPack): Date | undefined {
  if (state.status !== 'closed' || state.retentionHold || !state.closedAt) return undefined;
  const due = new Date(state.closedAt);
  due.setUTCMonth(due.getUTCMonth() + retentionFor(pack, state).months);
  return due;
}

export interface PurgeDeps {
  readonly store: CaseStore;
  readonly pack: PolicyPack;
  readonly outbox: Outbox;
  readonly clock: Clock;
  readonly log: Logger;
}

/** Deletes every closed case whose period has run; with `dryRun`, only says which it would. */
export async function purgeExpiredCases(
  deps: PurgeDeps,
  options: { readonly dryRun?: boolean } = {},
): Promise<PurgeRecord[]> {
  const { store, pack, clock, log } = deps;
  const now = clock.now();
  const purged: PurgeRecord[] = [];
  if (!options.dryRun) {
    // A purge cut short (the process stopped mid-way) left its head: finish it.
    for (const record of await store.purgeLog()) {
      if (!(await store.load(record.caseId))) continue;
      await store.purge(record.caseId, record);
      log.warn({ caseId: record.caseId, event: 'case.purgeFinished' }, 'an unfinished purge was finished');
    }
  }
  for (const summary of await store.list({ status: 'closed' })) {
    // The index says closed; the case itself decides (a reopen or a hold may be newer).
    const state = (await store.load(summary.id))?.state;
    const due = state && purgeDueAt(state, pack);
    if (!state || !due || due > now) continue;
    const period = retentionFor(pack, state);
    const record: PurgeRecord = {
      caseId: state.id,
      reference: state.reference,
      category: state.category,
      route: state.route,
      openedAt: state.openedAt,
      closedAt: state.closedAt ?? state.updatedAt,
      purgedAt: now.toISOString(),
      keptMonths: period.months,
      source: period.source,
    };
    purged.push(record);
    if (options.dryRun) continue;
    await store.purge(state.id, record);
    await deps.outbox.send({ kind: 'case.retired', caseId: state.id, reference: state.reference });
    log.info(
      { caseId: state.id, reference: state.reference, keptMonths: period.months, event: 'case.purged' },
      'closed case deleted at the end of its retention period',
    );
  }
  return purged;
}
