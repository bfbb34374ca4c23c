/**
 * Audit verification of the risk-assessment register, by the same rules as cases
 * (core/cases/audit.ts): every assessment's chronology must chain (hashes recomputed from content),
 * and its stored head must equal the fold of its events. Used by `esafety audit verify`.
 */
import { auditChronologies } from '../event-chain';
import { foldAssessment, verifyAssessmentChain } from './assessment';
import type { AssessmentStore } from './assessment-store';

export interface AssessmentAuditFinding {
  readonly assessmentId: string;
  readonly reference?: string;
  /** The event that does not fit; absent when the problem is the head. */
  readonly seq?: number;
  readonly reason: string;
}

export interface AssessmentAuditReport {
  readonly assessmentsChecked: number;
  readonly eventsChecked: number;
  readonly findings: readonly AssessmentAuditFinding[];
}

export async function verifyAllAssessments(store: AssessmentStore): Promise<AssessmentAuditReport> {
  const { checked, eventsChecked, findings } = await auditChronologies({
    what: 'assessment',
    ids: () => store.allIds(),
    load: (id) => store.load(id),
    events: (id) => store.events(id),
    verify: verifyAssessmentChain,
    fold: foldAssessment,
  });
  return {
    assessmentsChecked: checked,
    eventsChecked,
    findings: findings.map(({ id, ...f }) => ({ assessmentId: id, ...f })),
  };
}
