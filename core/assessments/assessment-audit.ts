/**
 * Audit verification of the risk-assessment register, by the same rules as cases
 * (core/cases/audit.ts): every assessment's chronology must chain (hashes recomputed from content),
 * and its stored head must equal the fold of its events. Used by `esafety audit verify`.
 */
import canonicalize from 'canonicalize';
import { toEsafetyError } from '../errors';
import { foldAssessment, verifyAssessmentChain, type AssessmentEvent } from './assessment';
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
  const findings: AssessmentAuditFinding[] = [];
  let eventsChecked = 0;
  const ids = await store.allIds();
  for (const assessmentId of ids) {
    const snap = await store.load(assessmentId).catch(() => undefined);
    const reference = snap?.state.reference;
    const at = { assessmentId, ...(reference !== undefined && { reference }) };
    let events: AssessmentEvent[];
    try {
      events = await store.events(assessmentId);
    } catch (err) {
      const e = toEsafetyError(err);
      const seq = typeof e.details['seq'] === 'number' ? e.details['seq'] : undefined;
      findings.push({ ...at, ...(seq !== undefined && { seq }), reason: e.message });
      continue;
    }
    eventsChecked += events.length;
    const problem = verifyAssessmentChain(assessmentId, events);
    if (problem) {
      findings.push({ ...at, seq: problem.seq, reason: problem.reason });
      continue;
    }
    if (!snap) {
      findings.push({ ...at, reason: 'assessment head is missing or unreadable' });
    } else if (canonicalize(foldAssessment(events)) !== canonicalize(snap.state)) {
      findings.push({ ...at, reason: 'assessment head does not match its chronology (edited)' });
    }
  }
  return { assessmentsChecked: ids.length, eventsChecked, findings };
}
