import fc from 'fast-check';
import { normaliseWords, PhraseMatcher } from '../../../core/detection/phrase-matcher';
import { defaultPack } from '../../support/fixtures';

const matcher = new PhraseMatcher(defaultPack);
const categories = (text: string) => matcher.match(text).map((h) => h.category);

describe('safeguarding phrases', () => {
  it.each([
    ['plain', 'keep this between us ok?', 'grooming'],
    ['capitals and punctuation', 'KEEP. THIS. BETWEEN. US!!!', 'grooming'],
    ['HTML already stripped, extra spaces', '  keep   this\nbetween    us ', 'grooming'],
    ['apostrophes and no apostrophes', 'dont tell anyone about this', 'grooming'],
    ['curly apostrophe', 'don’t tell anyone', 'grooming'],
    ['spelled out with dots', 'just k.y.s', 'cyberbullying'],
    ['spelled out with spaces', 'honestly k y s', 'cyberbullying'],
    ['trailing punctuation', 'kys!', 'cyberbullying'],
    ['look-alike digits', 'n0b0dy l1kes y0u', 'cyberbullying'],
    ['stretched letters', 'are you alooone', 'grooming'],
    ['zero-width characters', 'send\u200b nu\u200bdes', 'youth-produced-sexual-imagery'],
    ['accented look-alikes', 'sénd núdes', 'youth-produced-sexual-imagery'],
    ['a pattern from the pack', 'lets meet up alone tomorrow', 'grooming'],
    ['a long phrase with its spaces moved', 'keepthis betweenus', 'grooming'],
  ])('finds a phrase written %s', (_how, text, category) => {
    expect(categories(text)).toContain(category);
  });

  it.each([
    ['a word containing a short phrase', 'that was risky stuff'],
    ['ordinary classwork', 'please send me the essay before the deadline'],
    ['a phrase split across unrelated words', 'keep this safe, between lessons us'],
    ['an empty message', ''],
    ['only emoji and numbers', '👍 4 5 6'],
  ])('does not fire on %s', (_how, text) => {
    expect(categories(text)).toEqual([]);
  });

  it('reports each matching rule once, with the pack severity', () => {
    const hits = matcher.match('our little secret, keep this between us, kys');
    expect(hits).toEqual([
      { category: 'grooming', severity: 'high', rule: 0 },
      { category: 'cyberbullying', severity: 'medium', rule: 2 },
    ]);
  });

  it('normalises any text without throwing, to lower-case letters and single spaces', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), (s) => {
        const words = normaliseWords(s);
        expect(words).toBe(words.trim());
        expect(words).not.toMatch(/ {2}/);
        expect(words).toBe(words.toLowerCase());
      }),
    );
  });
});
