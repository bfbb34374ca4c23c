/**
 * Audit verification: every case's chronology must chain (hashes recomputed from content), and its
 * stored head must equal the fold of its events. Used by `esafety audit verify`.
 */
import canonicalize from 'canonicalize';
import { toEsafetyError } from '../errors';
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
  const findings: AuditFinding[] = [];
  let eventsChecked = 0;
  const ids = await store.allCaseIds();
  for (const caseId of ids) {
    const snap = await store.load(caseId).catch(() => undefined);
    const reference = snap?.state.reference;
    const at = { caseId, ...(reference !== undefined && { reference }) };
    let events;
    try {
      events = await store.events(caseId);
    } catch (err) {
      const e = toEsafetyError(err);
      const seq = typeof e.details['seq'] === 'number' ? e.details['seq'] : undefined;
      findings.push({ ...at, ...(seq !== undefined && { seq }), reason: e.message });
      continue;
    }
    eventsChecked += events.length;
    const problem = verifyChain(caseId, events);
    if (problem) {
      findings.push({ ...at, seq: problem.seq, reason: problem.reason });
      continue;
    }
    if (!snap) {
      findings.push({ ...at, reason: 'case head is missing or unreadable' });
    } else if (canonicalize(fold(events)) !== canonicalize(snap.state)) {
      findings.push({ ...at, reason: 'case head does not match its chronology (edited)' });
    }
  }
  return { casesChecked: ids.length, eventsChecked, findings };
}
