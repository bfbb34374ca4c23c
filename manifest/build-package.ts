/**
 * `npm run manifest`: fills manifest.template.json from configuration, validates it offline against
 * the Teams manifest schema bundled in @microsoft/app-manifest, and zips the app package an IT admin
 * uploads in the Teams admin centre (manifest.json + the two icons).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
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

async function main(): Promise<void> {
  const manifest = buildManifest(process.env);
  const problems = await validateManifest(manifest);
  if (problems.length > 0)
    fail('CONFIG_INVALID', `The manifest does not match the Teams schema:\n  ${problems.join('\n  ')}`);
  const zip = new JSZip();
  zip.file('manifest.json', JSON.stringify(manifest, null, 2));
  for (const icon of ['color.png', 'outline.png']) zip.file(icon, readFileSync(join(folder, icon)));
  const out = join(resolve(folder, '..'), 'dist', 'appPackage');
  mkdirSync(out, { recursive: true });
  const file = join(out, 'esafety-for-teams.zip');
  writeFileSync(file, await zip.generateAsync({ type: 'nodebuffer' }));
  process.stdout.write(`Teams app package: ${file}\n`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`${toEsafetyError(err).message}\n`);
    process.exit(1);
  });
}
