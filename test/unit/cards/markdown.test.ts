import fc from 'fast-check';
import MarkdownIt from 'markdown-it';
import { plain } from '../../../cards/markdown';

/** A CommonMark renderer that also turns URLs and bare domains into links, as Teams clients may. */
const md = new MarkdownIt({ linkify: true, html: false });
const render = (text: string) => md.render(text);
/** What a reader sees: the rendered text without tags. */
const seen = (html: string) =>
  html
    .replace(/<[^>]+>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .trim();

describe('text from people on a card', () => {
  it.each([
    ['a Markdown link', 'urgent: [click here](https://evil.example/login) to see the photos'],
    ['an autolink', 'see <https://evil.example>'],
    ['a bare address', 'go to https://evil.example/x or www.evil.example now'],
    ['an image', '![x](https://evil.example/pixel.png)'],
    ['a reference link', '[here][1]\n\n[1]: https://evil.example'],
    ['an entity-encoded link', '&#91;click&#93;&#40;https://evil.example&#41;'],
    ['a bare domain', 'log in at evil.com/login or secure-login.co.uk today'],
    ['a domain glued to text', '_https://www.x and mailto:me@evil.com'],
  ])('never becomes a link: %s', (_what, text) => {
    const html = render(plain(text));
    expect(html).not.toMatch(/<a |<img /);
  });

  it.each([
    ['emphasis', 'this is *not* bold and __not__ either', /<(em|strong)>/],
    ['a heading', '# shouting', /<h1>/],
    ['a list', '- one\n- two\n1. three', /<(ul|ol)>/],
    ['a quote', '> quoted', /<blockquote>/],
    ['code', '`rm -rf` and ```\nblock\n```', /<code>/],
  ])('renders no formatting: %s', (_what, text, tag) => {
    expect(render(plain(text))).not.toMatch(tag);
  });

  it('leaves file names as written', () => {
    expect(seen(render(plain('attached notes.docx and plan.pdf')))).toBe('attached notes.docx and plan.pdf');
  });

  it('keeps what was written readable, word for word, apart from defanged addresses', () => {
    const text = 'Lee said: "*you* are [so] dead_lol" (at 10:30) - 100% serious & #1 #angry';
    expect(seen(render(plain(text)))).toBe(text);
  });

  it('never renders a link or an image, whatever the text', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.string(),
            fc.constantFrom(
              '[',
              ']',
              '(',
              ')',
              'https://',
              'www.',
              '<',
              '>',
              '!',
              '&#91;',
              '\n',
              '*',
              '_',
              '`',
            ),
          ),
          { maxLength: 40 },
        ),
        (parts) => {
          expect(render(plain(parts.join('')))).not.toMatch(/<a |<img /);
        },
      ),
      { numRuns: 500 },
    );
  });
});
