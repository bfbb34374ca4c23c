/** Reads policy packs from disk; `extends: <name>` resolves to `<name>.yaml` in the same folder. */
import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fail } from '../core/errors';
import { parsePolicyPack, type PolicyParseResult, type PolicySource } from '../core/policy/parse-policy';
import type { PolicyPack } from '../core/policy/policy-pack';

function readSource(path: string): PolicySource | undefined {
  try {
    return { name: relative(process.cwd(), path) || path, text: readFileSync(path, 'utf8') };
  } catch {
    return undefined;
  }
}

/**
 * Finds a pack or included file by name in a folder: YAML, or JSON for a generated one (the
 * statistical model's weights).
 */
export const filesIn =
  (folder: string) =>
  (name: string): PolicySource | undefined =>
    readSource(join(folder, `${name}.yaml`)) ?? readSource(join(folder, `${name}.json`));

export function parsePolicyFile(path: string): PolicyParseResult {
  const source = readSource(path);
  if (!source)
    return { ok: false, issues: [{ source: path, path: '', message: 'file not found or unreadable' }] };
  return parsePolicyPack(source, filesIn(dirname(path)));
}

/** Loads a pack or stops with the first problems listed (start-up uses this). */
export function loadPolicyFile(path: string): PolicyPack {
  const result = parsePolicyFile(path);
  if (result.ok) return result.pack;
  const lines = result.issues
    .slice(0, 5)
    .map((i) => `${i.source}${i.line === undefined ? '' : `:${i.line}`} ${i.path}: ${i.message}`);
  return fail('POLICY_INVALID', `Policy pack ${path} is invalid:\n  ${lines.join('\n  ')}`, { path });
}
