/**
 * Keeps infra/ and the app's configuration in step. The Function App's settings in the Bicep must
 * be the ones functions/config.ts reads and accepts in azure mode; secrets reach the app only as Key
 * Vault references; every resource is tagged; only UK and EEA regions are offered.
 *
 * No Bicep compiler runs here, so the Bicep is read as text: the Function App's settings are
 * written as arrays of `{ name, value }` (infra/modules/function-app.bicep) for this test to read.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { isErrorCode } from '../../../core/errors';
import { loadConfig, settingNames } from '../../../functions/config';

const root = join(__dirname, '../../..');
const read = (file: string): string => readFileSync(join(root, 'infra', file), 'utf8');
const bicepFiles = [
  'azure.bicep',
  ...readdirSync(join(root, 'infra/modules'))
    .filter((f) => f.endsWith('.bicep'))
    .map((f) => `modules/${f}`),
];
const parametersFile = JSON.parse(read('azure.parameters.json')) as {
  parameters: Record<string, { value?: unknown; reference?: { keyVault?: { id?: string } } }>;
};

// ---- Reading Bicep as text -------------------------------------------------------------------

const closers: Record<string, string> = { '{': '}', '[': ']', '(': ')' };

/** Index of the quote that closes the string opened at `start`; interpolations are skipped whole. */
function stringEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text.startsWith('${', i)) i = closing(text, i + 1);
    else if (text[i] === "'") return i;
  }
  throw new Error(`unterminated string at ${start}`);
}

/** Index of the bracket that closes the one at `open`, past strings and comments. */
function closing(text: string, open: number): number {
  const expected: string[] = [];
  for (let i = open; i < text.length; i++) {
    const c = text[i]!;
    if (text.startsWith('//', i)) i = lineEnd(text, i);
    else if (c === "'") i = stringEnd(text, i);
    else if (closers[c]) expected.push(closers[c]);
    else if (c === expected.at(-1)) {
      expected.pop();
      if (expected.length === 0) return i;
    }
  }
  throw new Error(`unclosed ${text[open]} at ${open}`);
}

function lineEnd(text: string, from: number): number {
  const end = text.indexOf('\n', from);
  return end < 0 ? text.length : end;
}

/** The inside of the block opened at `open`, without comments and with nested blocks emptied. */
function shallow(text: string, open: number): string {
  const end = closing(text, open);
  let out = '';
  for (let i = open + 1; i < end; i++) {
    const c = text[i]!;
    if (text.startsWith('//', i)) {
      i = lineEnd(text, i) - 1;
    } else if (c === "'") {
      const e = stringEnd(text, i);
      out += text.slice(i, e + 1);
      i = e;
    } else if (closers[c]) {
      i = closing(text, i);
      out += c + closers[c];
    } else out += c;
  }
  return out;
}

/** The shallow bodies of the objects in the array opened at `open`. */
function objectsIn(text: string, open: number): string[] {
  const end = closing(text, open);
  const objects: string[] = [];
  for (let i = open + 1; i < end; i++) {
    if (text.startsWith('//', i)) i = lineEnd(text, i);
    else if (text[i] === "'") i = stringEnd(text, i);
    else if (text[i] === '{') {
      objects.push(shallow(text, i));
      i = closing(text, i);
    }
  }
  return objects;
}

/** The expression a key of a shallow body is set to, if it is set. */
function property(body: string, key: string): string | undefined {
  return new RegExp(`^\\s*${key}:\\s*(.+?)\\s*$`, 'm').exec(body)?.[1];
}

/** A quoted literal's text (no interpolation), or undefined for any other expression. */
function literal(expression: string | undefined): string | undefined {
  return expression === undefined ? undefined : /^'([^'$\\]*)'$/.exec(expression)?.[1];
}

interface Resource {
  readonly file: string;
  readonly symbol: string;
  readonly type: string;
  readonly body: string;
}

/** Every resource a file declares (not the `existing` ones it only refers to). */
function resources(file: string): Resource[] {
  const text = read(file);
  return [...text.matchAll(/^resource (\w+) '([^'@]+)@[^']+'( existing)? = [^\n]*\{$/gm)]
    .filter((m) => !m[3])
    .map((m) => ({ file, symbol: m[1]!, type: m[2]!, body: shallow(text, m.index + m[0].length - 1) }));
}

interface Param {
  readonly name: string;
  readonly defaultValue: string | undefined;
  /** The decorators above it (back to the blank line before them). */
  readonly decorators: string;
}

function params(file: string): Param[] {
  const text = read(file);
  return [...text.matchAll(/^param (\w+) \w+(?: = (.+))?$/gm)].map((m) => ({
    name: m[1]!,
    defaultValue: m[2],
    decorators: text.slice(text.lastIndexOf('\n\n', m.index) + 2, m.index),
  }));
}

/** The shallow `params` object a module declaration in azure.bicep passes. */
function moduleParams(path: string): string {
  const text = read('azure.bicep');
  const at = text.indexOf(`'${path}' = {`);
  if (at < 0) throw new Error(`azure.bicep does not use ${path}`);
  const open = text.indexOf('params: {', at) + 'params: '.length;
  return shallow(text, open);
}

/** The variables a one-line `var` is built from, directly or through other variables. */
function usedBy(text: string, variable: string, seen = new Set<string>()): Set<string> {
  const expression = new RegExp(`^var ${variable} = (.+)$`, 'm').exec(text)?.[1] ?? '';
  for (const [name] of expression.matchAll(/\b[A-Za-z]\w*\b/g))
    if (!seen.has(name) && new RegExp(`^var ${name} = `, 'm').test(text)) {
      seen.add(name);
      usedBy(text, name, seen);
    }
  return seen;
}

// ---- The Function App's settings -------------------------------------------------------------

interface Setting {
  readonly name: string;
  /** The Bicep expression. */
  readonly value: string;
}

const functionAppBicep = 'modules/function-app.bicep';

/** The setting arrays (`var x = [ { name, value } … ]`) of the Function App module, by name. */
function settingArrays(): Map<string, Setting[]> {
  const text = read(functionAppBicep);
  const arrays = new Map<string, Setting[]>();
  for (const m of text.matchAll(/^var (\w+) = \[$/gm)) {
    const settings = objectsIn(text, m.index + m[0].length - 1).map((body) => ({
      name: literal(property(body, 'name')) ?? '',
      value: property(body, 'value') ?? '',
    }));
    arrays.set(m[1]!, settings);
  }
  return arrays;
}

const arrays = settingArrays();
const always = ['hostSettings', 'esafetySettings'];

/** The sets of settings a deployment can give the app, by its parameters. */
const variants = [
  { variant: 'the default parameters', arrays: always, contentSafety: undefined, previousKeys: 0 },
  {
    variant: 'a field key rotation under way',
    arrays: [...always, 'previousFieldKeySettings'],
    contentSafety: undefined,
    previousKeys: 1,
  },
  {
    variant: 'Content Safety by managed identity',
    arrays: [...always, 'contentSafetyByIdentity'],
    contentSafety: 'identity',
    previousKeys: 0,
  },
  {
    variant: 'Content Safety by key',
    arrays: [...always, 'contentSafetyByKey'],
    contentSafety: 'key',
    previousKeys: 0,
  },
] as const;

function settingsOf(names: readonly string[]): Setting[] {
  return names.flatMap((n) => {
    const settings = arrays.get(n);
    if (!settings) throw new Error(`${functionAppBicep} declares no setting array ${n}`);
    return settings;
  });
}

const everySetting = [...arrays.values()].flat();
const bicepNames = new Set(everySetting.map((s) => s.name));

/**
 * The Functions host's own settings, which the app's schema does not read: each allowed here
 * with the reason.
 */
const hostOwn = new Map<string, string>([
  // The host's storage (keys, timer and singleton leases, the deployment package) by managed identity.
  ['AzureWebJobsStorage__accountName', 'host storage account'],
  ['AzureWebJobsStorage__credential', 'host storage by managed identity'],
  ['AzureWebJobsStorage__clientId', 'host storage by the user-assigned identity'],
  // The host sends its own telemetry there. The app's telemetry reads it too once the schema
  // lists it; until then it is the host's alone.
  ['APPLICATIONINSIGHTS_CONNECTION_STRING', 'host telemetry'],
]);

/**
 * Settings azure mode asks for that this deployment replaces by others: storage by managed
 * identity instead of a connection string (an account key), and the managed identity as the bot
 * instead of an app password.
 */
const standIns: Record<string, readonly string[]> = {
  ESAFETY_STORAGE_CONNECTION_STRING: [
    'ESAFETY_STORAGE__tableServiceUri',
    'ESAFETY_STORAGE__queueServiceUri',
    'ESAFETY_STORAGE__credential',
  ],
  ESAFETY_BOT_APP_PASSWORD: ['ESAFETY_BOT_APP_TYPE'],
};

// ---- Sample values: what each setting holds once deployed (Key Vault references resolved) ----

const identityClientId = '6c1f0e2a-4b3d-4e5f-8a9b-0c1d2e3f4a5b';
const tenantId = '9a8b7c6d-1b2c-4d5e-8f90-123456789abc';
const pemBase64 = (kind: string) =>
  Buffer.from(`-----BEGIN ${kind}-----\nMIIB\n-----END ${kind}-----\n`).toString('base64');

const samples: Record<string, string> = {
  AzureWebJobsStorage__accountName: 'stesafetyq3x7h2k9m4p1ab',
  AzureWebJobsStorage__clientId: identityClientId,
  APPLICATIONINSIGHTS_CONNECTION_STRING:
    'InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://uksouth-1.in.applicationinsights.azure.com/',
  // Storage endpoints as the account reports them (primaryEndpoints), with a trailing slash.
  ESAFETY_STORAGE__tableServiceUri: 'https://stesafetyq3x7h2k9m4p1ab.table.core.windows.net/',
  ESAFETY_STORAGE__queueServiceUri: 'https://stesafetyq3x7h2k9m4p1ab.queue.core.windows.net/',
  ESAFETY_STORAGE__clientId: identityClientId,
  ESAFETY_FIELD_KEY: randomBytes(32).toString('base64'),
  ESAFETY_FIELD_KEYS_PREVIOUS: randomBytes(32).toString('base64'),
  ESAFETY_LOG_LEVEL: 'info',
  ESAFETY_BOT_APP_ID: identityClientId,
  ESAFETY_BOT_TENANT_ID: tenantId,
  ESAFETY_GRAPH_TENANT_ID: tenantId,
  ESAFETY_GRAPH_CLIENT_ID: '4a8b7c6d-1b2c-4d5e-8f90-123456789abc',
  ESAFETY_GRAPH_CLIENT_SECRET: 'Qx8~client-secret-from-key-vault',
  ESAFETY_PUBLIC_URL: 'https://func-esafety-q3x7h2k9m4p1a.azurewebsites.net',
  ESAFETY_GRAPH_CLIENT_STATE: randomBytes(32).toString('hex'),
  // Key Vault secrets are single-line: base64 of the PEM, as infra/README.md passes them.
  ESAFETY_GRAPH_NOTIFICATION_CERT: pemBase64('CERTIFICATE'),
  ESAFETY_GRAPH_NOTIFICATION_KEY: pemBase64('PRIVATE KEY'),
  ESAFETY_CONTENT_SAFETY_ENDPOINT: 'https://cs-college.cognitiveservices.azure.com/',
  ESAFETY_CONTENT_SAFETY_CLIENT_ID: identityClientId,
  ESAFETY_CONTENT_SAFETY_KEY: randomBytes(16).toString('hex'),
};

/**
 * The value a setting passed straight from a parameter gets with the shipped parameters
 * (azure.parameters.json, else the parameter's default), when that is a real value and not a
 * placeholder.
 */
function shippedValue(expression: string): string | undefined {
  if (!/^\w+$/.test(expression)) return undefined;
  const passed = property(moduleParams(functionAppBicep), expression);
  if (passed === undefined || !/^\w+$/.test(passed)) return undefined;
  const fromFile = parametersFile.parameters[passed]?.value;
  const value =
    typeof fromFile === 'string'
      ? fromFile
      : literal(params('azure.bicep').find((p) => p.name === passed)?.defaultValue);
  return value && !/^<.*>$/.test(value) ? value : undefined;
}

function deployedValue(setting: Setting): string {
  const value = literal(setting.value) ?? shippedValue(setting.value) ?? samples[setting.name];
  if (value === undefined) throw new Error(`no sample value for ${setting.name}: add one to this test`);
  return value;
}

function envOf(settings: readonly Setting[]): Record<string, string> {
  return Object.fromEntries(settings.map((s) => [s.name, deployedValue(s)]));
}

/** Whether loadConfig starts, or the settings it names when it refuses. */
function outcome(env: Record<string, string>): { started: true } | { started: false; named: string[] } {
  try {
    loadConfig(env);
    return { started: true };
  } catch (err) {
    if (!isErrorCode(err, 'CONFIG_INVALID')) throw err;
    return { started: false, named: String(err.details['variables']).split(',') };
  }
}

// ---- The tests ------------------------------------------------------------------------------

describe('the Function App settings in infra/', () => {
  it('are all read from setting arrays this test knows', () => {
    const known = new Set(variants.flatMap((v) => v.arrays));
    expect([...arrays.keys()].sort()).toEqual([...known].sort());
    expect(everySetting.length).toBeGreaterThan(20);
    expect(everySetting.every((s) => /^[A-Za-z]\w*$/.test(s.name) && s.value !== '')).toBe(true);
  });

  it('reach the site: every array is part of appSettings, which becomes the site config', () => {
    const text = read(functionAppBicep);
    expect([...arrays.keys()].filter((name) => !usedBy(text, 'appSettings').has(name))).toEqual([]);
    expect(text).toMatch(/name: 'appsettings'\s+properties: toObject\(appSettings, /);
  });

  describe.each(variants)('with $variant', ({ arrays: names, contentSafety, previousKeys }) => {
    const settings = settingsOf(names);
    const env = envOf(settings);

    it('are accepted by the app in azure mode', () => {
      const config = loadConfig(env);
      expect(config.mode).toBe('azure');
      expect(config.storage.connection).toMatchObject({ kind: 'identity', clientId: identityClientId });
      expect(config.bot).toMatchObject({
        appType: 'UserAssignedMSI',
        appId: identityClientId,
        anonymous: false,
      });
      expect(config.graph).toBeDefined();
      expect(config.monitoring?.publicUrl).toMatch(/^https:\/\//);
      expect(config.contentSafety?.auth.kind).toBe(contentSafety);
      expect(config.fieldKeys.previous).toHaveLength(previousKeys);
    });

    it('set each setting once', () => {
      expect(settings.map((s) => s.name)).toEqual([...new Set(settings.map((s) => s.name))]);
    });

    it.each(settings.map((s) => s.name).filter((n) => n.startsWith('ESAFETY_')))(
      'without %s, the app still starts or refuses naming it',
      (name) => {
        const { [name]: _removed, ...rest } = env;
        const result = outcome(rest);
        if (!result.started)
          expect(result.named.filter((n) => n === name || standIns[n]?.includes(name))).not.toEqual([]);
      },
    );
  });

  it('include every setting azure mode requires, or what stands in for it', () => {
    const result = outcome({ ESAFETY_MODE: 'azure' });
    if (result.started) throw new Error('azure mode started with nothing set');
    const missing = result.named.filter(
      (name) => !bicepNames.has(name) && !standIns[name]?.every((s) => bicepNames.has(s)),
    );
    expect(missing).toEqual([]);
  });

  it('are only settings the app reads, or the Functions host’s own', () => {
    const unread = [...bicepNames].filter((n) => !settingNames.includes(n) && !hostOwn.has(n));
    expect(unread).toEqual([]);
    expect([...hostOwn.keys()].filter((n) => !bicepNames.has(n))).toEqual([]);
  });

  it('leave out the settings Flex Consumption does not allow, and run the Node the app is built for', () => {
    const forbidden =
      /^(FUNCTIONS_WORKER_RUNTIME|FUNCTIONS_EXTENSION_VERSION|WEBSITE_RUN_FROM_PACKAGE|WEBSITE_CONTENT\w*|WEBSITE_NODE_DEFAULT_VERSION)$/;
    expect([...bicepNames].filter((n) => forbidden.test(n))).toEqual([]);
    const text = read(functionAppBicep);
    expect(text).toMatch(/name: 'FC1'\s+tier: 'FlexConsumption'/);
    expect(text).toMatch(/alwaysReady: \[\s*\{\s*name: 'http'/);
    const engines = (
      JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { engines: { node: string } }
    ).engines.node;
    const node = /runtime: \{\s*name: 'node'\s+version: '(\d+)'/.exec(text)?.[1];
    expect(engines).toMatch(new RegExp(`^>=${node}\\.`));
  });

  it('name a policy pack that ships with the app', () => {
    const pack = deployedValue(everySetting.find((s) => s.name === 'ESAFETY_POLICY_PACK')!);
    expect(existsSync(join(root, pack))).toBe(true);
  });
});

describe('secrets in infra/', () => {
  const secretNamed = /SECRET|PASSWORD|_KEY$|_KEYS_|CLIENT_STATE|NOTIFICATION_CERT|CONNECTION_STRING/;

  it('reach the app only as Key Vault references', () => {
    const secrets = everySetting.filter(
      (s) => secretNamed.test(s.name) && s.name !== 'APPLICATIONINSIGHTS_CONNECTION_STRING',
    );
    expect(secrets.map((s) => s.name)).toEqual(
      expect.arrayContaining([
        'ESAFETY_FIELD_KEY',
        'ESAFETY_GRAPH_CLIENT_SECRET',
        'ESAFETY_GRAPH_NOTIFICATION_KEY',
      ]),
    );
    for (const s of secrets)
      // The name is in the text matched so that a failure says which setting.
      expect(`${s.name}=${s.value}`).toMatch(/^\w+='@Microsoft\.KeyVault\(SecretUri=\$\{\w+\}\)'$/);
    // Not a secret (Microsoft: the instrumentation key in it is an identifier, not a credential:
    // https://learn.microsoft.com/azure/azure-monitor/app/connection-strings), and never a literal.
    const insights = everySetting.find((s) => s.name === 'APPLICATIONINSIGHTS_CONNECTION_STRING');
    expect(insights?.value).toMatch(/^\w+\.properties\.ConnectionString$/);
  });

  it('resolve with the app identity', () => {
    const site = resources(functionAppBicep).find((r) => r.type === 'Microsoft.Web/sites');
    expect(site?.body).toContain("kind: 'functionapp,linux'");
    expect(read(functionAppBicep)).toMatch(/^ {4}keyVaultReferenceIdentity: identityId$/m);
  });

  it('are never written as a literal setting value', () => {
    const literals = everySetting.map((s) => literal(s.value)).filter((v) => v !== undefined);
    expect(literals.filter((v) => v.includes('-----BEGIN') || /^[A-Za-z0-9+/=]{32,}$/.test(v))).toEqual([]);
  });

  it('stay out of azure.parameters.json', () => {
    const declared = params('azure.bicep');
    const secure = new Set(declared.filter((p) => p.decorators.includes('@secure()')).map((p) => p.name));
    expect(secure.size).toBeGreaterThanOrEqual(5);
    for (const [name, entry] of Object.entries(parametersFile.parameters)) {
      expect(declared.map((p) => p.name)).toContain(name);
      if (secure.has(name)) {
        expect(entry).not.toHaveProperty('value');
        expect(entry.reference?.keyVault?.id).toBeDefined();
      }
    }
    const text = read('azure.parameters.json');
    expect(text).not.toContain('-----BEGIN');
    expect(text).not.toMatch(/"[A-Za-z0-9+/]{40,}={0,2}"/);
  });
});

describe('the resources in infra/', () => {
  const all = bicepFiles.flatMap(resources);

  it('are all found', () => {
    expect(all.map((r) => r.type)).toEqual(
      expect.arrayContaining([
        'Microsoft.ManagedIdentity/userAssignedIdentities',
        'Microsoft.Storage/storageAccounts',
        'Microsoft.KeyVault/vaults',
        'Microsoft.OperationalInsights/workspaces',
        'Microsoft.Insights/components',
        'Microsoft.Web/serverfarms',
        'Microsoft.Web/sites',
        'Microsoft.BotService/botServices',
        'Microsoft.BotService/botServices/channels',
      ]),
    );
  });

  it('carry tags wherever they have a location, with the product tag', () => {
    const located = all.filter((r) => property(r.body, 'location') !== undefined);
    expect(located.filter((r) => property(r.body, 'tags') === undefined).map((r) => r.symbol)).toEqual([]);
    expect(read('azure.bicep')).toMatch(
      /var allTags = union\(tags, \{\s*product: 'e-safety-for-teams'\s*\}\)/,
    );
    for (const path of bicepFiles.filter((f) => f.startsWith('modules/')))
      expect(`${path}: ${property(moduleParams(path), 'tags')}`).toBe(`${path}: allTags`);
  });

  it('are placed only in UK or EEA regions (the Azure Bot is global)', () => {
    const location = params('azure.bicep').find((p) => p.name === 'location')!;
    const allowed = /@allowed\(\[([^\]]*)\]\)/.exec(location.decorators)?.[1];
    expect([...(allowed ?? '').matchAll(/'([^']+)'/g)].map((m) => m[1]).sort()).toEqual([
      'northeurope',
      'uksouth',
      'ukwest',
      'westeurope',
    ]);
    expect(location.defaultValue).toBe("'uksouth'");
    expect(allowed).toContain(`'${String(parametersFile.parameters['location']?.value)}'`);
    for (const path of bicepFiles.filter((f) => f.startsWith('modules/')))
      expect(params(path).find((p) => p.name === 'location')?.defaultValue).toBeUndefined();
    const elsewhere = all.filter((r) => {
      const at = property(r.body, 'location');
      return (
        at !== undefined &&
        at !== 'location' &&
        !(at === "'global'" && r.type.startsWith('Microsoft.BotService/'))
      );
    });
    expect(elsewhere.map((r) => `${r.file}: ${r.symbol}`)).toEqual([]);
  });
});
