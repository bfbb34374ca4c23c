/**
 * `npm run package`: the two things a deployment uploads, in `package/` (docs/deploy.md).
 *
 * - `esafety-teams-app.zip`, for the Teams admin centre: manifest.template.json filled in from
 *   settings (the bot id, the Function App's host as the valid domain and in `webApplicationInfo`),
 *   validated offline against the Teams manifest schema bundled in @microsoft/app-manifest, with the
 *   colour (192×192) and outline (32×32, transparent) icons
 *   (https://learn.microsoft.com/microsoftteams/platform/concepts/build-and-test/apps-package).
 * - `esafety-functions.zip`, for the Function App: the built app, the policy packs, host.json,
 *   package.json and the production dependencies installed from the lock file — what a zip deploy
 *   runs as it is, with no build on the server
 *   (https://learn.microsoft.com/azure/azure-functions/functions-deployment-technologies#zip-deploy).
 */
import { execFileSync } from 'node:child_process';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  copyFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { AppManifestUtils } from '@microsoft/app-manifest';
import JSZip from 'jszip';
import { z } from 'zod';
import { fail, toEsafetyError } from '../core/errors';

/** The folder with the template and icons: next to this file in the repo, two levels up from dist/. */
const folder = existsSync(join(__dirname, 'manifest.template.json'))
  ? __dirname
  : resolve(__dirname, '..', '..', 'manifest');

const valuesSchema = z.object({
  ESAFETY_BOT_APP_ID: z.guid('the Azure Bot app id (a GUID)'),
  ESAFETY_PUBLIC_URL: z.url({
    protocol: /^https$/,
    error: "the Function App's https URL (the deployment's functionAppUrl output)",
  }),
  ESAFETY_TEAMS_APP_ID: z.guid().default('6c1f7f3e-5a1e-4e5a-9f7e-e5afe7e0a991'),
  ESAFETY_APP_VERSION: z
    .string()
    .regex(/^\d+\.\d+\.\d+$/)
    .default('1.0.0'),
  ESAFETY_ORGANISATION: z.string().min(1).max(32).default('Your college'),
  ESAFETY_WEBSITE_URL: z.url({ protocol: /^https$/ }).default('https://www.example-college.ac.uk/'),
  ESAFETY_PRIVACY_URL: z.url({ protocol: /^https$/ }).default('https://www.example-college.ac.uk/privacy'),
  ESAFETY_TERMS_URL: z.url({ protocol: /^https$/ }).default('https://www.example-college.ac.uk/terms'),
});

/** The manifest for these settings; a missing or malformed setting is named. */
export function buildManifest(env: Readonly<Record<string, string | undefined>>): Record<string, unknown> {
  const parsed = valuesSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')));
  if (!parsed.success) {
    return fail(
      'CONFIG_INVALID',
      `Cannot build the Teams app package:\n  ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n  ')}`,
    );
  }
  const v = parsed.data;
  const values: Record<string, string> = {
    BOT_ID: v.ESAFETY_BOT_APP_ID,
    BOT_DOMAIN: new URL(v.ESAFETY_PUBLIC_URL).host,
    TEAMS_APP_ID: v.ESAFETY_TEAMS_APP_ID,
    VERSION: v.ESAFETY_APP_VERSION,
    ORGANISATION: v.ESAFETY_ORGANISATION,
    WEBSITE_URL: v.ESAFETY_WEBSITE_URL,
    PRIVACY_URL: v.ESAFETY_PRIVACY_URL,
    TERMS_URL: v.ESAFETY_TERMS_URL,
  };
  const text = readFileSync(join(folder, 'manifest.template.json'), 'utf8').replace(
    /\{\{(\w+)\}\}/g,
    (_m, key: string) =>
      JSON.stringify(
        values[key] ?? fail('CONFIG_INVALID', `manifest template names unknown value ${key}`),
      ).slice(1, -1),
  );
  return JSON.parse(text) as Record<string, unknown>;
}

/** Schema problems, empty when the manifest is valid. */
export async function validateManifest(manifest: Record<string, unknown>): Promise<string[]> {
  return AppManifestUtils.validateAgainstSchema(
    manifest as unknown as Parameters<typeof AppManifestUtils.validateAgainstSchema>[0],
  );
}

/** The repository (or unpacked app) root: the folder above `manifest/`. */
const root = resolve(folder, '..');

/** The Teams app package: manifest.json and the two icons. */
export async function teamsAppZip(env: Readonly<Record<string, string | undefined>>): Promise<Buffer> {
  const manifest = buildManifest(env);
  const problems = await validateManifest(manifest);
  if (problems.length > 0)
    fail('CONFIG_INVALID', `The manifest does not match the Teams schema:\n  ${problems.join('\n  ')}`);
  const zip = new JSZip();
  zip.file('manifest.json', JSON.stringify(manifest, null, 2));
  for (const icon of ['color.png', 'outline.png']) zip.file(icon, readFileSync(join(folder, icon)));
  return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
}

/** Built output the Function App runs: everything but the local system, tests and this packager. */
const builtForAzure = (path: string) => !/^dist\/(test|local|manifest)(\/|$)/.test(path);

/**
 * The Function App's zip: production dependencies installed from the lock file into a scratch
 * folder (`npm ci --omit=dev`, no install scripts), then the built app, policy packs, host.json and
 * package.json beside them. Writes it to `file`; returns how many files it holds.
 */
export async function functionsZip(file: string): Promise<number> {
  if (!existsSync(join(root, 'dist', 'functions', 'index.js')))
    fail('CONFIG_INVALID', 'Build first: npm run build (dist/functions/index.js is missing).');
  const scratch = mkdtempSync(join(tmpdir(), 'esafety-package-'));
  try {
    for (const f of ['package.json', 'package-lock.json']) copyFileSync(join(root, f), join(scratch, f));
    execFileSync('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'], {
      cwd: scratch,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const zip = new JSZip();
    let files = 0;
    const add = (base: string, path: string, keep: (p: string) => boolean = () => true) => {
      const full = join(base, path);
      if (!keep(path)) return;
      if (statSync(full).isDirectory()) {
        for (const entry of readdirSync(full)) add(base, join(path, entry), keep);
        return;
      }
      zip.file(relative(base, full), readFileSync(full));
      files++;
    };
    add(scratch, 'node_modules');
    add(root, 'dist', builtForAzure);
    add(root, 'policies');
    for (const f of ['host.json', 'package.json']) add(root, f);
    await pipeline(
      zip.generateNodeStream({ type: 'nodebuffer', streamFiles: true, compression: 'DEFLATE' }),
      createWriteStream(file),
    );
    return files;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const out = join(root, 'package');
  mkdirSync(out, { recursive: true });
  const app = join(out, 'esafety-teams-app.zip');
  writeFileSync(app, await teamsAppZip(process.env));
  process.stdout.write(`Teams app package:  ${relative(process.cwd(), app)}\n`);
  const functions = join(out, 'esafety-functions.zip');
  const files = await functionsZip(functions);
  process.stdout.write(`Function App zip:   ${relative(process.cwd(), functions)} (${files} files)\n`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`${toEsafetyError(err).message}\n`);
    process.exit(1);
  });
}
