/**
 * The syntax of a safeguarding-library phrase, read in one place for the matcher
 * (safeguarding-library.ts compiles it) and the pack validator (core/policy, which names a phrase
 * that cannot work). Parts, side by side: `(a b|c)` a group of alternatives, each a word sequence;
 * `(…)?` an optional group; `a|b` and `word?` the same without brackets; `*` a gap of up to two words
 * and `**` of up to five; `@name` any word sequence of the pack's term list `name` (`detection.terms`),
 * also within a group's alternatives (`(@self|your @family)`) and optional (`@self?`).
 */
export type PhrasePart =
  | { readonly kind: 'choice'; readonly alternatives: readonly string[]; readonly optional: boolean }
  | { readonly kind: 'gap'; readonly max: number };

/** The pack's named term lists: a concept's many ways of being written, shared by entries. */
export type TermLists = Readonly<Record<string, readonly string[]>>;

const partPattern = /\(([^()]*)\)(\?)?|(\S+)/gu;
const word = /[\p{L}\p{N}\p{Extended_Pictographic}£]/u;
const termReference = /^@([a-z][a-zA-Z0-9-]*)$/u;

/** An alternative's word sequences: each `@name` in it stands for every item of that list. */
function expand(alternative: string, terms: TermLists): string[] {
  return alternative
    .trim()
    .split(/\s+/u)
    .reduce<string[]>(
      (sequences, w) => {
        const name = termReference.exec(w)?.[1];
        const items = name === undefined ? [w] : (terms[name] ?? []);
        return sequences.flatMap((before) => items.map((item) => `${before} ${item}`.trim()));
      },
      [''],
    );
}

/** The phrase's parts as written (alternatives not yet analysed), term lists expanded. */
export function phraseParts(text: string, terms: TermLists = {}): PhrasePart[] {
  return [...text.trim().matchAll(partPattern)].map(([, group, groupOptional, bare]): PhrasePart => {
    if (bare === '*' || bare === '**') return { kind: 'gap', max: bare === '*' ? 2 : 5 };
    const optional =
      group !== undefined ? groupOptional !== undefined : !!bare?.endsWith('?') && bare.length > 1;
    const body = group ?? (optional ? bare!.slice(0, -1) : bare!);
    const alternatives = body.split('|').flatMap((a) => expand(a, terms));
    return { kind: 'choice', alternatives, optional };
  });
}

/** The term lists a phrase names that the pack does not have. */
function unknownTerms(text: string, terms: TermLists): string[] {
  return [...text.matchAll(/@([a-z][a-zA-Z0-9-]*)/gu)].flatMap(([, name]) =>
    name !== undefined && !Object.hasOwn(terms, name) ? [name] : [],
  );
}

/** Why a phrase cannot work as written (it would silently match nothing, or anything), or undefined. */
export function phraseProblem(text: string, terms: TermLists = {}): string | undefined {
  const unknown = unknownTerms(text, terms);
  if (unknown.length > 0) return `no term list "${unknown[0]}" in detection.terms`;
  const parts = phraseParts(text, terms);
  const choices = parts.flatMap((p) => (p.kind === 'choice' ? [p] : []));
  if (choices.some((c) => c.alternatives.some((a) => /[()]/.test(a))))
    return 'a bracket is not closed, or brackets are nested: write (a b|c d) groups side by side';
  if (choices.some((c) => !c.alternatives.some((a) => word.test(a))))
    return 'a part has no word in it (punctuation and symbols other than £ are not matched)';
  if (!choices.some((c) => !c.optional)) return 'every word is optional, so the phrase would match anything';
  return undefined;
}

/** Why a term list's item cannot work (items are plain word sequences), or undefined. */
export function termProblem(item: string): string | undefined {
  if (/[()|*@?]/.test(item)) return 'a term is plain words: no brackets, |, *, ? or @ inside a term list';
  if (!word.test(item)) return 'a term has no word in it';
  return undefined;
}
