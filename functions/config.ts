/**
 * Configuration: environment variables, validated once at start-up, frozen and passed in
 * (docs/architecture.md). Nothing else in the app reads `process.env`.
 * Every variable is documented in `local.settings.example.json`.
 *
 * With nothing set, the app runs in local mode against Azurite's well-known development account.
 */
import { z } from 'zod';
import { fail, isErrorCode } from '../core/errors';
import {
  connectionStringEndpoint,
  endpointProblem,
  isLoopback,
  type StorageConnection,
} from '../adapters/storage-clients';
import { contentSafetyEndpointProblem, type ContentSafetySettings } from '../adapters/content-safety';

/** Azurite's published development account (not a secret: it is in Microsoft's docs). */
export const azuriteAccount = {
  name: 'devstoreaccount1',
  key: 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==',
} as const;

/**
 * Local mode's defaults when nothing is set: Azurite on its standard ports and the dev host on the
 * Functions host's standard port. The local system passes the ports it really uses as settings
 * (ESAFETY_STORAGE_CONNECTION_STRING, ESAFETY_PUBLIC_URL); which ports those are is its own
 * business (local/local-settings.ts).
 */
export const azuriteStandardPorts = { table: 10002, queue: 10001 } as const;
const localDevHostUrl = 'http://127.0.0.1:7071';

export function azuriteConnectionString(tablePort: number, queuePort: number, host = '127.0.0.1'): string {
  return [
    'DefaultEndpointsProtocol=http',
    `AccountName=${azuriteAccount.name}`,
    `AccountKey=${azuriteAccount.key}`,
    `TableEndpoint=http://${host}:${tablePort}/${azuriteAccount.name}`,
    `QueueEndpoint=http://${host}:${queuePort}/${azuriteAccount.name}`,
  ].join(';');
}

/**
 * Local mode only: a fixed, published field-encryption key so `npm start` needs no set-up.
 * Azure mode refuses to start with it.
 */
const localOnlyFieldKey = 'bG9jYWwtb25seS1lc2FmZXR5LWRldi1rZXktMzJieXQ=';

/** Whether a base64 key decodes to the published local-only key's bytes. */
function isLocalOnlyKey(base64: string): boolean {
  return Buffer.from(base64, 'base64').equals(Buffer.from(localOnlyFieldKey, 'base64'));
}

/**
 * Why a connection string is development storage, not a college's account (azure mode refuses
 * it): `UseDevelopmentStorage`, the emulator's well-known account or key under any account name,
 * or an endpoint on this machine.
 */
function developmentStorage(connectionString: string): string | undefined {
  const parts = new Map<string, string>();
  for (const part of connectionString.split(';')) {
    const at = part.indexOf('=');
    if (at > 0) parts.set(part.slice(0, at).trim().toLowerCase(), part.slice(at + 1).trim());
  }
  if (parts.has('usedevelopmentstorage')) return 'uses development storage (UseDevelopmentStorage)';
  if (parts.get('accountname')?.toLowerCase() === azuriteAccount.name)
    return 'points at the Azurite development account';
  const key = parts.get('accountkey');
  if (key && Buffer.from(key, 'base64').equals(Buffer.from(azuriteAccount.key, 'base64')))
    return "carries the storage emulator's published account key";
  for (const service of ['table', 'queue'] as const) {
    try {
      if (isLoopback(connectionStringEndpoint(connectionString, service)))
        return `its ${service} endpoint is on this machine (a storage emulator), not an Azure account`;
    } catch {
      // An endpoint that cannot be read is reported by the endpoint check.
    }
  }
  return undefined;
}

/** Local mode only: a published clientState so `npm start` needs no set-up. Azure mode refuses it. */
export const localOnlyClientState = 'local-only-esafety-client-state';

/** PEM text, or base64 of PEM text (Key Vault secrets and app settings are single-line). */
const pem = (kind: string) =>
  z
    .string()
    .transform((s) => (s.includes('-----BEGIN') ? s : Buffer.from(s, 'base64').toString('utf8')))
    .refine(
      (s) => s.includes(`-----BEGIN ${kind}`) || s.includes('-----BEGIN PRIVATE KEY'),
      `must be a PEM ${kind}`,
    );

const base64Key = z
  .string()
  .refine(
    (s) => Buffer.from(s, 'base64').length === 32,
    'must be base64 of exactly 32 bytes (openssl rand -base64 32)',
  );

const envSchema = z
  .object({
    ESAFETY_MODE: z.enum(['local', 'azure']).default('local'),
    ESAFETY_STORAGE_CONNECTION_STRING: z.string().min(1).optional(),
    // An identity-based connection, named as the Functions host reads it for `connection: 'ESAFETY_STORAGE'`.
    ESAFETY_STORAGE__tableServiceUri: z
      .url('an https URL such as https://<account>.table.core.windows.net')
      .optional(),
    ESAFETY_STORAGE__queueServiceUri: z
      .url('an https URL such as https://<account>.queue.core.windows.net')
      .optional(),
    ESAFETY_STORAGE__credential: z
      .literal('managedidentity', "managedidentity is the only value (the Function App's managed identity)")
      .optional(),
    ESAFETY_STORAGE__clientId: z.guid("a user-assigned managed identity's client id").optional(),
    ESAFETY_TABLE_PREFIX: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9]{0,40}$/, 'letters and digits only, starting with a letter')
      .default('esafety'),
    ESAFETY_FIELD_KEY: base64Key.optional(),
    ESAFETY_FIELD_KEYS_PREVIOUS: z
      .string()
      .optional()
      .transform((s) =>
        s
          ? s
              .split(',')
              .map((k) => k.trim())
              .filter(Boolean)
          : [],
      )
      .pipe(z.array(base64Key)),
    ESAFETY_POLICY_PACK: z.string().min(1).default('policies/uk-fe-default.yaml'),
    ESAFETY_BOT_APP_ID: z.guid('an Entra application (client) id').optional(),
    ESAFETY_BOT_APP_PASSWORD: z.string().min(1).optional(),
    ESAFETY_BOT_TENANT_ID: z.guid('an Entra tenant id').optional(),
    ESAFETY_BOT_APP_TYPE: z.enum(['SingleTenant', 'MultiTenant', 'UserAssignedMSI']).default('SingleTenant'),
    ESAFETY_BOT_OPENID_METADATA_URL: z.url({ protocol: /^https?$/ }).optional(),
    ESAFETY_GRAPH_TENANT_ID: z.guid('an Entra tenant id').optional(),
    ESAFETY_GRAPH_CLIENT_ID: z.guid('an Entra application (client) id').optional(),
    ESAFETY_GRAPH_CLIENT_SECRET: z.string().min(1).optional(),
    ESAFETY_GRAPH_AUTHORITY_HOST: z.url({ protocol: /^https$/ }).default('https://login.microsoftonline.com'),
    ESAFETY_GRAPH_BASE_URL: z.url({ protocol: /^https$/ }).default('https://graph.microsoft.com'),
    ESAFETY_PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
    ESAFETY_GRAPH_CLIENT_STATE: z.string().min(16, 'at least 16 characters').max(128).optional(),
    ESAFETY_GRAPH_NOTIFICATION_CERT: pem('CERTIFICATE').optional(),
    ESAFETY_GRAPH_NOTIFICATION_KEY: pem('PRIVATE KEY').optional(),
    // The optional ML layer: Azure AI Content Safety text analysis, off unless an endpoint is set.
    ESAFETY_CONTENT_SAFETY_ENDPOINT: z
      .url('an https URL such as https://<resource>.cognitiveservices.azure.com')
      .optional(),
    ESAFETY_CONTENT_SAFETY_KEY: z.string().regex(/^\S+$/, 'the resource key, with no spaces').optional(),
    ESAFETY_CONTENT_SAFETY_CLIENT_ID: z.guid("a user-assigned managed identity's client id").optional(),
    ESAFETY_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
    // The platform's own name for it (Function Apps set it for Application Insights): telemetry is
    // on only when it is set (functions/telemetry.ts).
    APPLICATIONINSIGHTS_CONNECTION_STRING: z
      .string()
      .regex(
        /(^|;)InstrumentationKey=[0-9a-f-]{36}(;|$)/i,
        'an Application Insights connection string (InstrumentationKey=…;IngestionEndpoint=https://…)',
      )
      .optional(),
    ESAFETY_LOCAL_DATA_DIR: z.string().min(1).default('.local'),
  })
  .superRefine((env, ctx) => {
    [...storageIssues(env), ...contentSafetyIssues(env), ...botIssuerIssues(env)].forEach(([name, message]) =>
      ctx.addIssue({ code: 'custom', path: [name], message }),
    );
    if (env.ESAFETY_MODE !== 'azure') return;
    if (!env.ESAFETY_BOT_APP_ID) {
      ctx.addIssue({
        code: 'custom',
        path: ['ESAFETY_BOT_APP_ID'],
        message: 'required when ESAFETY_MODE=azure (the Azure Bot app id)',
      });
    }
    if (env.ESAFETY_BOT_APP_TYPE !== 'UserAssignedMSI' && !env.ESAFETY_BOT_APP_PASSWORD) {
      ctx.addIssue({
        code: 'custom',
        path: ['ESAFETY_BOT_APP_PASSWORD'],
        message: `required for a ${env.ESAFETY_BOT_APP_TYPE} bot`,
      });
    }
    if (env.ESAFETY_BOT_APP_TYPE !== 'MultiTenant' && !env.ESAFETY_BOT_TENANT_ID) {
      ctx.addIssue({
        code: 'custom',
        path: ['ESAFETY_BOT_TENANT_ID'],
        message: `required for a ${env.ESAFETY_BOT_APP_TYPE} bot`,
      });
    }
    for (const name of [
      'ESAFETY_GRAPH_TENANT_ID',
      'ESAFETY_GRAPH_CLIENT_ID',
      'ESAFETY_GRAPH_CLIENT_SECRET',
    ] as const) {
      if (!env[name])
        ctx.addIssue({
          code: 'custom',
          path: [name],
          message: 'required when ESAFETY_MODE=azure (Microsoft Graph app registration)',
        });
    }
    if (!env.ESAFETY_PUBLIC_URL?.startsWith('https://')) {
      ctx.addIssue({
        code: 'custom',
        path: ['ESAFETY_PUBLIC_URL'],
        message: 'required when ESAFETY_MODE=azure: the Function App https URL Graph sends notifications to',
      });
    }
    if (!env.ESAFETY_GRAPH_CLIENT_STATE || env.ESAFETY_GRAPH_CLIENT_STATE === localOnlyClientState) {
      ctx.addIssue({
        code: 'custom',
        path: ['ESAFETY_GRAPH_CLIENT_STATE'],
        message:
          'required when ESAFETY_MODE=azure: a random secret (openssl rand -hex 32), not the local one',
      });
    }
    for (const name of ['ESAFETY_GRAPH_NOTIFICATION_CERT', 'ESAFETY_GRAPH_NOTIFICATION_KEY'] as const) {
      if (!env[name])
        ctx.addIssue({
          code: 'custom',
          path: [name],
          message:
            'required when ESAFETY_MODE=azure: the Graph notification certificate from Key Vault (PEM)',
        });
    }
    if (!env.ESAFETY_FIELD_KEY) {
      ctx.addIssue({
        code: 'custom',
        path: ['ESAFETY_FIELD_KEY'],
        message: 'required when ESAFETY_MODE=azure (Key Vault reference)',
      });
    } else if (isLocalOnlyKey(env.ESAFETY_FIELD_KEY)) {
      // By its bytes: the same key written without padding, or with other base64 noise, is the same key.
      ctx.addIssue({
        code: 'custom',
        path: ['ESAFETY_FIELD_KEY'],
        message: 'is the published local-only key; generate your own',
      });
    }
    if (env.ESAFETY_FIELD_KEYS_PREVIOUS.some(isLocalOnlyKey))
      ctx.addIssue({
        code: 'custom',
        path: ['ESAFETY_FIELD_KEYS_PREVIOUS'],
        message: 'lists the published local-only key: records under it are readable by anyone',
      });
  });

type Env = z.output<typeof envSchema>;

/**
 * Every setting the schema reads: the Bicep in infra/ may set only these and the Functions host's
 * own settings (test/unit/infra/infra-config.test.ts keeps the two in step).
 */
export const settingNames: readonly string[] = Object.freeze(Object.keys(envSchema.shape));

const identitySettings = [
  'ESAFETY_STORAGE__tableServiceUri',
  'ESAFETY_STORAGE__queueServiceUri',
  'ESAFETY_STORAGE__credential',
  'ESAFETY_STORAGE__clientId',
] as const;

/**
 * Storage takes one of two forms: a connection string, or an identity-based connection (both
 * service URLs; in Azure, `credential=managedidentity` and optionally a user-assigned identity's
 * client id). Settings: https://learn.microsoft.com/azure/azure-functions/functions-reference#common-properties-for-identity-based-connections
 */
function storageIssues(env: Env): [string, string][] {
  const issues: [string, string][] = [];
  const azure = env.ESAFETY_MODE === 'azure';
  const connectionString = env.ESAFETY_STORAGE_CONNECTION_STRING;
  if (identitySettings.some((name) => env[name] !== undefined)) {
    if (connectionString)
      issues.push([
        'ESAFETY_STORAGE_CONNECTION_STRING',
        'set either the connection string or the ESAFETY_STORAGE__* identity settings, not both',
      ]);
    for (const name of ['ESAFETY_STORAGE__tableServiceUri', 'ESAFETY_STORAGE__queueServiceUri'] as const) {
      const value = env[name];
      if (value === undefined) {
        issues.push([name, 'required with an identity-based storage connection (ESAFETY_STORAGE__*)']);
        continue;
      }
      if (!URL.canParse(value)) continue; // reported by its schema
      const url = new URL(value);
      const problem =
        endpointProblem(url, 'identity') ??
        (azure && isLoopback(url)
          ? 'points at this machine (a storage emulator), not an Azure account'
          : undefined);
      if (problem) issues.push([name, problem]);
    }
    if (!env.ESAFETY_STORAGE__credential && (azure || env.ESAFETY_STORAGE__clientId))
      issues.push([
        'ESAFETY_STORAGE__credential',
        `must be managedidentity ${azure ? 'when ESAFETY_MODE=azure' : 'when ESAFETY_STORAGE__clientId is set'}`,
      ]);
    return issues;
  }
  if (connectionString) {
    for (const service of ['table', 'queue'] as const) {
      let problem: string | undefined;
      try {
        problem = endpointProblem(connectionStringEndpoint(connectionString, service));
      } catch (err) {
        if (!isErrorCode(err, 'CONFIG_INVALID')) throw err;
        problem = err.message;
      }
      if (problem) issues.push(['ESAFETY_STORAGE_CONNECTION_STRING', `its ${service} endpoint ${problem}`]);
    }
    if (azure) {
      const problem = developmentStorage(connectionString);
      if (problem) issues.push(['ESAFETY_STORAGE_CONNECTION_STRING', problem]);
    }
  } else if (azure) {
    issues.push([
      'ESAFETY_STORAGE_CONNECTION_STRING',
      'required when ESAFETY_MODE=azure, unless the storage account is reached with a managed identity (ESAFETY_STORAGE__tableServiceUri, __queueServiceUri, __credential)',
    ]);
  }
  return issues;
}

/**
 * Whose keys the bot trusts for inbound tokens: the Bot Framework's own, always in Azure. Locally a
 * run with the token check on may trust the tenant simulator's simulated channel instead
 * (local/graph-simulator/simulated-bot-framework.ts) — on this machine only, and for an app id.
 */
function botIssuerIssues(env: Env): [string, string][] {
  const url = env.ESAFETY_BOT_OPENID_METADATA_URL;
  if (url === undefined || !URL.canParse(url)) return [];
  const problem =
    env.ESAFETY_MODE === 'azure'
      ? "is for the local tenant simulator only: in Azure the bot trusts the Bot Framework's own keys; remove it"
      : !isLoopback(new URL(url))
        ? 'must be a loopback address (the local tenant simulator): elsewhere the Bot Framework publishes its own keys'
        : env.ESAFETY_BOT_APP_ID === undefined
          ? 'needs ESAFETY_BOT_APP_ID (the audience the tokens are checked for)'
          : undefined;
  return problem ? [['ESAFETY_BOT_OPENID_METADATA_URL', problem]] : [];
}

/**
 * Azure AI Content Safety is on when its endpoint is set: with the resource's key, or else with a
 * Microsoft Entra identity (the Function App's managed identity; a user-assigned one by client id;
 * locally, your own sign-in). Tokens and keys go over https only; plain http is accepted only to a
 * loopback address in local mode with a key (a stand-in service on this machine).
 */
function contentSafetyIssues(env: Env): [string, string][] {
  const endpoint = env.ESAFETY_CONTENT_SAFETY_ENDPOINT;
  const key = env.ESAFETY_CONTENT_SAFETY_KEY;
  const clientId = env.ESAFETY_CONTENT_SAFETY_CLIENT_ID;
  if (endpoint === undefined)
    return key !== undefined || clientId !== undefined
      ? [
          [
            'ESAFETY_CONTENT_SAFETY_ENDPOINT',
            `required when ${key !== undefined ? 'ESAFETY_CONTENT_SAFETY_KEY' : 'ESAFETY_CONTENT_SAFETY_CLIENT_ID'} is set (without an endpoint Content Safety is off)`,
          ],
        ]
      : [];
  const issues: [string, string][] = [];
  if (key !== undefined && clientId !== undefined)
    issues.push([
      'ESAFETY_CONTENT_SAFETY_CLIENT_ID',
      'set either ESAFETY_CONTENT_SAFETY_KEY or a managed identity client id, not both',
    ]);
  if (!URL.canParse(endpoint)) return issues; // reported by its schema
  const url = new URL(endpoint);
  const problem =
    contentSafetyEndpointProblem(url) ??
    (url.protocol === 'http:' && (env.ESAFETY_MODE === 'azure' || key === undefined)
      ? 'must use https (http to a loopback address only in local mode with a key: tokens never go over http)'
      : undefined);
  if (problem) issues.push(['ESAFETY_CONTENT_SAFETY_ENDPOINT', problem]);
  // https://learn.microsoft.com/azure/ai-services/authentication#authenticate-with-microsoft-entra-id
  else if (key === undefined && /\.api\.cognitive\.microsoft\.com$/i.test(url.hostname))
    issues.push([
      'ESAFETY_CONTENT_SAFETY_ENDPOINT',
      "is a regional endpoint, which takes only a key: with a managed identity use the resource's own endpoint, https://<resource>.cognitiveservices.azure.com",
    ]);
  return issues;
}

/**
 * The `connection` the queue triggers are registered with (functions/index.ts): the app setting
 * that holds the connection string, or the prefix of the identity-based settings.
 */
export function queueTriggerConnection(storage: {
  readonly connection: StorageConnection;
}): 'ESAFETY_STORAGE' | 'ESAFETY_STORAGE_CONNECTION_STRING' {
  return storage.connection.kind === 'identity' ? 'ESAFETY_STORAGE' : 'ESAFETY_STORAGE_CONNECTION_STRING';
}

export interface AppConfig {
  readonly mode: 'local' | 'azure';
  readonly storage: { readonly connection: StorageConnection; readonly tablePrefix: string };
  readonly fieldKeys: { readonly current: Buffer; readonly previous: readonly Buffer[] };
  readonly policyPackPath: string;
  readonly bot: {
    readonly appId?: string;
    readonly appPassword?: string;
    readonly tenantId?: string;
    readonly appType: 'SingleTenant' | 'MultiTenant' | 'UserAssignedMSI';
    /** No Bot Framework token check: only when ESAFETY_MODE=local is set explicitly and no app id is. */
    readonly anonymous: boolean;
    /**
     * Local only: the simulated channel whose keys inbound tokens are checked against, and the
     * authority the bot's own tokens come from (the tenant simulator's).
     */
    readonly localChannel?: { readonly openIdMetadataUrl: string; readonly authorityHost: string };
  };
  /** Microsoft Graph (app-only); absent locally unless the tenant simulator is running. */
  readonly graph?: {
    readonly tenantId: string;
    readonly clientId: string;
    readonly clientSecret: string;
    readonly authorityHost: string;
    readonly graphBaseUrl: string;
  };
  /**
   * Microsoft Graph chat monitoring: present when Graph is configured and a notification
   * certificate is given (always in Azure mode; locally `npm start` makes one).
   */
  readonly monitoring?: {
    /** Where Graph reaches this app: `<publicUrl>/api/graph/notify` and `/api/graph/lifecycle`. */
    readonly publicUrl: string;
    readonly clientState: string;
    readonly certificatePem: string;
    readonly privateKeyPem: string;
  };
  /**
   * Azure AI Content Safety text analysis (the optional ML layer), in the college's own resource:
   * present only when ESAFETY_CONTENT_SAFETY_ENDPOINT is set. Local mode leaves it off.
   */
  readonly contentSafety?: ContentSafetySettings;
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  /** Application Insights, when telemetry is on (functions/telemetry.ts). */
  readonly telemetry?: { readonly connectionString: string };
  /** The local system's data folder (`npm start`), where the admin CLI finds local-runtime.json. */
  readonly local: { readonly dataDir: string };
}

/**
 * A work queue's name: the table prefix in lower case, then the queue's purpose
 * (`esafety-case-posts`, `esafety-graph-notifications`), so deployments sharing an account, and
 * test runs sharing an Azurite, never take each other's messages.
 */
export function queueName(
  storage: { readonly tablePrefix: string },
  purpose: 'case-posts' | 'graph-notifications',
): string {
  return `${storage.tablePrefix.toLowerCase()}-${purpose}`;
}

/** Validates the environment; a missing or malformed value stops start-up with its name. */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): AppConfig {
  // Empty strings (as in a copied local.settings.json) mean "not set".
  const present = Object.fromEntries(
    Object.entries(env).filter(
      ([k, v]) => (k.startsWith('ESAFETY_') || k === 'APPLICATIONINSIGHTS_CONNECTION_STRING') && v !== '',
    ),
  );
  // App Service leaves a Key Vault reference it cannot resolve as its literal text: say so, rather
  // than that the text is not a key (https://learn.microsoft.com/azure/app-service/app-service-key-vault-references).
  const unresolved = Object.entries(present)
    .filter(([, v]) => typeof v === 'string' && v.trim().startsWith('@Microsoft.KeyVault('))
    .map(([k]) => k);
  if (unresolved.length > 0)
    return fail(
      'CONFIG_INVALID',
      `Configuration is invalid:\n  ${unresolved
        .map(
          (k) =>
            `${k}: is a Key Vault reference the platform could not resolve: check the secret exists and the Function App's Key Vault reference identity has the Key Vault Secrets User role`,
        )
        .join('\n  ')}`,
      { variables: unresolved.join(',') },
    );
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'environment'}: ${i.message}`);
    return fail('CONFIG_INVALID', `Configuration is invalid:\n  ${problems.join('\n  ')}`, {
      variables: parsed.error.issues.map((i) => i.path.join('.')).join(','),
    });
  }
  const e = parsed.data;
  return Object.freeze({
    mode: e.ESAFETY_MODE,
    storage: Object.freeze({
      connection: Object.freeze(
        e.ESAFETY_STORAGE__tableServiceUri && e.ESAFETY_STORAGE__queueServiceUri
          ? {
              kind: 'identity' as const,
              tableServiceUri: e.ESAFETY_STORAGE__tableServiceUri,
              queueServiceUri: e.ESAFETY_STORAGE__queueServiceUri,
              ...(e.ESAFETY_STORAGE__clientId && { clientId: e.ESAFETY_STORAGE__clientId }),
            }
          : {
              kind: 'connectionString' as const,
              connectionString:
                e.ESAFETY_STORAGE_CONNECTION_STRING ??
                azuriteConnectionString(azuriteStandardPorts.table, azuriteStandardPorts.queue),
            },
      ),
      tablePrefix: e.ESAFETY_TABLE_PREFIX,
    }),
    fieldKeys: Object.freeze({
      current: Buffer.from(e.ESAFETY_FIELD_KEY ?? localOnlyFieldKey, 'base64'),
      previous: e.ESAFETY_FIELD_KEYS_PREVIOUS.map((k) => Buffer.from(k, 'base64')),
    }),
    policyPackPath: e.ESAFETY_POLICY_PACK,
    bot: Object.freeze({
      ...(e.ESAFETY_BOT_APP_ID !== undefined && { appId: e.ESAFETY_BOT_APP_ID }),
      ...(e.ESAFETY_BOT_APP_PASSWORD !== undefined && { appPassword: e.ESAFETY_BOT_APP_PASSWORD }),
      ...(e.ESAFETY_BOT_TENANT_ID !== undefined && { tenantId: e.ESAFETY_BOT_TENANT_ID }),
      appType: e.ESAFETY_BOT_APP_TYPE,
      anonymous: present['ESAFETY_MODE'] === 'local' && e.ESAFETY_BOT_APP_ID === undefined,
      ...(e.ESAFETY_BOT_OPENID_METADATA_URL !== undefined && {
        localChannel: Object.freeze({
          openIdMetadataUrl: e.ESAFETY_BOT_OPENID_METADATA_URL,
          authorityHost: e.ESAFETY_GRAPH_AUTHORITY_HOST,
        }),
      }),
    }),
    ...(e.ESAFETY_GRAPH_TENANT_ID && e.ESAFETY_GRAPH_CLIENT_ID && e.ESAFETY_GRAPH_CLIENT_SECRET
      ? {
          graph: Object.freeze({
            tenantId: e.ESAFETY_GRAPH_TENANT_ID,
            clientId: e.ESAFETY_GRAPH_CLIENT_ID,
            clientSecret: e.ESAFETY_GRAPH_CLIENT_SECRET,
            authorityHost: e.ESAFETY_GRAPH_AUTHORITY_HOST,
            graphBaseUrl: e.ESAFETY_GRAPH_BASE_URL,
          }),
        }
      : {}),
    ...(e.ESAFETY_GRAPH_TENANT_ID &&
    e.ESAFETY_GRAPH_CLIENT_ID &&
    e.ESAFETY_GRAPH_CLIENT_SECRET &&
    e.ESAFETY_GRAPH_NOTIFICATION_CERT &&
    e.ESAFETY_GRAPH_NOTIFICATION_KEY
      ? {
          monitoring: Object.freeze({
            publicUrl: e.ESAFETY_PUBLIC_URL ?? localDevHostUrl,
            clientState: e.ESAFETY_GRAPH_CLIENT_STATE ?? localOnlyClientState,
            certificatePem: e.ESAFETY_GRAPH_NOTIFICATION_CERT,
            privateKeyPem: e.ESAFETY_GRAPH_NOTIFICATION_KEY,
          }),
        }
      : {}),
    ...(e.ESAFETY_CONTENT_SAFETY_ENDPOINT && {
      contentSafety: Object.freeze({
        endpoint: e.ESAFETY_CONTENT_SAFETY_ENDPOINT,
        auth: Object.freeze(
          e.ESAFETY_CONTENT_SAFETY_KEY
            ? { kind: 'key' as const, key: e.ESAFETY_CONTENT_SAFETY_KEY }
            : {
                kind: 'identity' as const,
                ...(e.ESAFETY_CONTENT_SAFETY_CLIENT_ID && { clientId: e.ESAFETY_CONTENT_SAFETY_CLIENT_ID }),
              },
        ),
      }),
    }),
    logLevel: e.ESAFETY_LOG_LEVEL,
    ...(e.APPLICATIONINSIGHTS_CONNECTION_STRING !== undefined && {
      telemetry: Object.freeze({ connectionString: e.APPLICATIONINSIGHTS_CONNECTION_STRING }),
    }),
    local: Object.freeze({ dataDir: e.ESAFETY_LOCAL_DATA_DIR }),
  });
}
