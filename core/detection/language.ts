/**
 * Messages as young people write them, made comparable with the safeguarding library's phrases.
 * Both sides go through the same steps, so a library entry written once matches its many spellings:
 *
 * 1. Disguises undone: accents and invisible characters removed, look-alike digits and symbols
 *    inside words mapped to letters ("n00dz", "unal!ve"), apostrophes dropped inside words ("dont"),
 *    runs of three or more single letters joined ("k y s", "k.y.s" → "kys"), letters stretched three
 *    or more times shortened ("pleaseeee"), and kept: emoji (they carry meaning: 🔪 💊 🔌) and
 *    numbers with their currency ("£200").
 * 2. Text speak and slang spelled out where it hides a word the library uses ("u" → "you",
 *    "ur" → "your", "wanna" → "want to", "rn" → "right now"). Slang the library matches as itself
 *    ("kys", "unalive", "opps", "plug") is left alone.
 * 3. Words tokenised and lemmatised by wink-nlp with its English model ("sending" → "send",
 *    "pics" → "pic", "I've been cutting" → "i have be cut").
 *
 * A token matches a library word when its written form, its lemma or (for a stretched word) its
 * letters with every run collapsed agree with the word's (`tokenForms`, `wordForms`, `sameWord`).
 */
import winkNLP, { type ItemToken, type ItsFunction } from 'wink-nlp';
import model from 'wink-eng-lite-web-model';

export interface Token {
  /** The written form after step 1 and 2 (lower case). */
  readonly surface: string;
  readonly lemma: string;
  /** Letters with every run collapsed ("sooo" → "so"), for stretched words. */
  readonly key: string;
  /** Whether the writer stretched it (a letter three or more times). */
  readonly stretched: boolean;
}

export interface AnalysedText {
  readonly tokens: readonly Token[];
  /** The written forms joined by single spaces: what the library's regular expressions read. */
  readonly words: string;
  /** Letters only, every run collapsed: catches long phrases with the spaces moved or removed. */
  readonly squashed: string;
}

const nlp = winkNLP(model);
/*
 * wink-nlp's `its` helpers are plain functions its `out` calls; its typings describe them in a shape
 * `out` does not accept, hence the casts.
 */
/* eslint-disable @typescript-eslint/unbound-method */
const tokenType = nlp.its.type as unknown as ItsFunction<string>;
const tokenNormal = nlp.its.normal as unknown as ItsFunction<string>;
const tokenLemma = nlp.its.lemma as unknown as ItsFunction<string>;
/* eslint-enable @typescript-eslint/unbound-method */

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
};

/**
 * Characters people insert to break up words without changing how they look (soft hyphen,
 * zero-width and direction marks, word joiners, BOM). Invisible combining marks go with `\p{M}`.
 */
const invisible = /[\u00ad\u061c\u115f\u1160\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]|\ufe0f/gu;

/**
 * Text speak that hides a word the library is written with. Slang the library names stays. (Maps,
 * not objects: "constructor" is a word people write.)
 */
const textSpeak = new Map<string, string>(
  Object.entries({
    u: 'you',
    ya: 'you',
    yu: 'you',
    ur: 'your',
    urs: 'yours',
    yr: 'your',
    r: 'are',
    ru: 'are you',
    y: 'why',
    n: 'and',
    pls: 'please',
    plz: 'please',
    plss: 'please',
    rn: 'right now',
    wanna: 'want to',
    gonna: 'going to',
    gotta: 'got to',
    tryna: 'trying to',
    finna: 'going to',
    lemme: 'let me',
    gimme: 'give me',
    dunno: 'do not know',
    idk: 'i do not know',
    dont: 'do not',
    cant: 'can not',
    wont: 'will not',
    im: 'i am',
    ive: 'i have',
    b4: 'before',
    m8: 'mate',
    m8s: 'mates',
    gr8: 'great',
    l8r: 'later',
    h8: 'hate',
    bc: 'because',
    bcos: 'because',
    cos: 'because',
    coz: 'because',
    cuz: 'because',
    tho: 'though',
    thru: 'through',
    ppl: 'people',
    sum1: 'someone',
    some1: 'someone',
    any1: 'anyone',
    every1: 'everyone',
    no1: 'no one',
    noone: 'no one',
    nuffin: 'nothing',
    nothin: 'nothing',
    summat: 'something',
    sumthin: 'something',
    bout: 'about',
    abt: 'about',
    wat: 'what',
    wot: 'what',
    wen: 'when',
    wer: 'where',
    whr: 'where',
    ther: 'there',
    pix: 'pics',
    '2day': 'today',
    '2nite': 'tonight',
    tonite: 'tonight',
    '2moro': 'tomorrow',
    tmrw: 'tomorrow',
    tmr: 'tomorrow',
    '4': 'for',
    '2': 'to',
    w: 'with',
    wiv: 'with',
    wif: 'with',
    da: 'the',
    dat: 'that',
    dis: 'this',
    dem: 'them',
    nuh: 'not',
    aint: 'is not',
    innit: 'isnt it',
  }),
);

/** Emoji are kept as tokens of their own; these also stand for a word the library uses. */
const emojiWords = new Map<string, string>(
  Object.entries({
    '🔪': 'knife',
    '🗡': 'knife',
    '🔫': 'gun',
    '💊': 'pills',
    '🍃': 'weed',
    '🌿': 'weed',
    '🔌': 'plug',
    '💸': 'money',
    '💰': 'money',
    '💵': 'money',
    '🎰': 'gamble',
    '🎲': 'gamble',
    '📸': 'pic',
    '🤫': 'secret',
    '🤐': 'secret',
    '🍆': 'sexual',
    '🍑': 'sexual',
    '💦': 'sexual',
    '⚰': 'die',
    '🪦': 'die',
    '💀': 'dead',
    '☠': 'dead',
    '🔗': 'link',
    '🪢': 'rope',
    '🩸': 'blood',
    '💣': 'bomb',
    '🪓': 'axe',
    '🔨': 'hammer',
    '👊': 'punch',
    '🥊': 'punch',
    '🌉': 'bridge',
  }),
);

const emoji = /\p{Extended_Pictographic}/u;

/** Step 1 on one whitespace-separated piece of text (text speak written with digits kept). */
function undisguise(piece: string): string[] {
  // Most pieces are plain words, which every step below leaves as they are.
  if (/^[a-z]+$/.test(piece)) return [piece];
  const bare = piece.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, '');
  if (/\p{N}/u.test(bare) && textSpeak.has(bare)) return [bare];
  // Look-alikes inside a word, not around it: "kys!" stays "kys" and a lone "4" stays a number.
  const inner = piece.replace(
    /^[^\p{L}\p{N}\p{Extended_Pictographic}£]+|[^\p{L}\p{N}\p{Extended_Pictographic}£]+$/gu,
    '',
  );
  const unmasked =
    /\p{L}/u.test(inner) && /[\p{L}][0-9@$!|€]|[0-9@$!|€][\p{L}]/u.test(inner)
      ? inner.replace(/[0-9@$!|€]/g, (c) => lookAlikes[c] ?? c)
      : inner;
  return unmasked
    .replace(/(\p{L})['’`](\p{L})/gu, '$1$2')
    .replace(/(\p{Extended_Pictographic})/gu, ' $1 ')
    .replace(/[^\p{L}\p{N}\p{Extended_Pictographic}£]+/gu, ' ')
    .split(' ')
    .filter(Boolean);
}

/** Joins runs of three or more single-letter tokens: ["k","y","s","now"] → ["kys","now"]. */
function joinSpelledOut(tokens: readonly string[]): string[] {
  const out: string[] = [];
  let run: string[] = [];
  const flush = () => {
    if (run.length >= 3) out.push(run.join(''));
    else out.push(...run);
    run = [];
  };
  for (const t of tokens) {
    if (t.length === 1 && /\p{L}/u.test(t)) run.push(t);
    else {
      flush();
      out.push(t);
    }
  }
  flush();
  return out;
}

const collapseAll = (s: string) => s.replace(/(\p{L})\1+/gu, '$1');

/** Steps 1 and 2: the written forms, in order. */
export function spell(text: string): string[] {
  const pieces = text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(invisible, '')
    .toLowerCase()
    .split(/\s+/u)
    .flatMap(undisguise);
  return joinSpelledOut(pieces).flatMap((t) => {
    const short = t.replace(/(\p{L})\1{2,}/gu, '$1$1');
    const expanded = textSpeak.get(short) ?? textSpeak.get(collapseAll(short));
    if (expanded) return expanded.split(' ');
    const word = emojiWords.get(short);
    return word ? [short, word] : [short];
  });
}

/** The whole analysis of a message (or of a library phrase). */
export function analyse(text: string): AnalysedText {
  const written = spell(text);
  if (written.length === 0) return { tokens: [], words: '', squashed: '' };
  const stretched = new Set(
    text
      .normalize('NFKD')
      .toLowerCase()
      .match(/\p{L}*(\p{L})\1{2,}\p{L}*/gu)
      ?.map((w) => collapseAll(w)) ?? [],
  );
  const doc = nlp.readDoc(written.join(' '));
  const tokens: Token[] = [];
  doc.tokens().each((t: ItemToken) => {
    const type = t.out(tokenType);
    if (type === 'punctuation' || type === 'tabCRLF') return;
    const surface = t.out(tokenNormal);
    const key = collapseAll(surface);
    tokens.push({
      surface,
      lemma: (t.out(tokenLemma) || surface).toLowerCase(),
      key,
      stretched: stretched.has(key),
    });
  });
  const words = tokens.map((t) => t.surface).join(' ');
  return { tokens, words, squashed: collapseAll(words.replace(/[^\p{L}]/gu, '')) };
}

/*
 * When a message token is a library word, said once. A token and a word each have forms; they are the
 * same word exactly when they share one:
 *
 * - `s:` written the same;
 * - `b:` the library word is in its base form and is the token's lemma. A base form stands for all
 *   its forms ("send" matches "sent", "sending"); an inflected word only for itself ("carrying" does
 *   not match "carried", so "be carried out" is not "been carrying");
 * - `k:` the token is stretched and its letters, every run collapsed, are the word's.
 *
 * The library indexes its phrases by their words' forms and looks a message's tokens up by theirs;
 * `sameWord` answers the same question for one pair without building strings.
 */

/** The forms of a message token (see above). */
export function tokenForms(message: Token): string[] {
  const forms = [`s:${message.surface}`];
  // A token whose lemma is its written form is a base-form word only where it is written the same.
  if (message.lemma !== message.surface) forms.push(`b:${message.lemma}`);
  if (message.stretched) forms.push(`k:${message.key}`);
  return forms;
}

/** The forms of a library word, given as its own analysis (see above). */
export function wordForms(word: Token): string[] {
  const forms = [`s:${word.surface}`];
  if (word.lemma === word.surface) forms.push(`b:${word.surface}`);
  forms.push(`k:${word.key}`);
  return forms;
}

/** Whether a message token is a library word: whether their forms meet (see above). */
export function sameWord(message: Token, word: Token): boolean {
  return (
    message.surface === word.surface ||
    (word.lemma === word.surface && message.lemma === word.surface) ||
    (message.stretched && message.key === word.key)
  );
}

/**
 * Words in nearly every message: a poor index for a phrase, and no explanation of why a message
 * reads like a risk.
 */
export const everydayWords: ReadonlySet<string> = new Set(
  (
    'i me my myself you your yourself he him his she her they them their we us our it its a an the ' +
    'and or but so if to of in on at for with from by about as is be are was were been am do does ' +
    'did not no have has had get got go going will would can could should just that this what all'
  ).split(' '),
);

export function isEmoji(token: string): boolean {
  return emoji.test(token);
}
