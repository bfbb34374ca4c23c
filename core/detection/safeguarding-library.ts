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
 *
 * After the entries, the pack's statistical layer (`detection.model`, learned-model.ts) reads the
 * same analysed message and adds a finding (entry `model:<class>`) for a risk it is sure enough of
 * when no entry flagged that risk's category: the wordings no phrase spells out.
 */
import type { PolicyPack, Severity } from '../policy/policy-pack';
import {
  analyse,
  everydayWords,
  sameWord,
  tokenForms,
  wordForms,
  type AnalysedText,
  type Token,
} from './language';
import { conceptIndex, featuresOf, opinionOf, type ConceptIndex } from './learned-model';
import { append } from './map-of-lists';
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
  /** Set when the statistical layer flagged it, not an entry: how sure it was (0–1). */
  readonly modelRisk?: number;
}

/** One of these word sequences (most are one word long). */
interface Choice {
  readonly kind: 'choice';
  readonly alternatives: readonly (readonly Token[])[];
  /** The alternatives (their indexes, in order) by the forms their first word takes (`wordForms`). */
  readonly byFirst: ReadonlyMap<string, readonly number[]>;
  readonly optional: boolean;
  /** Unless optional, its id among the parts phrases cannot do without (`RequiredParts`). */
  readonly part: number | undefined;
}

type Part = Choice | { readonly kind: 'gap'; readonly max: number };

interface Phrase {
  readonly parts: readonly Part[];
  /**
   * The parts the phrase cannot do without (`RequiredParts` ids): a message where one of them cannot
   * start cannot match. The rarest comes first: the library indexes phrases by it, and a match is
   * looked for only near where the message has it.
   */
  readonly required: readonly number[];
  /** The required part (id) the phrase opens with, if it does: a match can start only where it can. */
  readonly opening: number | undefined;
  /** Letters of an all-literal phrase of ten letters or more, for spacing tricks. */
  readonly squashed: string | undefined;
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

/** Where a phrase is looked for: the message's tokens from `from` up to `to`, less those `hidden`. */
interface Scope {
  readonly message: Message;
  readonly from: number;
  /** Exclusive. */
  readonly to: number;
  readonly hidden?: ReadonlySet<number>;
}

const squashMinimum = 10;
const severityRank: Record<Severity, number> = { low: 0, medium: 1, high: 2, critical: 3 };
const none: readonly number[] = [];

/**
 * The distinct parts that the library's phrases cannot do without, each by the forms its start words
 * take (`wordForms`). Many phrases share a part (a term list, a common word): a message learns which
 * parts it has once, however many phrases need them.
 */
class RequiredParts {
  private readonly ids = new Map<string, number>();
  private readonly forms: (readonly string[])[] = [];
  private readonly formSets: ReadonlySet<string>[] = [];
  /** Form → the parts (ids) a word of that form can start. */
  private readonly byForm = new Map<string, number[]>();

  /** The id of the part whose start words take these forms. */
  id(forms: readonly string[]): number {
    const distinct = [...new Set(forms)];
    const key = [...distinct].sort().join('\n');
    let id = this.ids.get(key);
    if (id === undefined) {
      this.ids.set(key, (id = this.forms.length));
      this.forms.push(distinct);
      this.formSets.push(new Set(distinct));
      for (const form of distinct) append(this.byForm, form, id);
    }
    return id;
  }

  formsOf(part: number): readonly string[] {
    return this.forms[part]!;
  }

  /** The parts a word with one of these forms can start, marked by id. */
  startableBy(forms: Iterable<string>): Uint8Array {
    const marks = new Uint8Array(this.forms.length);
    for (const form of forms) for (const part of this.byForm.get(form) ?? none) marks[part] = 1;
    return marks;
  }

  /** Whether a word of this form can start the part. */
  canStart(part: number, form: string): boolean {
    return this.formSets[part]!.has(form);
  }
}

/**
 * Compiles the library's phrases. Phrases, their parts and their words repeat across the library
 * (a context word, a term list used by many entries): each is compiled once and shared.
 */
class PhraseCompiler {
  private readonly phrases = new Map<string, Phrase>();
  private readonly choices = new Map<string, Choice | undefined>();
  private readonly analysed = new Map<string, readonly Token[]>();

  constructor(
    private readonly terms: TermLists,
    private readonly required: RequiredParts,
  ) {}

  phrase(text: string): Phrase {
    let phrase = this.phrases.get(text);
    if (!phrase) this.phrases.set(text, (phrase = this.compile(text)));
    return phrase;
  }

  private compile(text: string): Phrase {
    const parts = phraseParts(text, this.terms).flatMap((p): Part[] => {
      if (p.kind === 'gap') return [p];
      const choice = this.choice(p.alternatives, p.optional);
      return choice ? [choice] : [];
    });
    const literal = parts.every((p) => p.kind === 'choice' && !p.optional && p.alternatives.length === 1);
    const letters = literal ? analyse(text).squashed : '';
    const needed = parts.flatMap((p) => (p.kind === 'choice' && p.part !== undefined ? [p] : []));
    // Every phrase has every property, set or not: one shape for the engine to optimise.
    return {
      parts,
      required: [...needed].sort((a, b) => commonness(a) - commonness(b)).map((p) => p.part!),
      opening: parts[0] === needed[0] ? needed[0]?.part : undefined,
      longest: parts.reduce(
        (n, p) => n + (p.kind === 'gap' ? p.max : Math.max(...p.alternatives.map((a) => a.length))),
        0,
      ),
      squashed: letters.length >= squashMinimum ? letters : undefined,
    };
  }

  /** A part of word sequences, or undefined when none of them has a word. */
  private choice(written: readonly string[], optional: boolean): Choice | undefined {
    const key = JSON.stringify([optional, written]);
    if (this.choices.has(key)) return this.choices.get(key);
    // Each alternative is a word sequence: "(for everyone|for everybody)", or "dont" → "do not".
    const alternatives = written.map((w) => this.words(w)).filter((t) => t.length > 0);
    const choice: Choice | undefined =
      alternatives.length === 0
        ? undefined
        : {
            kind: 'choice',
            alternatives,
            byFirst: firstWordIndex(alternatives),
            optional,
            part: optional ? undefined : this.required.id(alternatives.flatMap((a) => wordForms(a[0]!))),
          };
    this.choices.set(key, choice);
    return choice;
  }

  private words(text: string): readonly Token[] {
    let tokens = this.analysed.get(text);
    if (!tokens) this.analysed.set(text, (tokens = analyse(text).tokens));
    return tokens;
  }
}

/** Alternatives (their indexes, in order) by the forms of their first word. */
function firstWordIndex(alternatives: readonly (readonly Token[])[]): Map<string, number[]> {
  const index = new Map<string, number[]>();
  alternatives.forEach((words, i) => {
    for (const form of wordForms(words[0]!)) append(index, form, i);
  });
  return index;
}

/**
 * How poor a part is as an index: its everyday start words first, then how many start words it has.
 * (`@self * cut` is looked up by "cut", not by "i".)
 */
function commonness(part: Choice): number {
  const starts = part.alternatives.map((a) => a[0]!);
  return (
    starts.filter((w) => everydayWords.has(w.lemma) || everydayWords.has(w.surface)).length * 1000 +
    starts.length
  );
}

/**
 * A message made ready to match: its analysis, its tokens' forms (`tokenForms`), the required parts
 * it has, and where each can start, found when first asked.
 */
class Message {
  readonly tokens: readonly Token[];
  /** What the library's patterns read (see `AnalysedText`). */
  readonly words: string;
  readonly squashed: string;
  /** Each token's forms. */
  readonly forms: readonly (readonly string[])[];
  /** Each form of its tokens, with their positions, in order. */
  private readonly where = new Map<string, number[]>();
  private readonly present: Uint8Array;
  private readonly partStarts = new Map<number, readonly number[]>();

  constructor(
    analysed: AnalysedText,
    private readonly parts: RequiredParts,
  ) {
    ({ tokens: this.tokens, words: this.words, squashed: this.squashed } = analysed);
    this.forms = this.tokens.map(tokenForms);
    this.forms.forEach((own, at) => {
      for (const form of own) append(this.where, form, at);
    });
    this.present = parts.startableBy(this.where.keys());
  }

  /** The forms its tokens take. */
  formsUsed(): Iterable<string> {
    return this.where.keys();
  }

  /** Whether the required part can start somewhere in the message. */
  has(part: number): boolean {
    return this.present[part] === 1;
  }

  /** Where the required part can start, in order (nowhere: empty). */
  startsOf(part: number): readonly number[] {
    if (!this.has(part)) return none;
    let starts = this.partStarts.get(part);
    if (!starts) this.partStarts.set(part, (starts = this.find(part)));
    return starts;
  }

  private find(part: number): readonly number[] {
    const forms = this.parts.formsOf(part);
    // Whichever is shorter is walked: a term list's hundreds of forms, or the message's.
    const lists: (readonly number[])[] = [];
    if (forms.length <= this.where.size)
      for (const form of forms) {
        const at = this.where.get(form);
        if (at) lists.push(at);
      }
    else for (const [form, at] of this.where) if (this.parts.canStart(part, form)) lists.push(at);
    if (lists.length <= 1) return lists[0] ?? none;
    // Two forms of one token can both start the part: the token counts once.
    return [...new Set(lists.flat())].sort((a, b) => a - b);
  }
}

/** Whether the message has a start word of every one of these required parts. */
function hasAll(parts: readonly number[], message: Message): boolean {
  // A loop, not `every`: this runs hundreds of times per message.
  for (const part of parts) if (!message.has(part)) return false;
  return true;
}

/**
 * Where in the scope a match of the phrase can start, in order: no further back than its longest
 * match from a place its rarest required part can start (a long message is not tried word by word
 * for every phrase).
 */
function startsIn(phrase: Phrase, scope: Scope): number[] {
  const { from, to, message } = scope;
  const rarest = phrase.required[0];
  // Only a phrase whose every word is optional has none: it can start anywhere.
  if (rarest === undefined) return Array.from({ length: to - from }, (_, i) => from + i);
  const opening = phrase.opening === undefined ? undefined : message.startsOf(phrase.opening);
  const starts: number[] = [];
  let next = from;
  let o = 0;
  for (const at of message.startsOf(rarest)) {
    if (at >= to) break;
    const earliest = Math.max(next, at - phrase.longest);
    if (!opening) for (let start = earliest; start <= at; start++) starts.push(start);
    else {
      while (o < opening.length && opening[o]! < earliest) o++;
      for (; o < opening.length && opening[o]! <= at; o++) starts.push(opening[o]!);
    }
    next = Math.max(next, at + 1);
  }
  return starts;
}

/** The alternatives (indexes, in order) whose first word is a token with these forms. */
function startingAt(
  index: ReadonlyMap<string, readonly number[]>,
  forms: readonly string[],
): readonly number[] {
  let found = none;
  for (const form of forms) {
    const more = index.get(form);
    if (more) found = found.length === 0 ? more : [...new Set([...found, ...more])].sort((a, b) => a - b);
  }
  return found;
}

/**
 * The match of the phrase that starts at `start`, if any: the first found, trying each part's
 * alternatives in their order and its gaps shortest first.
 */
function matchFrom(phrase: Phrase, scope: Scope, start: number): Required<Span> | undefined {
  const { message, to, hidden } = scope;
  const usable = (at: number) => at < to && !hidden?.has(at);
  const own: number[] = [];
  const step = (part: number, at: number): number | undefined => {
    const p = phrase.parts[part];
    if (!p) return at;
    if (p.kind === 'gap') {
      for (let skip = 0; skip <= p.max && at + skip <= to; skip++) {
        const end = step(part + 1, at + skip);
        if (end !== undefined) return end;
      }
      return undefined;
    }
    for (const a of usable(at) ? startingAt(p.byFirst, message.forms[at]!) : none) {
      const words = p.alternatives[a]!;
      // The first word is the token: that is how `startingAt` chose it.
      if (!words.every((w, i) => i === 0 || (usable(at + i) && sameWord(message.tokens[at + i]!, w))))
        continue;
      for (let i = 0; i < words.length; i++) own.push(at + i);
      const end = step(part + 1, at + words.length);
      if (end !== undefined) return end;
      own.length -= words.length;
    }
    return p.optional ? step(part + 1, at) : undefined;
  };
  const end = step(0, start);
  return end === undefined ? undefined : { start, end, own };
}

function anywhere(phrases: readonly Phrase[], scope: Scope): boolean {
  return phrases.some(
    (p) =>
      hasAll(p.required, scope.message) && startsIn(p, scope).some((start) => matchFrom(p, scope, start)),
  );
}

/** Whether a phrase is within `within` words of the span; `outside` leaves the span's own words out. */
function around(
  phrases: readonly Phrase[],
  message: Message,
  span: Span,
  within: number,
  outside = false,
): boolean {
  return anywhere(phrases, {
    message,
    from: Math.max(0, span.start - within),
    to: Math.min(message.tokens.length, span.end + within),
    ...(outside && { hidden: new Set(span.own) }),
  });
}

/**
 * Texts found in a longer text in one pass over it: each is filed under its first letters, and only
 * those filed under the letters at a place are compared there.
 */
class Substrings<T> {
  private readonly byStart = new Map<string, { readonly text: string; readonly value: T }[]>();

  constructor(private readonly keyLength: number) {}

  /** `text` must be at least `keyLength` long. */
  add(text: string, value: T): void {
    append(this.byStart, text.slice(0, this.keyLength), { text, value });
  }

  /** The values of the texts that occur in `text` (of one that occurs several times, several). */
  in(text: string): T[] {
    const found: T[] = [];
    for (let at = 0; at + this.keyLength <= text.length; at++)
      for (const candidate of this.byStart.get(text.slice(at, at + this.keyLength)) ?? [])
        if (text.startsWith(candidate.text, at)) found.push(candidate.value);
    return found;
  }
}

type ModelSettings = NonNullable<PolicyPack['detection']['model']> & {
  readonly categoryMap: PolicyPack['detection']['categoryMap'];
};

/** A phrase the library looks up by its rarest required part. */
interface Anchored {
  /** Entry index, phrase index. */
  readonly at: readonly [number, number];
  /** Its other required parts. */
  readonly others: readonly number[];
}

/**
 * Compiles the pack's library once; `findings` is then cheap per message. A message learns once
 * which required parts can start in it (`RequiredParts`), looks up only the phrases whose rarest
 * part is among them and whose other parts are too, tries each only near where its rarest part is,
 * and finds spaced-out phrases in one pass over its letters (`Substrings`).
 */
export class SafeguardingLibrary {
  private readonly entries: readonly Entry[];
  private readonly parts = new RequiredParts();
  /** Form → the phrases whose rarest required part a word of that form can start: the per-message lookup. */
  private readonly byAnchor = new Map<string, Anchored[]>();
  /** The letters of phrases long enough for spacing tricks (entry, phrase index). */
  private readonly spaced = new Substrings<[number, number]>(3);
  /** The entries (indexes, in order) with patterns, tried on every message. */
  private readonly withPatterns: readonly number[];
  private readonly model?: { readonly settings: ModelSettings; readonly concepts: ConceptIndex };

  constructor(pack: Pick<PolicyPack, 'detection'>) {
    const { library, disable, adjust, categoryMap, terms } = pack.detection;
    const compiler = new PhraseCompiler(terms, this.parts);
    const compile = (text: string) => compiler.phrase(text);
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
        if (phrase.squashed) this.spaced.add(phrase.squashed, [e, p]);
        const [rarest, ...others] = phrase.required;
        if (rarest !== undefined)
          for (const form of this.parts.formsOf(rarest)) append(this.byAnchor, form, { at: [e, p], others });
      }),
    );
    this.withPatterns = this.entries.flatMap((entry, e) => (entry.patterns.length > 0 ? [e] : []));
    const { model } = pack.detection;
    if (model?.use) this.model = { settings: { ...model, categoryMap }, concepts: conceptIndex(terms) };
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
    const analysed = analyse(text);
    const message = new Message(analysed, this.parts);
    if (message.tokens.length === 0) return [];
    const tried = this.candidates(message);
    const out: Finding[] = [];
    for (const e of [...new Set([...tried.keys(), ...this.withPatterns])].sort((a, b) => a - b)) {
      const entry = this.entries[e]!;
      const phrases = [...(tried.get(e) ?? [])].sort((a, b) => a - b).map((p) => entry.phrases[p]!);
      const words = this.match(entry, message, phrases);
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
    const shown = new Map<string, Finding>();
    for (const f of out) {
      const before = shown.get(f.category);
      if (f.signal && (!before || severityRank[f.severity] > severityRank[before.severity]))
        shown.set(f.category, f);
    }
    const found = out.filter((f) => !f.signal || shown.get(f.category) === f);
    const learned = this.modelFinding(analysed);
    return learned && !shown.has(learned.category) ? [...found, learned] : found;
  }

  /** The statistical layer's flag, when it is sure enough of a risk the pack files somewhere. */
  private modelFinding(text: AnalysedText): Finding | undefined {
    if (!this.model) return undefined;
    const { settings, concepts } = this.model;
    const opinion = opinionOf(settings, featuresOf(text, concepts));
    const label = settings.labels[opinion.label];
    if (!label || opinion.risk < settings.threshold) return undefined;
    return {
      entry: `model:${opinion.label}`,
      category: settings.categoryMap[label.category] ?? label.category,
      severity: settings.severity,
      why: label.why,
      words: opinion.because.join(', '),
      signal: true,
      atRisk: label.atRisk,
      modelRisk: opinion.risk,
    };
  }

  /**
   * The phrases worth trying on the message (phrase indexes by entry index): those whose every
   * required part can start in it, and those whose letters are in it.
   */
  private candidates(message: Message): Map<number, Set<number>> {
    const tried = new Map<number, Set<number>>();
    const add = ([e, p]: readonly [number, number]) => {
      const phrases = tried.get(e);
      if (phrases) phrases.add(p);
      else tried.set(e, new Set([p]));
    };
    for (const form of message.formsUsed())
      for (const { at, others } of this.byAnchor.get(form) ?? []) if (hasAll(others, message)) add(at);
    this.spaced.in(message.squashed).forEach(add);
    return tried;
  }

  /** The matched words, or undefined when the entry does not apply to this message. */
  private match(entry: Entry, message: Message, candidates: readonly Phrase[]): string | undefined {
    const words = this.matchIgnoringUnless(entry, message, candidates);
    // `unless` is looked for only once the entry would apply: most entries tried on a message do
    // not, and their `unless` lists are long.
    const whole: Scope = { message, from: 0, to: message.tokens.length };
    return words !== undefined && !anywhere(entry.unless, whole) ? words : undefined;
  }

  /** The matched words if the entry's `unless` were not there. */
  private matchIgnoringUnless(
    entry: Entry,
    message: Message,
    candidates: readonly Phrase[],
  ): string | undefined {
    const { tokens } = message;
    const whole: Scope = { message, from: 0, to: tokens.length };
    const inContext = (span: Span) =>
      (!entry.near || around(entry.near, message, span, entry.within, true)) &&
      !around(entry.notNear, message, span, entry.within);
    const written = (span: Span) =>
      tokens
        .slice(span.start, span.end)
        .map((t) => t.surface)
        .join(' ');
    for (const phrase of candidates) {
      // A match's own words include those of the phrase's earlier matches in the message, which
      // therefore cannot be what it is `near` either. This is how the matcher has always read
      // context and the evaluation figures rest on it; whether it should is a question of
      // detection, not of speed.
      const earlier: number[] = [];
      let matched = false;
      for (const start of startsIn(phrase, whole)) {
        const span = matchFrom(phrase, whole, start);
        if (!span) continue;
        if (inContext({ ...span, own: [...earlier, ...span.own] })) return written(span);
        earlier.push(...span.own);
        matched = true;
      }
      // Spacing tricks ("b e t t e r o f f …"): only where the words did not match as words, and
      // with no word in the message the entry must not be near.
      if (
        !matched &&
        phrase.squashed &&
        message.squashed.includes(phrase.squashed) &&
        !entry.near &&
        !anywhere(entry.notNear, whole)
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
