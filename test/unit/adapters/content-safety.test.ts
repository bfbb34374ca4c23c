import {
  ContentSafetyClassifier,
  contentSafetyEndpointProblem,
  maxTextCodePoints,
  retryAfterMs,
  textParts,
} from '../../../adapters/content-safety';
import { isErrorCode } from '../../../core/errors';

describe('Content Safety endpoints: the resource alone, over https', () => {
  it.each([
    ['https://college-safety.cognitiveservices.azure.com', true],
    ['https://college-safety.cognitiveservices.azure.com/', true],
    ['https://uksouth.api.cognitive.microsoft.com', true],
    ['http://127.0.0.1:7444', true],
    ['http://localhost:7444/', true],
    ['http://college-safety.cognitiveservices.azure.com', false],
    ['http://127.0.0.1.nip.io:7444', false],
    ['https://college-safety.cognitiveservices.azure.com/contentsafety', false],
    ['https://college-safety.cognitiveservices.azure.com/?api-version=2024-09-01', false],
    ['https://user:secret@college-safety.cognitiveservices.azure.com', false],
    ['ftp://college-safety.cognitiveservices.azure.com', false],
  ])('%s may be used: %s', (url, allowed) => {
    expect(contentSafetyEndpointProblem(new URL(url)) === undefined).toBe(allowed);
  });

  it.each([['http://college-safety.cognitiveservices.azure.com'], ['not a url'], ['https://x.example/path']])(
    'refuses to build a classifier for %s (CONFIG_INVALID)',
    (endpoint) => {
      let error: unknown;
      try {
        new ContentSafetyClassifier({ endpoint, auth: { kind: 'key', key: 'k' } });
      } catch (err) {
        error = err;
      }
      expect(isErrorCode(error, 'CONFIG_INVALID')).toBe(true);
    },
  );
});

describe('a long text cut into parts the service accepts', () => {
  const codePoints = (s: string) => Array.from(s).length;

  it('leaves a text of up to 10,000 code points whole', () => {
    const text = 'a'.repeat(maxTextCodePoints);
    expect(textParts(text)).toEqual([text]);
    expect(textParts('')).toEqual(['']);
  });

  it('counts code points, not UTF-16 units: 10,000 emoji are one part', () => {
    const text = '😀'.repeat(maxTextCodePoints);
    expect(text.length).toBe(2 * maxTextCodePoints);
    expect(textParts(text)).toEqual([text]);
  });

  it('cuts at whitespace, keeps every part within the limit, and covers the whole text in order', () => {
    const words = Array.from({ length: 6000 }, (_, i) => `word${i}`).join(' ');
    const parts = textParts(words);
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) {
      expect(codePoints(part)).toBeLessThanOrEqual(maxTextCodePoints);
      expect(words).toContain(part);
    }
    expect(words.startsWith(parts[0]!)).toBe(true);
    expect(words.endsWith(parts.at(-1)!)).toBe(true);
    // Each part ends after a space (a whole word), except the last.
    for (const part of parts.slice(0, -1)) expect(part.endsWith(' ')).toBe(true);
    // Parts overlap, so nothing between them is lost.
    parts.slice(1).forEach((part, i) => {
      const previous = parts[i]!;
      expect(words.indexOf(part)).toBeLessThan(words.indexOf(previous) + previous.length);
    });
  });

  it('sees a sentence that falls across a cut whole in one part', () => {
    const sentence = 'meet me behind the station tonight and come alone';
    const filler = 'x'.repeat(maxTextCodePoints - 20);
    const parts = textParts(`${filler} ${sentence} ${filler}`);
    expect(parts.some((p) => p.includes(sentence))).toBe(true);
  });

  it('cuts text with no whitespace at the limit, never inside a surrogate pair', () => {
    const text = `${'a'.repeat(maxTextCodePoints - 1)}${'😀'.repeat(50)}`;
    const parts = textParts(text);
    expect(parts.map(codePoints)).toEqual([maxTextCodePoints, 249]);
    for (const part of parts) expect(part).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
  });
});

describe('how long the service asked us to wait', () => {
  const now = Date.parse('2026-11-23T09:00:00Z');
  it.each([
    [{ 'retry-after': '1' }, 1000],
    [{ 'retry-after': ' 12 ' }, 12_000],
    [{ 'retry-after': 'Mon, 23 Nov 2026 09:00:03 GMT' }, 3000],
    [{ 'retry-after': 'Mon, 23 Nov 2026 08:59:00 GMT' }, 0],
    [{ 'retry-after-ms': '350', 'retry-after': '9' }, 350],
    [{ 'x-ms-retry-after-ms': '1200.5' }, 1201],
    [{ 'retry-after': 'soon' }, undefined],
    [{}, undefined],
  ])('%j → %s ms', (headers, ms) => {
    expect(retryAfterMs(new Headers(headers), now)).toBe(ms);
  });
});
