/**
 * Safeguarding phrases: the pack's phrase lists and patterns, matched against message text after
 * both sides are normalised the same way, so that casing, spacing and the common ways people
 * disguise words ("K.Y.S", "s e n d nudes", "n00des", "sooo alone", zero-width characters,
 * accented look-alikes) do not hide a phrase.
 *
 * Forms of the text that are matched:
 * - the word form: lower case, accents and invisible characters removed, look-alike digits and
 *   symbols mapped to letters, every separator one space, and runs of three or more single
 *   letters joined ("k y s" → "kys"). The pack's regular-expression patterns match here.
 * - the collapsed form: the word form with repeated letters collapsed ("sooo" → "so"). Phrases,
 *   collapsed the same way, match here on word boundaries.
 * - the squashed form (collapsed, letters only) for phrases of ten letters or more, which catches
 *   spacing tricks inside long phrases ("keepthis between us"). Short phrases never match squashed:
 *   "kys" would otherwise fire on "risky stuff".
 */
import type { PolicyPack, Severity } from '../policy/policy-pack';

export interface PhraseHit {
  readonly category: string;
  readonly severity: Severity;
  /** Index of the rule in `detection.phrases` (policy data, safe to log). */
  readonly rule: number;
}

const lookAlikes: Record<string, string> = {
  '0': 'o',
  '1': 'i',
  '3': 'e',
  '4': 'a',
  '5': 's',
  '7': 't',
  '8': 'b',
  '@': 'a',
  $: 's',
  '!': 'i',
  '|': 'i',
  '€': 'e',
  '£': 'l',
};

/**
 * Characters people insert to break up words without changing how they look (soft hyphen,
 * zero-width and direction marks, word joiners, BOM). Invisible combining marks go with `\p{M}`.
 */
const invisible = /[\u00ad\u061c\u115f\u1160\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]/gu;

/** The word form of a text (see the module comment). */
export function normaliseWords(text: string): string {
  const mapped = text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(invisible, '')
    .toLowerCase()
    .split(/\s+/u)
    .map(unmask)
    .join(' ')
    // Apostrophes vanish inside words: "don't" and "dont" are the same word.
    .replace(/(\p{L})['’`](\p{L})/gu, '$1$2')
    .replace(/[^\p{L}]+/gu, ' ')
    .trim();
  return joinSpelledOut(mapped.split(' ')).join(' ');
}

/** The collapsed form: the word form with letter runs collapsed to one letter. */
function collapse(words: string): string {
  return words.replace(/(\p{L})\1+/gu, '$1');
}

/**
 * Maps look-alikes inside a word ("n00des", "b!tch") but not around it: "kys!" stays "kys" and a
 * lone "4" stays a number (and so a separator).
 */
function unmask(token: string): string {
  const inner = token.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, '');
  return /\p{L}/u.test(inner) ? inner.replace(/[0-9@$!|€£]/g, (c) => lookAlikes[c] ?? c) : inner;
}

/** Joins runs of three or more single-letter tokens: ["k","y","s","now"] → ["kys","now"]. */
function joinSpelledOut(tokens: string[]): string[] {
  const out: string[] = [];
  let run: string[] = [];
  const flush = () => {
    if (run.length >= 3) out.push(run.join(''));
    else out.push(...run);
    run = [];
  };
  for (const t of tokens) {
    if (t.length === 1) run.push(t);
    else {
      flush();
      if (t) out.push(t);
    }
  }
  flush();
  return out;
}

const squashMinimum = 10;

interface CompiledRule {
  readonly category: string;
  readonly severity: Severity;
  readonly rule: number;
  readonly phrases: readonly RegExp[];
  readonly patterns: readonly RegExp[];
  readonly squashed: readonly string[];
}

/** Compiles the pack's phrase rules once; `match` is then cheap per message. */
export class PhraseMatcher {
  private readonly rules: readonly CompiledRule[];

  constructor(pack: Pick<PolicyPack, 'detection'>) {
    this.rules = pack.detection.phrases.map((r, rule) => {
      const phrases = r.phrases.map((p) => collapse(normaliseWords(p))).filter(Boolean);
      return {
        category: r.category,
        severity: r.severity,
        rule,
        phrases: phrases.map((p) => new RegExp(`(?:^| )${escape(p)}(?= |$)`, 'u')),
        patterns: r.patterns.map((p) => new RegExp(p, 'iu')),
        squashed: phrases.map((p) => p.replace(/ /g, '')).filter((p) => p.length >= squashMinimum),
      };
    });
  }

  /** One hit per matching rule, in the pack's order. */
  match(text: string): PhraseHit[] {
    const words = normaliseWords(text);
    if (!words) return [];
    const collapsed = collapse(words);
    const squashed = collapsed.replace(/ /g, '');
    return this.rules
      .filter(
        (r) =>
          r.patterns.some((re) => re.test(words)) ||
          r.phrases.some((re) => re.test(collapsed)) ||
          r.squashed.some((p) => squashed.includes(p)),
      )
      .map(({ category, severity, rule }) => ({ category, severity, rule }));
  }
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
