/**
 * The statistical layer of detection: a multinomial logistic regression over a message's words,
 * word pairs and the pack's term-list concepts, trained on labelled chat messages. It catches
 * wordings the library's phrases do not spell out ("need someone to take a bag up north, easy
 * money") and says which of the message's words weighed most, so its flags are explained like the
 * library's. The library stays first: the model only adds a category the library did not find.
 *
 * Written here rather than taken from a package: the messages are sparse (a few dozen features out
 * of many thousands), and the npm classifiers are either dense (a matrix per sample), naive Bayes
 * (measured clearly weaker on this data), or a whole tensor runtime for what is a few loops.
 * Training is deterministic (seeded shuffle), so the shipped weights can be checked against their
 * training data.
 */
import { fail } from '../errors';
import { analyse, everydayWords, type AnalysedText } from './language';
import { append } from './map-of-lists';
import type { TermLists } from './phrase-syntax';

/** What a message is made of, for the model: `w:` a lemma, `b:` two lemmas in a row, `t:` a term list. */
export type Features = ReadonlyMap<string, string>;

/** The pack's term lists by the lemmas that stand for them (single words) and their phrases. */
export interface ConceptIndex {
  readonly byLemma: ReadonlyMap<string, readonly string[]>;
  /** Multi-word items by their first lemma: the lemmas after it, and the item's list. */
  readonly byFirst: ReadonlyMap<string, readonly (readonly [readonly string[], string])[]>;
}

/** Indexes the pack's term lists by their items' lemmas (each item analysed as a message is). */
export function conceptIndex(terms: TermLists): ConceptIndex {
  const byLemma = new Map<string, string[]>();
  const byFirst = new Map<string, [string[], string][]>();
  for (const [list, items] of Object.entries(terms))
    for (const item of items) {
      const [first, ...rest] = analyse(item).tokens.map((t) => t.lemma);
      if (first === undefined) continue;
      if (rest.length > 0) append(byFirst, first, [rest, list]);
      else if (!byLemma.get(first)?.includes(list)) append(byLemma, first, list);
    }
  return { byLemma, byFirst };
}

/** The features of a message, each with the words of the message it stands for (as written). */
export function featuresOf(text: AnalysedText, concepts: ConceptIndex): Features {
  const features = new Map<string, string>();
  const { tokens } = text;
  const note = (feature: string, words: string) => {
    if (!features.has(feature)) features.set(feature, words);
  };
  tokens.forEach((t, i) => {
    features.set(`w:${t.lemma}`, t.surface);
    const next = tokens[i + 1];
    if (next) features.set(`b:${t.lemma} ${next.lemma}`, `${t.surface} ${next.surface}`);
    for (const list of concepts.byLemma.get(t.lemma) ?? concepts.byLemma.get(t.surface) ?? [])
      note(`t:${list}`, t.surface);
    for (const [rest, list] of concepts.byFirst.get(t.lemma) ?? [])
      if (rest.every((lemma, k) => tokens[i + 1 + k]?.lemma === lemma))
        note(
          `t:${list}`,
          tokens
            .slice(i, i + 1 + rest.length)
            .map((w) => w.surface)
            .join(' '),
        );
  });
  return features;
}

/** Trained weights: per feature, one weight per class (`classes[0]` is `none`, no risk). */
export interface ModelWeights {
  readonly classes: readonly string[];
  readonly bias: readonly number[];
  readonly weights: Readonly<Record<string, readonly number[]>>;
}

export interface ModelOpinion {
  /** The risk class the message reads most like. */
  readonly label: string;
  /** How sure the model is that the message carries some risk (1 − P(none)). */
  readonly risk: number;
  /** The message's words that weighed most towards the label, strongest first (at most three). */
  readonly because: readonly string[];
}

/** P(class) for a message's features. */
function probabilities(model: ModelWeights, features: Iterable<string>): number[] {
  const z = [...model.bias];
  for (const f of features) {
    const w = model.weights[f];
    if (w) for (let k = 0; k < z.length; k++) z[k]! += w[k]!;
  }
  const max = Math.max(...z);
  const e = z.map((v) => Math.exp(v - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

/** Words a DSL can read as a reason: not only everyday words ("you", "them"). */
const explains = (words: string) => words.split(' ').some((w) => !everydayWords.has(w));

/** The model's reading of a message: its likeliest risk class and the words behind it. */
export function opinionOf(model: ModelWeights, features: Features): ModelOpinion {
  const p = probabilities(model, features.keys());
  let best = 1;
  for (let k = 2; k < p.length; k++) if (p[k]! > p[best]!) best = k;
  const because = [...features]
    .filter(([, words]) => explains(words))
    .map(([f, words]) => ({ words, weight: model.weights[f]?.[best] ?? 0 }))
    .filter((c) => c.weight > 0)
    .sort((a, b) => b.weight - a.weight);
  const words = [...new Set(because.map((c) => c.words))].slice(0, 3);
  return { label: model.classes[best]!, risk: 1 - p[0]!, because: words };
}

export interface TrainingExample {
  readonly features: readonly string[];
  readonly label: string;
}

export interface TrainingOptions {
  readonly epochs: number;
  /** The first epoch's step; it decays as 1 / (1 + 0.2 · epoch). */
  readonly rate: number;
  /** L2 regularisation per step. */
  readonly l2: number;
  readonly seed: number;
  /** Features whose every weight is smaller than this are left out of the result. */
  readonly prune: number;
}

export const defaultTraining: TrainingOptions = { epochs: 30, rate: 0.1, l2: 1e-4, seed: 1, prune: 0.02 };

/** A Park–Miller generator: the same shuffles on every machine. */
function seeded(seed: number): () => number {
  let s = seed % 2147483647 || 1;
  return () => (s = (s * 16807) % 2147483647) / 2147483647;
}

const round = (v: number) => Math.round(v * 1000) / 1000;

/** Stochastic gradient descent on the cross-entropy, `classes[0]` being `none`. */
export function trainModel(
  examples: readonly TrainingExample[],
  classes: readonly string[],
  options: TrainingOptions = defaultTraining,
): ModelWeights {
  const K = classes.length;
  const data = examples.map((e) => {
    const y = classes.indexOf(e.label);
    if (y < 0)
      fail('INPUT_INVALID', `training label ${e.label} is not one of the classes`, { label: e.label });
    return { features: [...e.features], y };
  });
  const bias = new Array<number>(K).fill(0);
  const weights: Record<string, number[]> = {};
  const random = seeded(options.seed);
  const order = data.map((_, i) => i);
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    const step = options.rate / (1 + epoch * 0.2);
    for (const i of order) {
      const { features, y } = data[i]!;
      const p = probabilities({ classes, bias, weights }, features);
      for (let k = 0; k < K; k++) {
        const gradient = p[k]! - (k === y ? 1 : 0);
        bias[k]! -= step * gradient;
        for (const f of features) {
          const w = (weights[f] ??= new Array<number>(K).fill(0));
          w[k]! -= step * (gradient + options.l2 * w[k]!);
        }
      }
    }
  }
  const kept = Object.entries(weights)
    .filter(([, w]) => w.some((v) => Math.abs(v) >= options.prune))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([f, w]) => [f, w.map(round)] as const);
  return { classes: [...classes], bias: bias.map(round), weights: Object.fromEntries(kept) };
}
