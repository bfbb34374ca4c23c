/**
 * What a person reads on a card: every TextBlock and fact, rendered as Teams renders Markdown (a
 * CommonMark renderer that links URLs) and stripped of markup. Tests assert on this, not on the
 * JSON, so escaping never hides a missing word and a live link never hides in plain sight.
 */
import MarkdownIt from 'markdown-it';

const md = new MarkdownIt({ linkify: true, html: false });

function rendered(text: string): string {
  return md
    .renderInline(text)
    .replace(/<[^>]+>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

/** The card's visible text, one line per TextBlock or fact, in order. */
export function shownText(card: unknown): string {
  const lines: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== 'object') return;
    const o = node as Record<string, unknown>;
    if (o['type'] === 'TextBlock' && typeof o['text'] === 'string') lines.push(rendered(o['text']));
    if (o['type'] === 'FactSet' && Array.isArray(o['facts']))
      for (const f of o['facts'] as { title?: string; value?: string }[])
        lines.push(`${rendered(f.title ?? '')}: ${rendered(f.value ?? '')}`);
    for (const [k, v] of Object.entries(o)) if (k !== 'facts') walk(v);
  };
  walk(card);
  return lines.join('\n');
}

/** Every link a person could click on the card. */
export function shownLinks(card: unknown): string[] {
  const links: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== 'object') return;
    const o = node as Record<string, unknown>;
    const texts =
      o['type'] === 'TextBlock' && typeof o['text'] === 'string'
        ? [o['text']]
        : o['type'] === 'FactSet' && Array.isArray(o['facts'])
          ? (o['facts'] as { title?: string; value?: string }[]).flatMap((f) => [
              f.title ?? '',
              f.value ?? '',
            ])
          : [];
    for (const t of texts)
      for (const m of md.renderInline(t).matchAll(/href="([^"]*)"/g)) links.push(m[1] ?? '');
    for (const v of Object.values(o)) walk(v);
  };
  walk(card);
  return links;
}
