/**
 * The safeguarding library: the policy pack's entries (`detection.library`), compiled once, then
 * matched against each message. An entry says what to look for, how serious it is, and why a DSL
 * should look — and in what context it does not count:
 *
 * - `phrases`: words in order, matched on the analysed message (language.ts), so every spelling,
 *   word form and disguise of a word matches. In a phrase, `a|b` is either word, `word?` may be
 *   absent, `*` stands for up to two words and `**` for up to five: `send (me|us)? * pic`; `@name`
 *   is any item of the pack's term list `name` (`@request * @nudes`), so one entry covers a
 *   concept's many wordings.
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
import { phraseParts, type TermLists } from './phrase-syntax';

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
      /** The alternatives (their indexes, in order) by the forms their first word takes: `startingAt`. */
      readonly byFirst: ReadonlyMap<string, readonly number[]>;
      readonly optional: boolean;
    }
  | { readonly kind: 'gap'; readonly max: number };

interface Phrase {
  readonly parts: readonly Part[];
  /**
   * For each part the phrase cannot do without, the words it can start with: a message lacking all
   * of one part's cannot match. The rarest part comes first; the library indexes phrases by it.
   */
  readonly required: readonly (readonly Token[])[];
  /** The forms of each required part's start words (see `formsOfWords`), computed once. */
  readonly requiredForms: readonly (readonly string[])[];
  /** Letters of an all-literal phrase of ten letters or more, for spacing tricks. */
  readonly squashed?: string;
  /** The most words a match can take, gaps included. */
  readonly longest: number;
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
const severityRank: Record<Severity, number> = { low: 0, medium: 1, high: 2, critical: 3 };

/** Analysed phrase words, shared by every phrase (and term list use) that has the same words. */
type Analyser = (words: string) => readonly Token[];

function compilePhrase(text: string, terms: TermLists, words: Analyser): Phrase {
  const parts = phraseParts(text, terms).flatMap((p): Part[] => {
    if (p.kind === 'gap') return [p];
    // Each alternative is a word sequence: "(for everyone|for everybody)", or "dont" → "do not".
    const alternatives = p.alternatives.map(words).filter((t) => t.length > 0);
    return alternatives.length > 0
      ? [{ kind: 'choice', alternatives, byFirst: firstWordIndex(alternatives), optional: p.optional }]
      : [];
  });
  const literal = parts.every((p) => p.kind === 'choice' && !p.optional && p.alternatives.length === 1);
  const letters = literal ? analyse(text).squashed : '';
  const required = parts
    .flatMap((p) => (p.kind === 'choice' && !p.optional ? [p.alternatives.map((a) => a[0]!)] : []))
    .sort((a, b) => commonness(a) - commonness(b));
  return {
    parts,
    required,
    requiredForms: required.map((starts) => [...new Set(formsOfWords(starts))]),
    longest: parts.reduce(
      (n, p) => n + (p.kind === 'gap' ? p.max : Math.max(...p.alternatives.map((a) => a.length))),
      0,
    ),
    ...(letters.length >= squashMinimum && { squashed: letters }),
  };
}

/** Adds a number to the key's list, once (numbers arrive in order). */
function note(map: Map<string, number[]>, key: string, n: number): void {
  const list = map.get(key);
  if (!list) map.set(key, [n]);
  else if (list.at(-1) !== n) list.push(n);
}

/** Every form a message's words take (written, lemma, and collapsed for stretched words), and where. */
function formsOf(tokens: readonly Token[]): Map<string, number[]> {
  const forms = new Map<string, number[]>();
  tokens.forEach((t, at) => {
    note(forms, t.surface, at);
    note(forms, t.lemma, at);
    if (t.stretched) note(forms, `key:${t.key}`, at);
  });
  return forms;
}

/**
 * Words in nearly every message: a phrase part made of them is a poor index. (`@self * cut` is
 * looked up by "cut", not by "i".)
 */
const everyday = new Set(
  (
    'i me my myself you your yourself he him his she her they them their we us our it its a an the ' +
    'and or but so if to of in on at for with from by about as is be are was were been am do does ' +
    'did not no have has had get got go going will would can could should just that this what all'
  ).split(' '),
);

/** How poor a part is as an index: its everyday words first, then how many words it has. */
function commonness(starts: readonly Token[]): number {
  return starts.filter((w) => everyday.has(w.lemma) || everyday.has(w.surface)).length * 1000 + starts.length;
}

/** The forms under which a message token can be one of these words (see `sameWord`). */
function formsOfWords(words: readonly Token[]): string[] {
  return words.flatMap((w) => [w.surface, w.lemma, `key:${w.key}`]);
}

/**
 * Where a match of the phrase can start: no further back than its longest match from a place its
 * rarest required part can start (a long message is not tried word by word for every phrase).
 */
function startsNear(phrase: Phrase, forms: ReadonlyMap<string, readonly number[]>): number[] {
  const starts = new Set<number>();
  for (const form of phrase.requiredForms[0] ?? [])
    for (const at of forms.get(form) ?? [])
      for (let start = Math.max(0, at - phrase.longest); start <= at; start++) starts.add(start);
  return [...starts].sort((a, b) => a - b);
}

/** Whether the message has a start word of every part the phrase cannot do without. */
function hasRequired(phrase: Phrase, forms: ReadonlyMap<string, readonly number[]>): boolean {
  return phrase.requiredForms.every((starts) => starts.some((f) => forms.has(f)));
}

/**
 * Alternatives by the forms of a message token their first word matches (`sameWord`): its written
 * form (`s:`), its lemma when the word is in base form (`b:`), its collapsed letters when stretched
 * (`k:`).
 */
function firstWordIndex(alternatives: readonly (readonly Token[])[]): Map<string, number[]> {
  const index = new Map<string, number[]>();
  alternatives.forEach((words, i) => {
    const w = words[0]!;
    note(index, `s:${w.surface}`, i);
    if (w.lemma === w.surface) note(index, `b:${w.surface}`, i);
    note(index, `k:${w.key}`, i);
  });
  return index;
}

const none: readonly number[] = [];

/** The alternatives (indexes, in order) whose first word the token may be. */
function startingAt(index: ReadonlyMap<string, readonly number[]>, t: Token): readonly number[] {
  const written = index.get(`s:${t.surface}`) ?? none;
  const base = t.lemma === t.surface ? none : (index.get(`b:${t.lemma}`) ?? none);
  const stretched = t.stretched ? (index.get(`k:${t.key}`) ?? none) : none;
  if (base.length === 0 && stretched.length === 0) return written;
  return [...new Set([...written, ...base, ...stretched])].sort((a, b) => a - b);
}

/** Every span of `tokens` the phrase matches, shortest first from each start. */
function spans(phrase: Phrase, tokens: readonly Token[], starts?: Iterable<number>): Span[] {
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
    const first = tokens[at];
    for (const a of first ? startingAt(p.byFirst, first) : none) {
      const words = p.alternatives[a]!;
      if (!words.every((w, i) => tokens[at + i] && sameWord(tokens[at + i]!, w))) continue;
      own.push(...words.map((_, i) => at + i));
      if (step(part + 1, at + words.length, start)) return true;
      own.length -= words.length;
    }
    return p.optional && step(part + 1, at, start);
  };
  if (starts) for (const start of starts) step(0, start, start);
  else for (let start = 0; start < tokens.length; start++) step(0, start, start);
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
  /** Anchor form → the phrases (entry index, phrase index) that word can start: the per-message lookup. */
  private readonly byAnchor = new Map<string, [number, number][]>();
  /** Phrases to try on every message: those long enough for spacing tricks (entry, phrase index). */
  private readonly spaced: [number, number][] = [];

  constructor(pack: Pick<PolicyPack, 'detection'>) {
    const { library, disable, adjust, categoryMap, terms } = pack.detection;
    const analysed = new Map<string, readonly Token[]>();
    const words: Analyser = (w) => {
      let tokens = analysed.get(w);
      if (!tokens) analysed.set(w, (tokens = analyse(w).tokens));
      return tokens;
    };
    const compile = (text: string) => compilePhrase(text, terms, words);
    const off = new Set(disable);
    const severity = new Map(adjust.map((a) => [a.id, a.severity]));
    this.entries = library
      .filter((e) => !off.has(e.id))
      .map((e) => ({
        id: e.id,
        category: categoryMap[e.category] ?? e.category,
        severity: severity.get(e.id) ?? e.severity,
        why: e.why,
        phrases: e.phrases.map(compile),
        patterns: e.patterns.map((p) => new RegExp(p, 'iu')),
        ...(e.near && { near: e.near.map(compile) }),
        notNear: e.notNear.map(compile),
        unless: e.unless.map(compile),
        within: e.within,
        ...(e.indicator !== undefined && { indicator: e.indicator }),
        signal: e.signal,
        atRisk: e.atRisk,
      }));
    this.entries.forEach((entry, e) =>
      entry.phrases.forEach((phrase, p) => {
        if (phrase.squashed) this.spaced.push([e, p]);
        for (const form of new Set(formsOfWords(phrase.required[0] ?? []))) {
          const list = this.byAnchor.get(form);
          if (list) list.push([e, p]);
          else this.byAnchor.set(form, [[e, p]]);
        }
      }),
    );
  }

  /** How many entries are in use (after `disable`). */
  get size(): number {
    return this.entries.length;
  }

  /**
   * What the message shows, in the library's order: per category the most severe matching entry
   * that flags (the first of equals), so a DSL reads one reason per risk, not every wording of it;
   * and every indicator noted.
   */
  findings(text: string): Finding[] {
    const message = analyse(text);
    if (message.tokens.length === 0) return [];
    // Only the phrases whose every required part can start in the message (or whose letters are
    // in it) are tried.
    const tried = new Map<number, Set<number>>();
    const add = ([e, p]: [number, number]) => {
      const phrases = tried.get(e);
      if (phrases) phrases.add(p);
      else tried.set(e, new Set([p]));
    };
    const forms = formsOf(message.tokens);
    for (const form of forms.keys())
      this.byAnchor
        .get(form)
        ?.forEach((at) => hasRequired(this.entries[at[0]]!.phrases[at[1]]!, forms) && add(at));
    for (const [e, p] of this.spaced)
      if (message.squashed.includes(this.entries[e]!.phrases[p]!.squashed!)) add([e, p]);
    const out: Finding[] = [];
    this.entries.forEach((entry, e) => {
      const phrases = [...(tried.get(e) ?? [])].sort((a, b) => a - b).map((p) => entry.phrases[p]!);
      if (phrases.length === 0 && entry.patterns.length === 0) return;
      const words = this.match(entry, message, forms, phrases);
      if (words === undefined) return;
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
    });
    const shown = new Map<string, Finding>();
    for (const f of out) {
      const before = shown.get(f.category);
      if (f.signal && (!before || severityRank[f.severity] > severityRank[before.severity]))
        shown.set(f.category, f);
    }
    return out.filter((f) => !f.signal || shown.get(f.category) === f);
  }

  /** The matched words, or undefined when the entry does not apply to this message. */
  private match(
    entry: Entry,
    message: AnalysedText,
    forms: ReadonlyMap<string, readonly number[]>,
    candidates: readonly Phrase[],
  ): string | undefined {
    const { tokens } = message;
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
      const found = spans(phrase, tokens, startsNear(phrase, forms));
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
