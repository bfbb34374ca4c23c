/**
 * YAML text → a validated policy pack, or every problem located by file, YAML path and line.
 *
 * `extends: <pack>` inherits whole top-level sections from another pack: a section written in the
 * child replaces the parent's section entirely (no deep merge, so what a pack says is what applies).
 */
import { LineCounter, parseDocument, type Document } from 'yaml';
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
  readonly data: Record<string, unknown>;
}

const maxExtendsDepth = 5;

export function parsePolicyPack(source: PolicySource, resolve: PolicyResolver): PolicyParseResult {
  const chain: LoadedDoc[] = [];
  const issues: LocatedPolicyIssue[] = [];
  let current: PolicySource | undefined = source;
  while (current) {
    const loaded = loadYaml(current, issues);
    if (!loaded) return { ok: false, issues };
    chain.push(loaded);
    const parent = loaded.data['extends'];
    if (parent === undefined) break;
    if (typeof parent !== 'string') break; // the schema reports it
    if (chain.length > maxExtendsDepth) {
      issues.push(locate(loaded, ['extends'], `packs may extend at most ${maxExtendsDepth} levels deep`));
      return { ok: false, issues };
    }
    const next = resolve(parent, current);
    if (!next) {
      issues.push(
        locate(loaded, ['extends'], `extends "${parent}", but no pack of that name was found next to it`),
      );
      return { ok: false, issues };
    }
    if (chain.some((c) => c.source.name === next.name)) {
      issues.push(locate(loaded, ['extends'], `extends "${parent}", which leads back to itself`));
      return { ok: false, issues };
    }
    current = next;
  }

  // Top-level sections: the nearest pack in the chain that writes a section owns it.
  const owner = new Map<string, LoadedDoc>();
  const merged: Record<string, unknown> = {};
  for (const loaded of [...chain].reverse()) {
    for (const [k, v] of Object.entries(loaded.data)) {
      merged[k] = v;
      owner.set(k, loaded);
    }
  }
  const first = chain[0] as LoadedDoc;
  const locateMerged = (path: readonly (string | number)[], message: string) =>
    locate(owner.get(String(path[0])) ?? first, path, message);

  const parsed = policyPackSchema.safeParse(merged);
  if (!parsed.success) {
    return {
      ok: false,
      issues: parsed.error.issues.map((i) =>
        locateMerged(i.path as (string | number)[], withHint(i.message)),
      ),
    };
  }
  const crossIssues = crossReferenceIssues(parsed.data);
  if (crossIssues.length > 0) {
    return { ok: false, issues: crossIssues.map((i) => locateMerged(i.path, i.message)) };
  }
  return { ok: true, pack: parsed.data };
}

/** A comma inside `{ name: a, b }` splits the text into a new key: say so, it is the usual cause. */
function withHint(message: string): string {
  return message.startsWith('Unrecognized key')
    ? `${message} (if that is part of a sentence inside { … }, put the sentence in quotes)`
    : message;
}

function loadYaml(source: PolicySource, issues: LocatedPolicyIssue[]): LoadedDoc | undefined {
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
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    issues.push({ source: source.name, path: '', message: 'a policy pack is a YAML mapping of sections' });
    return undefined;
  }
  return { source, doc, lines, data: data as Record<string, unknown> };
}

/** Finds the deepest node on `path` that exists in the document, to point at a line. */
function locate(loaded: LoadedDoc, path: readonly (string | number)[], message: string): LocatedPolicyIssue {
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
