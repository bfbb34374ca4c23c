/**
 * The tamper-evident chronology shared by every aggregate the product keeps (cases, technology
 * risk assessments): each event carries `prevHash` and `hash` = SHA-256 over the canonical
 * (RFC 8785) JSON of everything in the event but its own hash, so any edit, deletion or reordering
 * is detectable (`esafety audit verify`).
 */
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';

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
