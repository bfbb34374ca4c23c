/**
 * The tamper-evident chronology shared by every aggregate the product keeps (cases, technology
 * risk assessments): each event carries `prevHash` and `hash` = SHA-256 over the canonical
 * (RFC 8785) JSON of everything in the event but its own hash, so any edit, deletion or reordering
 * is detectable (`esafety audit verify`).
 */
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { toEsafetyError } from './errors';

/** Who did something: an Entra object id, or `system:<component>` for automated steps. */
export interface Actor {
  readonly id: string;
  /** Display name, kept only in the encrypted narrative. */
  readonly name?: string;
}

/** The `prevHash` of an aggregate's first event. */
export const genesisHash = '0'.repeat(64);

export function chainHash(content: Readonly<Record<string, unknown>>): string {
  return createHash('sha256')
    .update(canonicalize(content) ?? '', 'utf8')
    .digest('hex');
}

export interface ChainedEvent {
  readonly seq: number;
  readonly prevHash: string;
  readonly hash: string;
}

export interface ChainProblem {
  readonly seq: number;
  readonly reason: string;
}

/**
 * Recomputes a chronology's chain; returns the first event that does not fit, if any.
 * `belongs` says whether an event names this aggregate; `hashOf` recomputes an event's hash.
 */
export function verifyChronology<E extends ChainedEvent>(
  events: readonly E[],
  belongs: (e: E) => boolean,
  hashOf: (e: E) => string,
  what = 'aggregate',
): ChainProblem | undefined {
  let prev = genesisHash;
  for (const [i, e] of events.entries()) {
    const seq = i + 1;
    if (e.seq !== seq)
      return { seq, reason: `expected event ${seq}, found event ${e.seq} (an event is missing)` };
    if (!belongs(e)) return { seq, reason: `event belongs to another ${what}` };
    if (e.prevHash !== prev) return { seq, reason: 'prevHash does not match the previous event' };
    if (hashOf(e) !== e.hash) return { seq, reason: 'hash does not match the event content (edited)' };
    prev = e.hash;
  }
  if (events.length === 0) return { seq: 1, reason: `${what} has no events` };
  return undefined;
}

/** How `auditChronologies` reads one kind of aggregate (cases, assessments). */
export interface ChronologySource<S extends { readonly reference: string }, E> {
  /** Every id present, read from the chronologies themselves. */
  ids(): Promise<string[]>;
  load(id: string): Promise<{ readonly state: S } | undefined>;
  events(id: string): Promise<E[]>;
  verify(id: string, events: readonly E[]): ChainProblem | undefined;
  fold(events: readonly E[]): S | undefined;
  /** `case`, `assessment`: names the aggregate in findings. */
  readonly what: string;
}

export interface ChronologyFinding {
  readonly id: string;
  readonly reference?: string;
  /** The event that does not fit; absent when the problem is the head. */
  readonly seq?: number;
  readonly reason: string;
}

/**
 * Every chronology must chain (hashes recomputed from content), and each stored head must equal
 * the fold of its events. `esafety audit verify` runs it over cases and assessments.
 */
export async function auditChronologies<S extends { readonly reference: string }, E>(
  source: ChronologySource<S, E>,
): Promise<{ checked: number; eventsChecked: number; findings: ChronologyFinding[] }> {
  const findings: ChronologyFinding[] = [];
  let eventsChecked = 0;
  const ids = await source.ids();
  for (const id of ids) {
    const snap = await source.load(id).catch(() => undefined);
    const reference = snap?.state.reference;
    const at = { id, ...(reference !== undefined && { reference }) };
    let events: E[];
    try {
      events = await source.events(id);
    } catch (err) {
      const e = toEsafetyError(err);
      const seq = typeof e.details['seq'] === 'number' ? e.details['seq'] : undefined;
      findings.push({ ...at, ...(seq !== undefined && { seq }), reason: e.message });
      continue;
    }
    eventsChecked += events.length;
    const problem = source.verify(id, events);
    if (problem) {
      findings.push({ ...at, seq: problem.seq, reason: problem.reason });
      continue;
    }
    if (!snap) {
      findings.push({ ...at, reason: `${source.what} head is missing or unreadable` });
    } else if (canonicalize(source.fold(events)) !== canonicalize(snap.state)) {
      findings.push({ ...at, reason: `${source.what} head does not match its chronology (edited)` });
    }
  }
  return { checked: ids.length, eventsChecked, findings };
}
