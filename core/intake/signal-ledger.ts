/**
 * The signal ledger: the memory that keeps automated signals from flooding the DSLs.
 *
 * - Aggregation windows: per conversation, which case collects its signals now. A window stays
 *   open while signals keep arriving within the pack's `aggregationWindowMinutes` of each other.
 * - Recorded signals: every signal key already written to a case, so a redelivered notification,
 *   an edited message or a backfill days later never opens a second case.
 *
 * Two implementations pass one contract suite (test/contract/signal-ledger.contract.ts): Azure
 * Table Storage (adapters/) and an in-memory fake.
 */
export interface SignalLedger {
  /**
   * The case key collecting this conversation's signals at `now`: the open window's key (its
   * last-signal time moves to `now`), or `candidate` when there is no window or it has lapsed.
   * Atomic: concurrent callers for one conversation all get the same key.
   */
  claimWindow(conversation: string, candidate: string, now: Date, windowMs: number): Promise<string>;
  /**
   * Starts a new window with `candidate` if the conversation's window still holds `previous`
   * (its case was closed); returns whichever key the window holds afterwards.
   */
  replaceWindow(conversation: string, previous: string, candidate: string, now: Date): Promise<string>;
  /** Which of these signal keys are already recorded on a case. */
  recorded(keys: readonly string[]): Promise<Set<string>>;
  /** Records signal keys as written to a case. */
  record(keys: readonly string[], caseId: string): Promise<void>;
  /** The case a recorded key was written to. */
  caseOf(key: string): Promise<string | undefined>;
  /**
   * Notes conversation-level indicators seen in a scope at `now` and answers every indicator seen
   * there within `windowMs`, with when it was first seen in that run. Only indicator ids and times
   * are kept (encrypted at rest), and nothing older than the window. Atomic per scope.
   */
  noteIndicators(
    scope: string,
    indicators: readonly string[],
    now: Date,
    windowMs: number,
  ): Promise<Map<string, Date>>;
}

/** The indicators a scope holds: each with when its current run started and when it was last seen. */
export type IndicatorRuns = Readonly<Record<string, { readonly first: number; readonly last: number }>>;

/**
 * The one rule both ledgers apply when noting indicators: runs not seen within the window are
 * forgotten; an indicator seen again extends its run; a new one starts a run at `now`.
 */
export function noteIndicatorRuns(
  runs: IndicatorRuns,
  indicators: readonly string[],
  now: Date,
  windowMs: number,
): IndicatorRuns {
  const t = now.getTime();
  const kept = Object.entries(runs).filter(([, run]) => t - run.last <= windowMs);
  const next: Record<string, { first: number; last: number }> = Object.fromEntries(kept);
  for (const indicator of indicators) {
    const run = next[indicator];
    next[indicator] = { first: run?.first ?? t, last: Math.max(run?.last ?? t, t) };
  }
  return next;
}

/** The runs as the ledger answers them: indicator → when its run started. */
export function runStarts(runs: IndicatorRuns): Map<string, Date> {
  return new Map(Object.entries(runs).map(([indicator, run]) => [indicator, new Date(run.first)]));
}
