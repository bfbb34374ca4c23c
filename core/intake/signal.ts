/**
 * A signal: one thing a monitoring source observed that may be a safeguarding concern. Every
 * source (Teams chats today; sharing links and third-party alerts next) turns what it sees into
 * signals and hands them to the signal intake (signal-intake.ts), which alone decides whether they
 * open a case, join one, or were seen before.
 */
import type { Severity } from '../policy/policy-pack';
import { severityRank } from '../policy/routing';

/** What a source observed: a new source (sharing links, third-party alerts) adds its kinds here. */
export type SignalKind = 'externalContact' | 'phrase' | 'dlp' | 'pattern' | 'classifier' | 'sharing';

export interface Signal {
  readonly kind: SignalKind;
  /** A taxonomy item of the policy pack. */
  readonly category: string;
  readonly severity: Severity;
  /**
   * Deterministic per thing observed (a message's phrase hit, one outsider's presence in one
   * conversation): the same key twice is the same signal.
   */
  readonly key: string;
  /**
   * The detection rule that raised it (a library entry or conversation rule id): policy data, kept
   * plain on the case so `esafety detection stats` can count what each rule found.
   */
  readonly entry?: string;
  /** What the DSL reads about this signal in the chronology (no ids). */
  readonly summary: string;
  /** The words themselves, shortened, where there are words. */
  readonly excerpt?: string;
  /** Where it was seen (a Teams message link the product built or Graph gave). */
  readonly link?: string;
}

/** The signal a new case opens with: the most severe; the first among equals. */
export function leadingSignal<S extends Pick<Signal, 'severity'>>(signals: readonly S[]): S | undefined {
  return [...signals].sort((a, b) => severityRank(b.severity) - severityRank(a.severity))[0];
}
