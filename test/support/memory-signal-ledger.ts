/** In-memory SignalLedger for unit tests; passes the same contract as the Table adapter. */
import {
  noteIndicatorRuns,
  runStarts,
  type IndicatorRuns,
  type SignalLedger,
} from '../../core/intake/signal-ledger';

export class MemorySignalLedger implements SignalLedger {
  private readonly windows = new Map<string, { caseKey: string; lastAt: number }>();
  private readonly signals = new Map<string, string>();
  private readonly indicators = new Map<string, IndicatorRuns>();

  noteIndicators(scope: string, indicators: readonly string[], now: Date, windowMs: number) {
    const runs = noteIndicatorRuns(this.indicators.get(scope) ?? {}, indicators, now, windowMs);
    this.indicators.set(scope, runs);
    return Promise.resolve(runStarts(runs));
  }

  claimWindow(conversation: string, candidate: string, now: Date, windowMs: number): Promise<string> {
    const row = this.windows.get(conversation);
    const caseKey = row && now.getTime() - row.lastAt <= windowMs ? row.caseKey : candidate;
    this.windows.set(conversation, { caseKey, lastAt: now.getTime() });
    return Promise.resolve(caseKey);
  }

  replaceWindow(conversation: string, previous: string, candidate: string, now: Date): Promise<string> {
    const row = this.windows.get(conversation);
    if (row && row.caseKey !== previous) return Promise.resolve(row.caseKey);
    this.windows.set(conversation, { caseKey: candidate, lastAt: now.getTime() });
    return Promise.resolve(candidate);
  }

  recorded(keys: readonly string[]): Promise<Set<string>> {
    return Promise.resolve(new Set(keys.filter((k) => this.signals.has(k))));
  }

  caseOf(key: string): Promise<string | undefined> {
    return Promise.resolve(this.signals.get(key));
  }

  record(keys: readonly string[], caseId: string): Promise<void> {
    for (const k of keys) this.signals.set(k, caseId);
    return Promise.resolve();
  }
}
