/**
 * Audit verification: every case's chronology must chain (hashes recomputed from content), and its
 * stored head must equal the fold of its events. Used by `esafety audit verify`.
 */
import { auditChronologies } from '../event-chain';
import type { CaseStore } from './case-store';
import { verifyChain } from './case-events';
import { fold } from './case-state';

export interface AuditFinding {
  readonly caseId: string;
  readonly reference?: string;
  /** The event that does not fit; absent when the problem is the head. */
  readonly seq?: number;
  readonly reason: string;
}

export interface AuditReport {
  readonly casesChecked: number;
  readonly eventsChecked: number;
  readonly findings: readonly AuditFinding[];
}

export async function verifyAllCases(store: CaseStore): Promise<AuditReport> {
  const { checked, eventsChecked, findings } = await auditChronologies({
    what: 'case',
    ids: () => store.allCaseIds(),
    load: (id) => store.load(id),
    events: (id) => store.events(id),
    verify: verifyChain,
    fold,
  });
  return {
    casesChecked: checked,
    eventsChecked,
    findings: findings.map(({ id, ...f }) => ({ caseId: id, ...f })),
  };
}
