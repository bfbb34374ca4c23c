/**
 * YAML text → a validated policy pack, or every problem located by file, YAML path and line.
 *
 * Inheritance. `extends: <pack>` makes a pack start from another pack, found next to it by name;
 * that pack may extend another, up to five levels. The chain is merged from the root down, one
 * pack at a time, before the schema sees the result:
 *
 * - A key written plainly replaces, whole, what the pack inherits under that key. There is no
 *   implicit deep merge, so what a pack says is what applies.
 * - A key written with a leading `+` adds to what is inherited under that key. For a list, the
 *   inherited entries stay first and the pack's entries follow. For a section (a mapping), the
 *   inherited keys stay and each key the pack writes inside it applies by these same two rules.
 *   So `+detection: { +phrases: [...] }` keeps every inherited detection setting and phrase rule
 *   and appends the pack's rules. A `+` key needs a list or section of the same kind inherited at
 *   that place, and cannot sit inside a value that replaces what is inherited (there is nothing
 *   left there to add to).
 * - Replacing a non-empty inherited list is said out loud: the pack lists the list's path, or
 *   the path of a section above it, under its top-level `replaces:` (for example
 *   `replaces: [taxonomy, routing.rules]`). A pack that drops or rewrites an inherited list
 *   without listing it is invalid, and the problem names the list and the file it came from; a
 *   `replaces:` entry that replaces nothing is invalid too, so the list stays true. Writing an
 *   inherited list again unchanged is not a replacement.
 *
 * `replaces:` and the `+` marks are resolved here and never reach the pack. Problems in merged
 * content are reported against the file, and the path inside that file, that wrote it.
 */
import { Document, LineCounter, parseDocument } from 'yaml';
import { crossReferenceIssues, policyPackSchema, type PolicyPack } from './policy-pack';

export interface PolicySource {
  /** A name for messages, usually the file path. */
  readonly name: string;
  readonly text: string;
}

/** Finds the pack another pack extends (by pack name, e.g. `uk-fe-default`). */
export type PolicyResolver = (packName: string, from: PolicySource) => PolicySource | undefined;

export interface LocatedPolicyIssue {
  readonly source: string;
  /** Dotted YAML path such as `routing.rules[2].route`; empty for the whole document. */
  readonly path: string;
  readonly line?: number;
  readonly column?: number;
  readonly message: string;
}

export type PolicyParseResult =
  | { readonly ok: true; readonly pack: PolicyPack }
  | { readonly ok: false; readonly issues: readonly LocatedPolicyIssue[] };

interface LoadedDoc {
  readonly source: PolicySource;
  readonly doc: Document;
  readonly lines: LineCounter;
  readonly data: Mapping;
  /** The files its `includes:` names, applied right after it, in order. */
  includes?: LoadedDoc[];
}

type Path = readonly (string | number)[];
type Mapping = Record<string, unknown>;

/** Which file, and which path in it, wrote a part of the merged pack. */
interface Origin {
  readonly doc: LoadedDoc;
  readonly path: Path;
}

/** Merged path (as JSON) → where it was written. */
type Origins = Map<string, Origin>;

/** One pack of the chain being merged over what it inherits. */
interface Layer {
  readonly doc: LoadedDoc;
  readonly origins: Origins;
  /** The pack's `replaces:` entries. */
  readonly replaces: readonly string[];
  /** The entries that covered a list the pack replaced; any other entry is reported. */
  readonly used: Set<string>;
  readonly issues: LocatedPolicyIssue[];
}

const maxExtendsDepth = 5;
const addMark = '+';

export function parsePolicyPack(source: PolicySource, resolve: PolicyResolver): PolicyParseResult {
  const issues: LocatedPolicyIssue[] = [];
  const chain = loadChain(source, resolve, issues);
  if (!chain) return { ok: false, issues };
  const first = chain[0] as LoadedDoc;
  const { data, origins } = mergeChain(chain, issues);
  const locateMerged = (path: Path, message: string) => {
    const origin = originOf(origins, path) ?? { doc: first, path };
    return locate(origin.doc, origin.path, message);
  };
  /** An unknown key is reported on its mapping, in the file that wrote the key. */
  const locateUnknownKey = (path: Path, key: string, message: string) => {
    const origin = originOf(origins, [...path, key]) ?? { doc: first, path: [...path, key] };
    return locate(origin.doc, origin.path.slice(0, -1), message);
  };

  const parsed = policyPackSchema.safeParse(data);
  if (!parsed.success) {
    const schemaIssues = parsed.error.issues.map((i) => {
      const path = i.path as (string | number)[];
      const message = withHint(i.message);
      return i.code === 'unrecognized_keys' && i.keys[0] !== undefined
        ? locateUnknownKey(path, i.keys[0], message)
        : locateMerged(path, message);
    });
    return { ok: false, issues: [...issues, ...schemaIssues] };
  }
  issues.push(...crossReferenceIssues(parsed.data).map((i) => locateMerged(i.path, i.message)));
  return issues.length > 0 ? { ok: false, issues } : { ok: true, pack: parsed.data };
}

/** The pack, then the pack it extends, and so on to the root; undefined when one cannot be read. */
function loadChain(
  source: PolicySource,
  resolve: PolicyResolver,
  issues: LocatedPolicyIssue[],
): LoadedDoc[] | undefined {
  const chain: LoadedDoc[] = [];
  let current: PolicySource | undefined = source;
  while (current) {
    const loaded = loadYaml(current, issues);
    if (!loaded) return undefined;
    const included = loadIncludes(loaded, resolve, issues);
    if (!included) return undefined;
    loaded.includes = included;
    chain.push(loaded);
    const parent = loaded.data['extends'];
    if (parent === undefined) break;
    if (typeof parent !== 'string') break; // the schema reports it
    if (chain.length > maxExtendsDepth) {
      issues.push(locate(loaded, ['extends'], `packs may extend at most ${maxExtendsDepth} levels deep`));
      return undefined;
    }
    const next = resolve(parent, current);
    if (!next) {
      issues.push(
        locate(loaded, ['extends'], `extends "${parent}", but no pack of that name was found next to it`),
      );
      return undefined;
    }
    if (chain.some((c) => c.source.name === next.name)) {
      issues.push(locate(loaded, ['extends'], `extends "${parent}", which leads back to itself`));
      return undefined;
    }
    current = next;
  }
  return chain;
}

/**
 * The files a pack's `includes:` names (a pack's long lists, such as its safeguarding library, kept
 * in files of their own: `includes: [library/self-harm]` is `library/self-harm.yaml` next to the
 * pack). Each is applied over the pack right after it, with the same `+key` rules, so an included
 * file adds with `+detection: { +library: [...] }`. An included file includes nothing itself.
 */
function loadIncludes(
  doc: LoadedDoc,
  resolve: PolicyResolver,
  issues: LocatedPolicyIssue[],
): LoadedDoc[] | undefined {
  const names = doc.data['includes'];
  if (names === undefined) return [];
  if (
    !Array.isArray(names) ||
    !names.every((n): n is string => typeof n === 'string' && /^[a-z0-9/-]+$/.test(n))
  ) {
    issues.push(
      locate(doc, ['includes'], 'a list of file names next to the pack, such as [library/self-harm]'),
    );
    return undefined;
  }
  const loaded: LoadedDoc[] = [];
  for (const [i, name] of names.entries()) {
    const source = resolve(name, doc.source);
    const file = source && loadYaml(source, issues);
    if (!source) issues.push(locate(doc, ['includes', i], `includes "${name}", but no such file was found`));
    if (!file) return undefined;
    if (file.data['includes'] !== undefined || file.data['extends'] !== undefined) {
      issues.push(locate(file, [], 'an included file neither extends nor includes another'));
      return undefined;
    }
    loaded.push(file);
  }
  return loaded;
}

/** Applies each pack over what it inherits, root first. */
function mergeChain(
  chain: readonly LoadedDoc[],
  issues: LocatedPolicyIssue[],
): { data: Mapping; origins: Origins } {
  const origins: Origins = new Map();
  let data: Mapping = {};
  [...chain].reverse().forEach((doc, depth) => {
    const { replaces, includes: _files, ...own } = doc.data;
    const layer: Layer = {
      doc,
      origins,
      replaces: readReplaces(doc, replaces, depth > 0, issues),
      used: new Set(),
      issues,
    };
    data = applyLayer(data, own, [], [], layer);
    for (const file of doc.includes ?? [])
      data = applyLayer(data, file.data, [], [], {
        doc: file,
        origins,
        replaces: [],
        used: new Set(),
        issues,
      });
    layer.replaces.forEach((entry, i) => {
      if (!layer.used.has(entry))
        issues.push(
          locate(
            doc,
            ['replaces', i],
            `"${entry}" is listed, but this pack replaces no inherited list there`,
          ),
        );
    });
  });
  return { data, origins };
}

function readReplaces(
  doc: LoadedDoc,
  value: unknown,
  inherits: boolean,
  issues: LocatedPolicyIssue[],
): readonly string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((v): v is string => typeof v === 'string' && v !== '')) {
    issues.push(locate(doc, ['replaces'], 'a list of paths, such as [taxonomy, detection.phrases]'));
    return [];
  }
  if (!inherits) {
    issues.push(locate(doc, ['replaces'], 'only a pack that extends another has inherited lists to replace'));
    return [];
  }
  return value;
}

/** `own` over `inherited`: plain keys replace, `+` keys add. */
function applyLayer(inherited: Mapping, own: Mapping, at: Path, docAt: Path, layer: Layer): Mapping {
  const out: Mapping = { ...inherited };
  for (const [rawKey, value] of Object.entries(own)) {
    const adds = rawKey.startsWith(addMark);
    const key = adds ? rawKey.slice(addMark.length) : rawKey;
    const path = [...at, key];
    const docPath = [...docAt, rawKey];
    if (adds && Object.hasOwn(own, key)) {
      layer.issues.push(locate(layer.doc, docPath, `write either "${key}" or "${rawKey}", not both`));
      continue;
    }
    const next = adds
      ? addTo(inherited[key], value, path, docPath, layer)
      : replace(inherited[key], value, path, docPath, layer);
    if (next === undefined) delete out[key];
    else out[key] = next;
  }
  return out;
}

function addTo(before: unknown, value: unknown, path: Path, docPath: Path, layer: Layer): unknown {
  if (isList(before) && isList(value)) {
    const added = value.map((item, i) => {
      const itemPath = [...path, before.length + i];
      remember(layer, itemPath, [...docPath, i]);
      return withoutAddMarks(item, [...docPath, i], layer);
    });
    return [...before, ...added];
  }
  if (isMapping(before) && isMapping(value)) return applyLayer(before, value, path, docPath, layer);
  const message =
    before === undefined
      ? `nothing is inherited at ${formatPath(path)} to add to`
      : isMapping(before) || Array.isArray(before)
        ? `the inherited ${formatPath(path)} is a ${kindOf(before)}: add a ${kindOf(before)} to it`
        : `only a list or a section can be added to; write "${String(path.at(-1))}" to replace it`;
  layer.issues.push(locate(layer.doc, docPath, message));
  return before;
}

function replace(before: unknown, value: unknown, path: Path, docPath: Path, layer: Layer): unknown {
  reportReplacedLists(before, value, path, docPath, layer);
  forget(layer.origins, path);
  remember(layer, path, docPath);
  return withoutAddMarks(value, docPath, layer);
}

/** A `+` key below a replacing key has nothing inherited to add to: report it and drop the mark. */
function withoutAddMarks(value: unknown, docAt: Path, layer: Layer): unknown {
  if (Array.isArray(value)) return value.map((v, i) => withoutAddMarks(v, [...docAt, i], layer));
  if (!isMapping(value)) return value;
  return Object.fromEntries(
    Object.entries(value).map(([rawKey, v]) => {
      const docPath = [...docAt, rawKey];
      if (!rawKey.startsWith(addMark)) return [rawKey, withoutAddMarks(v, docPath, layer)];
      layer.issues.push(
        locate(
          layer.doc,
          docPath,
          `"${rawKey}" adds to what is inherited, but a key above it replaces what is inherited; mark every key above it with "${addMark}" too`,
        ),
      );
      return [rawKey.slice(addMark.length), withoutAddMarks(v, docPath, layer)];
    }),
  );
}

/** Every non-empty inherited list under `path` that `after` drops or rewrites must be in `replaces:`. */
function reportReplacedLists(before: unknown, after: unknown, path: Path, docPath: Path, layer: Layer) {
  const undeclared = listsIn(before, path)
    .filter(({ at, list }) => !sameValue(list, valueAt(after, at.slice(path.length))))
    .filter(({ at }) => {
      const covering = layer.replaces.filter((entry) => covers(entry, at));
      covering.forEach((entry) => layer.used.add(entry));
      return covering.length === 0;
    });
  if (undeclared.length === 0) return;
  const bySource = new Map<string, string[]>();
  for (const { at, list } of undeclared) {
    const from = originOf(layer.origins, at)?.doc.source.name ?? 'the pack it extends';
    const entries = `${list.length} ${list.length === 1 ? 'entry' : 'entries'}`;
    bySource.set(from, [...(bySource.get(from) ?? []), `${formatPath(at)} (${entries})`]);
  }
  const lists = [...bySource].map(([from, names]) => `${names.join(', ')} from ${from}`).join('; ');
  layer.issues.push(
    locate(
      layer.doc,
      docPath,
      `replaces the inherited ${undeclared.length === 1 ? 'list' : 'lists'} ${lists} without saying so: ` +
        `write "${addMark}${String(path.at(-1))}" to add to what is inherited, ` +
        `or list "${formatPath(path)}" under replaces: to replace it`,
    ),
  );
}

/** Non-empty lists inside a value (a list's own entries are not searched: the list is the unit). */
function listsIn(value: unknown, at: Path): { at: Path; list: readonly unknown[] }[] {
  if (Array.isArray(value)) return value.length > 0 ? [{ at, list: value }] : [];
  if (!isMapping(value)) return [];
  return Object.entries(value).flatMap(([k, v]) => listsIn(v, [...at, k]));
}

/** A `replaces:` entry covers the list at its path and every list below it. */
function covers(entry: string, at: Path): boolean {
  const path = formatPath(at);
  return path === entry || path.startsWith(`${entry}.`) || path.startsWith(`${entry}[`);
}

function valueAt(value: unknown, path: Path): unknown {
  return path.reduce<unknown>(
    (v, part) =>
      isMapping(v) || Array.isArray(v) ? (v as Record<string | number, unknown>)[part] : undefined,
    value,
  );
}

function sameValue(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) || Array.isArray(b))
    return (
      Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => sameValue(v, b[i]))
    );
  if (isMapping(a) && isMapping(b)) {
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && sameValue(a[k], b[k]))
    );
  }
  return Object.is(a, b);
}

function isList(value: unknown): value is readonly unknown[] {
  return Array.isArray(value);
}

function isMapping(value: unknown): value is Mapping {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function kindOf(value: unknown): string {
  return Array.isArray(value) ? 'list' : 'section';
}

const originKey = (path: Path) => JSON.stringify(path);

function remember(layer: Layer, path: Path, docPath: Path): void {
  layer.origins.set(originKey(path), { doc: layer.doc, path: docPath });
}

/** Drops what is recorded at `path` and below it: a replacing pack now owns all of it. */
function forget(origins: Origins, path: Path): void {
  const exact = originKey(path);
  const below = `${exact.slice(0, -1)},`;
  for (const k of [...origins.keys()]) if (k === exact || k.startsWith(below)) origins.delete(k);
}

/** The file and in-file path that wrote the deepest recorded part of `path`. */
function originOf(origins: Origins, path: Path): Origin | undefined {
  for (let depth = path.length; depth >= 0; depth--) {
    const origin = origins.get(originKey(path.slice(0, depth)));
    if (origin) return { doc: origin.doc, path: [...origin.path, ...path.slice(depth)] };
  }
  return undefined;
}

/** A comma inside `{ name: a, b }` splits the text into a new key: say so, it is the usual cause. */
function withHint(message: string): string {
  return message.startsWith('Unrecognized key')
    ? `${message} (if that is part of a sentence inside { … }, put the sentence in quotes)`
    : message;
}

function loadYaml(source: PolicySource, issues: LocatedPolicyIssue[]): LoadedDoc | undefined {
  if (source.name.endsWith('.json')) return loadJson(source, issues);
  const lines = new LineCounter();
  const doc = parseDocument(source.text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    for (const e of doc.errors) {
      const pos = e.linePos?.[0];
      issues.push({
        source: source.name,
        path: '',
        message: e.message.split('\n')[0] ?? e.code,
        ...(pos && { line: pos.line, column: pos.col }),
      });
    }
    return undefined;
  }
  const data: unknown = doc.toJS({ maxAliasCount: 100 });
  if (!isMapping(data)) {
    issues.push({ source: source.name, path: '', message: 'a policy pack is a YAML mapping of sections' });
    return undefined;
  }
  return { source, doc, lines, data };
}

/**
 * A generated file too large for YAML's parser (the statistical model's weights: a YAML parse of
 * its megabyte takes seconds, JSON's milliseconds). JSON is YAML, so it merges the same way; its
 * problems are located by path only.
 */
function loadJson(source: PolicySource, issues: LocatedPolicyIssue[]): LoadedDoc | undefined {
  let data: unknown;
  try {
    data = JSON.parse(source.text);
  } catch (e) {
    issues.push({ source: source.name, path: '', message: `not valid JSON: ${(e as Error).message}` });
    return undefined;
  }
  if (!isMapping(data)) {
    issues.push({ source: source.name, path: '', message: 'a policy file is a mapping of sections' });
    return undefined;
  }
  return { source, doc: new Document(), lines: new LineCounter(), data };
}

/** Finds the deepest node on `path` that exists in the document, to point at a line. */
function locate(loaded: LoadedDoc, path: Path, message: string): LocatedPolicyIssue {
  for (let depth = path.length; depth >= 0; depth--) {
    const node = loaded.doc.getIn(path.slice(0, depth), true) as
      { range?: [number, number, number] } | undefined;
    const offset = node?.range?.[0];
    if (offset !== undefined) {
      const pos = loaded.lines.linePos(offset);
      return { source: loaded.source.name, path: formatPath(path), line: pos.line, column: pos.col, message };
    }
  }
  return { source: loaded.source.name, path: formatPath(path), message };
}

/** `['routing', 'rules', 2, 'route']` → `routing.rules[2].route`. */
export function formatPath(path: readonly (string | number)[]): string {
  return path.reduce<string>(
    (out, part) => (typeof part === 'number' ? `${out}[${part}]` : out ? `${out}.${part}` : part),
    '',
  );
}
