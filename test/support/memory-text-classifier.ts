/**
 * In-memory TextClassifier for unit tests: verdicts looked up by exact text from a table given to
 * the constructor; passes the same contract as the Azure AI Content Safety adapter.
 */
import type {
  ClassifierCategory,
  ClassifierVerdict,
  TextClassifier,
} from '../../core/detection/text-classifier';
import { fail } from '../../core/errors';

/**
 * What the fake answers for a text: its verdicts (categories left out are rated 0, as the service
 * rates every category it is asked about), or `unavailable` to fail as the service would when down.
 */
export type MemoryVerdicts = readonly ClassifierVerdict[] | 'unavailable';

const categories: readonly ClassifierCategory[] = ['hate', 'sexual', 'violence', 'selfHarm'];

export class MemoryTextClassifier implements TextClassifier {
  private readonly table: ReadonlyMap<string, MemoryVerdicts>;
  /** Every text it was asked to rate, in order (blank ones are not rated). */
  readonly classified: string[] = [];

  /** Texts not in the table are harmless: 0 in every category. */
  constructor(table: Readonly<Record<string, MemoryVerdicts>> | ReadonlyMap<string, MemoryVerdicts> = {}) {
    this.table = table instanceof Map ? table : new Map(Object.entries(table));
  }

  classify(text: string): Promise<ClassifierVerdict[]> {
    return new Promise((resolve) => resolve(this.verdicts(text)));
  }

  private verdicts(text: string): ClassifierVerdict[] {
    if (text.trim() === '') return [];
    this.classified.push(text);
    const entry = this.table.get(text) ?? [];
    if (entry === 'unavailable')
      return fail('UPSTREAM_UNAVAILABLE', 'The text classifier did not answer (in-memory fake).', {
        operation: 'analyzeText',
      });
    return categories.map((category) => ({
      category,
      severity: Math.max(0, ...entry.filter((v) => v.category === category).map((v) => v.severity)),
    }));
  }
}
