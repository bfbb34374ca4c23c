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
}
