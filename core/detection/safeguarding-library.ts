/**
 * The safeguarding library: the policy pack's entries (`detection.library`), compiled once, then
 * matched against each message. An entry says what to look for, how serious it is, and why a DSL
 * should look — and in what context it does not count:
 *
 * - `phrases`: words in order, matched on the analysed message (language.ts), so every spelling,
 *   word form and disguise of a word matches. In a phrase, `a|b` is either word, `word?` may be
 *   absent, `*` stands for up to two words and `**` for up to five: `send (me|us)? * pic`.
 * - `patterns`: regular expressions on the message's written words, for what phrases cannot say.
 * - `near`: at least one of these must be within `within` words of the match, not counting the
 *   phrase's own words (the request for a picture aimed at the person, not the homework);
 *   `notNear`: none of these may be; `unless`: none of these anywhere in the message (a tutorial
 *   about the Prevent duty).
 * - `indicator`: a stage of a conversation-level risk the entry notes (flattery, secrecy …);
 *   `signal: false` makes an entry only an indicator, never a flag on its own.
 *
 * A college's pack adds entries (`+library`), turns inherited ones off (`disable`) and changes their
 * severity (`adjust`).
 */
import type { PolicyPack, Severity } from '../policy/policy-pack';
import { analyse, sameWord, type AnalysedText, type Token } from './language';
import { phraseParts } from './phrase-syntax';

export interface Finding {
  /** The library entry (policy data: safe to log and count). */
  readonly entry: string;
  readonly category: string;
  readonly severity: Severity;
  /** The entry's explanation, for the DSL. */
  readonly why: string;
  /** The words of the message that matched, as written (after undoing disguises). */
  readonly words: string;
  readonly indicator?: string;
  /** False for an indicator-only entry. */
  readonly signal: boolean;
  /** The writer is the one at risk. */
  readonly atRisk: boolean;
}

type Part =
  /** One of these word sequences (most are one word long). */
  | {
      readonly kind: 'choice';
      readonly alternatives: readonly (readonly Token[])[];
      readonly optional: boolean;
    }
  | { readonly kind: 'gap'; readonly max: number };

interface Phrase {
  readonly parts: readonly Part[];
  /** The first word the phrase cannot do without: a message lacking it cannot match. */
  readonly anchor?: readonly Token[];
  /** Letters of an all-literal phrase of ten letters or more, for spacing tricks. */
  readonly squashed?: string;
}

interface Entry {
  readonly id: string;
  readonly category: string;
  readonly severity: Severity;
  readonly why: string;
  readonly phrases: readonly Phrase[];
  readonly patterns: readonly RegExp[];
  readonly near?: readonly Phrase[];
  readonly notNear: readonly Phrase[];
  readonly unless: readonly Phrase[];
  readonly within: number;
  readonly indicator?: string;
  readonly signal: boolean;
  readonly atRisk: boolean;
}

interface Span {
  readonly start: number;
  /** Exclusive. */
  readonly end: number;
  /** The positions the phrase's own words took (not its gaps): they cannot also be what is `near`. */
  readonly own?: readonly number[];
}

const squashMinimum = 10;

function compilePhrase(text: string): Phrase {
  const parts = phraseParts(text).flatMap((p): Part[] => {
    if (p.kind === 'gap') return [p];
    // Each alternative is a word sequence: "(for everyone|for everybody)", or "dont" → "do not".
    const alternatives = p.alternatives.map((a) => analyse(a).tokens).filter((t) => t.length > 0);
    return alternatives.length > 0 ? [{ kind: 'choice', alternatives, optional: p.optional }] : [];
  });
  const literal = parts.every((p) => p.kind === 'choice' && !p.optional && p.alternatives.length === 1);
  const letters = literal ? analyse(text).squashed : '';
  const anchor = parts.find((p) => p.kind === 'choice' && !p.optional);
  return {
    parts,
    ...(anchor?.kind === 'choice' && { anchor: anchor.alternatives.map((a) => a[0]!) }),
    ...(letters.length >= squashMinimum && { squashed: letters }),
  };
}

/** Every form a message's words take (written, lemma, and collapsed for stretched words). */
function formsOf(tokens: readonly Token[]): Set<string> {
  const forms = new Set<string>();
  for (const t of tokens) {
    forms.add(t.surface);
    forms.add(t.lemma);
    if (t.stretched) forms.add(`key:${t.key}`);
  }
  return forms;
}

/** Whether the message has the phrase's anchor word in any form (a cheap test before matching). */
function mayMatch(phrase: Phrase, forms: ReadonlySet<string>): boolean {
  return (
    !phrase.anchor ||
    phrase.anchor.some((w) => forms.has(w.surface) || forms.has(w.lemma) || forms.has(`key:${w.key}`))
  );
}

/** Every span of `tokens` the phrase matches, shortest first from each start. */
function spans(phrase: Phrase, tokens: readonly Token[]): Span[] {
  const found: Span[] = [];
  const own: number[] = [];
  const step = (part: number, at: number, start: number): boolean => {
    if (part === phrase.parts.length) {
      found.push({ start, end: at, own: [...own] });
      return true;
    }
    const p = phrase.parts[part];
    if (!p) return false;
    if (p.kind === 'gap') {
      for (let skip = 0; skip <= p.max && at + skip <= tokens.length; skip++)
        if (step(part + 1, at + skip, start)) return true;
      return false;
    }
    for (const words of p.alternatives) {
      if (!words.every((w, i) => tokens[at + i] && sameWord(tokens[at + i]!, w))) continue;
      own.push(...words.map((_, i) => at + i));
      if (step(part + 1, at + words.length, start)) return true;
      own.length -= words.length;
    }
    return p.optional && step(part + 1, at, start);
  };
  for (let start = 0; start < tokens.length; start++) step(0, start, start);
  return found;
}

function anywhere(phrases: readonly Phrase[], tokens: readonly Token[]): boolean {
  return phrases.some((p) => spans(p, tokens).length > 0);
}

const blank: Token = { surface: '', lemma: '', key: '', stretched: false };

/** Whether a phrase is within `within` words of the span; `outside` leaves the span's own words out. */
function around(
  phrases: readonly Phrase[],
  tokens: readonly Token[],
  span: Span,
  within: number,
  outside = false,
): boolean {
  const from = Math.max(0, span.start - within);
  const to = Math.min(tokens.length, span.end + within);
  const mine = new Set(outside ? span.own : []);
  return anywhere(
    phrases,
    tokens.slice(from, to).map((t, i) => (mine.has(from + i) ? blank : t)),
  );
}

/** Compiles the pack's library once; `findings` is then cheap per message. */
export class SafeguardingLibrary {
  private readonly entries: readonly Entry[];

  constructor(pack: Pick<PolicyPack, 'detection'>) {
    const { library, disable, adjust, categoryMap } = pack.detection;
    const off = new Set(disable);
    const severity = new Map(adjust.map((a) => [a.id, a.severity]));
    this.entries = library
      .filter((e) => !off.has(e.id))
      .map((e) => ({
        id: e.id,
        category: categoryMap[e.category] ?? e.category,
        severity: severity.get(e.id) ?? e.severity,
        why: e.why,
        phrases: e.phrases.map(compilePhrase),
        patterns: e.patterns.map((p) => new RegExp(p, 'iu')),
        ...(e.near && { near: e.near.map(compilePhrase) }),
        notNear: e.notNear.map(compilePhrase),
        unless: e.unless.map(compilePhrase),
        within: e.within,
        ...(e.indicator !== undefined && { indicator: e.indicator }),
        signal: e.signal,
        atRisk: e.atRisk,
      }));
  }

  /** How many entries are in use (after `disable`). */
  get size(): number {
    return this.entries.length;
  }

  /** One finding per matching entry, in the library's order. */
  findings(text: string): Finding[] {
    const message = analyse(text);
    if (message.tokens.length === 0) return [];
    const forms = formsOf(message.tokens);
    const out: Finding[] = [];
    for (const entry of this.entries) {
      const words = this.match(entry, message, forms);
      if (words === undefined) continue;
      out.push({
        entry: entry.id,
        category: entry.category,
        severity: entry.severity,
        why: entry.why,
        words,
        ...(entry.indicator !== undefined && { indicator: entry.indicator }),
        signal: entry.signal,
        atRisk: entry.atRisk,
      });
    }
    return out;
  }

  /** The matched words, or undefined when the entry does not apply to this message. */
  private match(entry: Entry, message: AnalysedText, forms: ReadonlySet<string>): string | undefined {
    const { tokens } = message;
    const candidates = entry.phrases.filter((p) => mayMatch(p, forms) || p.squashed);
    if (candidates.length === 0 && entry.patterns.length === 0) return undefined;
    if (entry.unless.length > 0 && anywhere(entry.unless, tokens)) return undefined;
    const inContext = (span: Span) =>
      (!entry.near || around(entry.near, tokens, span, entry.within, true)) &&
      !around(entry.notNear, tokens, span, entry.within);
    const written = (span: Span) =>
      tokens
        .slice(span.start, span.end)
        .map((t) => t.surface)
        .join(' ');
    for (const phrase of candidates) {
      const found = spans(phrase, tokens);
      const span = found.find(inContext);
      if (span) return written(span);
      // Spacing tricks ("b e t t e r o f f …"): only where the words did not match as words, and
      // with no word in the message the entry must not be near.
      if (
        found.length === 0 &&
        phrase.squashed &&
        message.squashed.includes(phrase.squashed) &&
        !entry.near &&
        !anywhere(entry.notNear, tokens)
      )
        return phrase.squashed;
    }
    for (const re of entry.patterns) {
      const m = re.exec(message.words);
      if (!m) continue;
      // The pattern's place in tokens, for its context: the tokens its characters cover.
      const before = message.words.slice(0, m.index).split(' ').length - 1;
      const span = { start: before, end: before + m[0].split(' ').length };
      if (inContext(span)) return m[0];
    }
    return undefined;
  }
}
