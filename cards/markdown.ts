/**
 * Text from people or from Microsoft Graph (descriptions, notes, names, message excerpts, file
 * names), made inert for a card. Teams renders Markdown in a TextBlock's text and in FactSet titles
 * and values (https://learn.microsoft.com/microsoftteams/platform/task-modules-and-cards/cards/cards-format),
 * so a reported message holding `[click here](https://…)` would otherwise become a live link in the
 * safeguarding channel. Two things keep it as text:
 *
 * - every character Markdown gives a meaning is backslash-escaped (CommonMark escapes, which the
 *   Adaptive Card renderers honour), so no link, emphasis, heading, list, quote or entity forms;
 * - web addresses are shown defanged (`https[:]//…`, `www[.]…`, `evil[.]com`), so a client that
 *   turns bare URLs into links has none to turn: the only links on a card are the ones the product
 *   built. Domains are defanged for the common top-level domains of phishing and everyday sites,
 *   e-mail addresses and link schemes (`mailto:`, `tel:` …) too; file names (`notes.docx`) are left
 *   as written.
 */

/** A host name ending in a common top-level domain: its last dot is defanged. */
const host =
  /\b((?:[a-z0-9-]+\.)*[a-z0-9-]+)\.(com|net|org|uk|co|io|info|biz|me|ly|gg|app|xyz|ru|cn|tk|link|site|online|top|live|shop|club|tv|be|to|cc|us|eu|de|fr)\b/gi;

/** Characters with a Markdown meaning anywhere in a line. */
const inline = /[\\`*_~[\]()<>#|{}&!]/g;
/** A list marker, numbered item or quote at the start of a line. */
const lineStart = /^(\s*)([-+>]|\d+[.)])/gm;

export function plain(text: string): string {
  return text
    .replace(/:\/\//g, '[:]//')
    .replace(/\b(mailto|tel|sms|callto|javascript|data|file|msteams|skype):/gi, '$1[:]')
    .replace(/www\./gi, 'www[.]')
    .replace(host, '$1[.]$2')
    .replace(/@(?=[^\s@]*\.)/g, '[@]')
    .replace(inline, (c) => `\\${c}`)
    .replace(
      lineStart,
      (_m, space: string, marker: string) => `${space}${marker.replace(/[-+>.)]/, (c) => `\\${c}`)}`,
    );
}
