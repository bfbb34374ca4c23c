/**
 * The Function App zip (`npm run package`) carries only `dependencies`: every package the app's
 * own code imports at run time must be one of them, not a devDependency (jose was one, and the
 * deployed app could not start).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { repoRoot } from '../../support/fixtures';

/** The folders whose built output the zip carries (manifest/build-package.ts `builtForAzure`). */
const productionFolders = ['core', 'adapters', 'functions', 'bot', 'cards', 'cli'];

function sources(folder: string): string[] {
  return readdirSync(folder).flatMap((entry) => {
    const path = join(folder, entry);
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith('.ts') && !path.endsWith('.d.ts') ? [path] : [];
  });
}

/** The packages a file loads at run time (type-only imports are erased by the compiler). */
function runtimeImports(text: string): string[] {
  const found: string[] = [];
  const statements = /^(import|export)\s+(?!type\s)[^;]*?from\s+'([^']+)'|require\('([^']+)'\)/gms;
  for (const m of text.matchAll(statements)) {
    const spec = m[2] ?? m[3] ?? '';
    if (spec.startsWith('.') || spec.startsWith('node:') || builtinModules.includes(spec)) continue;
    found.push(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] ?? spec));
  }
  return found;
}

describe('the deployed app', () => {
  it('imports at run time only packages it declares as dependencies', () => {
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const missing = productionFolders
      .flatMap((f) => sources(join(repoRoot, f)))
      .flatMap((file) =>
        runtimeImports(readFileSync(file, 'utf8'))
          .filter((name) => !(name in pkg.dependencies))
          .map((name) => `${file.slice(repoRoot.length + 1)}: ${name}`),
      );
    expect(missing).toEqual([]);
  });

  it('finds what a file imports (the check can fail)', () => {
    expect(
      runtimeImports("import { a } from 'jose';\nimport type { B } from 'zod';\nimport x from './y';"),
    ).toEqual(['jose']);
  });
});
