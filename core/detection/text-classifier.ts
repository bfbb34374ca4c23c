/**
 * The text classifier port: an optional machine-learning opinion on a message's text, alongside
 * the policy pack's own detection rules. In production the adapter is Azure AI Content Safety
 * (`adapters/content-safety.ts`), in the college's own Azure resource; it is off unless configured.
 */

/** The harm categories a classifier rates text in. */
export type ClassifierCategory = 'hate' | 'sexual' | 'violence' | 'selfHarm';

/** How harmful a text is in one category. */
export interface ClassifierVerdict {
  readonly category: ClassifierCategory;
  /**
   * Azure AI Content Safety's severity scale: an integer from 0 (safe) to 7 (most severe), or only
   * 0, 2, 4 and 6 when a classifier rates in four levels. Higher is more severe.
   */
  readonly severity: number;
}

/** Rates a text in each harm category. */
export interface TextClassifier {
  /**
   * The text's verdicts: at most one per category, each the highest severity found anywhere in
   * the text (a classifier that must split a long text keeps the worst part's). Empty when there
   * was nothing to rate (a blank text). Fails with a coded error (`UPSTREAM_UNAVAILABLE`) when no
   * verdict could be had in time; the error never carries the text.
   */
  classify(text: string): Promise<ClassifierVerdict[]>;
}
