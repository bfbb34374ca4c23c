/**
 * The syntax of a safeguarding-library phrase, read in one place for the matcher
 * (safeguarding-library.ts compiles it) and the pack validator (core/policy, which names a phrase
 * that cannot work). Parts, side by side: `(a b|c)` a group of alternatives, each a word sequence;
 * `(…)?` an optional group; `a|b` and `word?` the same without brackets; `*` a gap of up to two words
 * and `**` of up to five.
 */
export type PhrasePart =
  | { readonly kind: 'choice'; readonly alternatives: readonly string[]; readonly optional: boolean }
  | { readonly kind: 'gap'; readonly max: number };

const partPattern = /\(([^()]*)\)(\?)?|(\S+)/gu;
const word = /[\p{L}\p{N}\p{Extended_Pictographic}£]/u;

/** The phrase's parts as written (alternatives not yet analysed). */
export function phraseParts(text: string): PhrasePart[] {
  return [...text.trim().matchAll(partPattern)].map(([, group, groupOptional, bare]): PhrasePart => {
    if (bare === '*' || bare === '**') return { kind: 'gap', max: bare === '*' ? 2 : 5 };
    const optional =
      group !== undefined ? groupOptional !== undefined : !!bare?.endsWith('?') && bare.length > 1;
    const body = group ?? (optional ? bare!.slice(0, -1) : bare!);
    return { kind: 'choice', alternatives: body.split('|'), optional };
  });
}

/** Why a phrase cannot work as written (it would silently match nothing, or anything), or undefined. */
export function phraseProblem(text: string): string | undefined {
  const parts = phraseParts(text);
  const choices = parts.flatMap((p) => (p.kind === 'choice' ? [p] : []));
  if (choices.some((c) => c.alternatives.some((a) => /[()]/.test(a))))
    return 'a bracket is not closed, or brackets are nested: write (a b|c d) groups side by side';
  if (choices.some((c) => !c.alternatives.some((a) => word.test(a))))
    return 'a part has no word in it (punctuation and symbols other than £ are not matched)';
  if (!choices.some((c) => !c.optional)) return 'every word is optional, so the phrase would match anything';
  return undefined;
}
