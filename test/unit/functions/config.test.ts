import { randomBytes } from 'node:crypto';
import { azuriteConnectionString, loadConfig, queueTriggerConnection } from '../../../functions/config';

const validAzure = {
  ESAFETY_MODE: 'azure',
  ESAFETY_STORAGE_CONNECTION_STRING:
    'DefaultEndpointsProtocol=https;AccountName=college;AccountKey=abc;EndpointSuffix=core.windows.net',
  ESAFETY_FIELD_KEY: randomBytes(32).toString('base64'),
  ESAFETY_BOT_APP_ID: '3f0c0f3a-1b2c-4d5e-8f90-123456789abc',
  ESAFETY_BOT_APP_PASSWORD: 'from-key-vault',
  ESAFETY_BOT_TENANT_ID: '9a8b7c6d-1b2c-4d5e-8f90-123456789abc',
  ESAFETY_GRAPH_TENANT_ID: '9a8b7c6d-1b2c-4d5e-8f90-123456789abc',
  ESAFETY_GRAPH_CLIENT_ID: '4a8b7c6d-1b2c-4d5e-8f90-123456789abc',
  ESAFETY_GRAPH_CLIENT_SECRET: 'from-key-vault',
  ESAFETY_PUBLIC_URL: 'https://func-esafety.azurewebsites.net',
  ESAFETY_GRAPH_CLIENT_STATE: 'a3f9c2e1b7d84f60a1c5e9b2d7f3a8c4',
  ESAFETY_GRAPH_NOTIFICATION_CERT: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
  // Key Vault secrets are single-line: base64 of the PEM is accepted too.
  ESAFETY_GRAPH_NOTIFICATION_KEY: Buffer.from(
    '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n',
  ).toString('base64'),
};

function problem(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected the configuration to be refused');
}

describe('configuration', () => {
  it('runs locally against Azurite with nothing set', () => {
    const c = loadConfig({});
    expect(c.mode).toBe('local');
    expect(c.storage.connection).toEqual({
      kind: 'connectionString',
      connectionString: expect.stringContaining('TableEndpoint=http://127.0.0.1:10002/devstoreaccount1'),
    });
    expect(c.fieldKeys.current).toHaveLength(32);
    expect(c.policyPackPath).toBe('policies/uk-fe-default.yaml');
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('accepts a complete Azure configuration, with chat monitoring on', () => {
    const c = loadConfig(validAzure);
    expect(c.mode).toBe('azure');
    expect(c.monitoring?.publicUrl).toBe('https://func-esafety.azurewebsites.net');
    expect(c.monitoring?.privateKeyPem).toContain('-----BEGIN PRIVATE KEY-----');
  });

  it('leaves chat monitoring off locally until a notification certificate is given', () => {
    expect(loadConfig({}).monitoring).toBeUndefined();
  });

  it.each([
    ['ESAFETY_STORAGE_CONNECTION_STRING', { ...validAzure, ESAFETY_STORAGE_CONNECTION_STRING: '' }],
    ['ESAFETY_FIELD_KEY', { ...validAzure, ESAFETY_FIELD_KEY: '' }],
    ['ESAFETY_FIELD_KEY', { ...validAzure, ESAFETY_FIELD_KEY: 'dG9vLXNob3J0' }],
    [
      'ESAFETY_FIELD_KEY',
      { ...validAzure, ESAFETY_FIELD_KEY: loadConfig({}).fieldKeys.current.toString('base64') },
    ],
    [
      'ESAFETY_STORAGE_CONNECTION_STRING',
      { ...validAzure, ESAFETY_STORAGE_CONNECTION_STRING: azuriteConnectionString(10002, 10001) },
    ],
    ['ESAFETY_MODE', { ESAFETY_MODE: 'production' }],
    ['ESAFETY_BOT_APP_ID', { ...validAzure, ESAFETY_BOT_APP_ID: '' }],
    ['ESAFETY_BOT_APP_PASSWORD', { ...validAzure, ESAFETY_BOT_APP_PASSWORD: '' }],
    ['ESAFETY_BOT_TENANT_ID', { ...validAzure, ESAFETY_BOT_TENANT_ID: '' }],
    ['ESAFETY_BOT_APP_ID', { ESAFETY_BOT_APP_ID: 'my-bot' }],
    ['ESAFETY_GRAPH_CLIENT_SECRET', { ...validAzure, ESAFETY_GRAPH_CLIENT_SECRET: '' }],
    ['ESAFETY_GRAPH_BASE_URL', { ESAFETY_GRAPH_BASE_URL: 'http://graph.local' }],
    ['ESAFETY_TABLE_PREFIX', { ESAFETY_TABLE_PREFIX: 'bad-prefix!' }],
    ['ESAFETY_PUBLIC_URL', { ...validAzure, ESAFETY_PUBLIC_URL: '' }],
    ['ESAFETY_PUBLIC_URL', { ...validAzure, ESAFETY_PUBLIC_URL: 'http://func-esafety.azurewebsites.net' }],
    ['ESAFETY_GRAPH_CLIENT_STATE', { ...validAzure, ESAFETY_GRAPH_CLIENT_STATE: '' }],
    [
      'ESAFETY_GRAPH_CLIENT_STATE',
      { ...validAzure, ESAFETY_GRAPH_CLIENT_STATE: 'local-only-esafety-client-state' },
    ],
    ['ESAFETY_GRAPH_NOTIFICATION_CERT', { ...validAzure, ESAFETY_GRAPH_NOTIFICATION_CERT: '' }],
    ['ESAFETY_GRAPH_NOTIFICATION_CERT', { ...validAzure, ESAFETY_GRAPH_NOTIFICATION_CERT: 'not a pem' }],
    ['ESAFETY_GRAPH_NOTIFICATION_KEY', { ...validAzure, ESAFETY_GRAPH_NOTIFICATION_KEY: '' }],
  ])('stops start-up naming %s when it is missing or malformed', (name, env) => {
    expect(problem(env)).toContain(name);
  });

  describe('azure mode refuses what only a development machine should use', () => {
    const localKey = loadConfig({}).fieldKeys.current;
    const azuriteKey =
      'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
    it.each([
      [
        'the local key without base64 padding',
        'ESAFETY_FIELD_KEY',
        { ESAFETY_FIELD_KEY: localKey.toString('base64').replace(/=+$/, '') },
      ],
      [
        'the local key as base64url',
        'ESAFETY_FIELD_KEY',
        { ESAFETY_FIELD_KEY: localKey.toString('base64url') },
      ],
      [
        'the local key among the previous keys',
        'ESAFETY_FIELD_KEYS_PREVIOUS',
        {
          ESAFETY_FIELD_KEYS_PREVIOUS: `${randomBytes(32).toString('base64')},${localKey.toString('base64')}`,
        },
      ],
      [
        'UseDevelopmentStorage',
        'ESAFETY_STORAGE_CONNECTION_STRING',
        { ESAFETY_STORAGE_CONNECTION_STRING: 'UseDevelopmentStorage=true' },
      ],
      [
        'the emulator account in another case',
        'ESAFETY_STORAGE_CONNECTION_STRING',
        {
          ESAFETY_STORAGE_CONNECTION_STRING:
            'DefaultEndpointsProtocol=https;AccountName=DevStoreAccount1;AccountKey=abc;EndpointSuffix=core.windows.net',
        },
      ],
      [
        "the emulator's key under another account name",
        'ESAFETY_STORAGE_CONNECTION_STRING',
        {
          ESAFETY_STORAGE_CONNECTION_STRING: `DefaultEndpointsProtocol=https;AccountName=college;AccountKey=${azuriteKey};EndpointSuffix=core.windows.net`,
        },
      ],
      [
        'an https endpoint on this machine',
        'ESAFETY_STORAGE_CONNECTION_STRING',
        {
          ESAFETY_STORAGE_CONNECTION_STRING:
            'AccountName=college;AccountKey=abc;TableEndpoint=https://127.0.0.1:10002/college;QueueEndpoint=https://127.0.0.1:10001/college',
        },
      ],
      [
        "the local tenant simulator's Bot Framework keys",
        'ESAFETY_BOT_OPENID_METADATA_URL',
        { ESAFETY_BOT_OPENID_METADATA_URL: 'http://127.0.0.1:7990/v1/.well-known/openidconfiguration' },
      ],
    ])('%s, naming %s', (_what, name, env) => {
      expect(problem({ ...validAzure, ...env })).toContain(name);
    });

    it('refuses a managed-identity service URL on this machine', () => {
      const { ESAFETY_STORAGE_CONNECTION_STRING: _secret, ...rest } = validAzure;
      expect(
        problem({
          ...rest,
          ESAFETY_STORAGE__tableServiceUri: 'https://127.0.0.1:10002/college',
          ESAFETY_STORAGE__queueServiceUri: 'https://college.queue.core.windows.net',
          ESAFETY_STORAGE__credential: 'managedidentity',
        }),
      ).toContain('ESAFETY_STORAGE__tableServiceUri');
    });
  });

  it('names a Key Vault reference the platform left unresolved, instead of calling it malformed', () => {
    const reference = '@Microsoft.KeyVault(SecretUri=https://kv-esafety.vault.azure.net/secrets/field-key)';
    expect(problem({ ...validAzure, ESAFETY_FIELD_KEY: reference })).toMatch(
      /ESAFETY_FIELD_KEY: is a Key Vault reference the platform could not resolve/,
    );
  });

  describe("the local run with the bot's token check on", () => {
    const local = {
      ESAFETY_MODE: 'local',
      ESAFETY_BOT_APP_ID: '3f0c0f3a-1b2c-4d5e-8f90-123456789abc',
      ESAFETY_BOT_APP_PASSWORD: 'local',
      ESAFETY_BOT_TENANT_ID: '9a8b7c6d-1b2c-4d5e-8f90-123456789abc',
      ESAFETY_BOT_OPENID_METADATA_URL: 'http://127.0.0.1:7990/v1/.well-known/openidconfiguration',
    };

    it("trusts the local channel's keys, and is not anonymous", () => {
      const { bot } = loadConfig(local);
      expect(bot.anonymous).toBe(false);
      expect(bot.localChannel).toEqual({
        openIdMetadataUrl: local.ESAFETY_BOT_OPENID_METADATA_URL,
        authorityHost: 'https://login.microsoftonline.com',
      });
    });

    it.each([
      [
        'keys published anywhere but this machine',
        { ESAFETY_BOT_OPENID_METADATA_URL: 'https://keys.example.net/v1/.well-known/openidconfiguration' },
      ],
      ['no app id to check the audience for', { ESAFETY_BOT_APP_ID: '' }],
    ])('refuses %s, naming the setting', (_what, env) => {
      expect(problem({ ...local, ...env })).toContain('ESAFETY_BOT_OPENID_METADATA_URL');
    });
  });

  describe('storage by managed identity instead of a connection string', () => {
    const { ESAFETY_STORAGE_CONNECTION_STRING: _secret, ...azureWithoutStorage } = validAzure;
    const identity = {
      ...azureWithoutStorage,
      ESAFETY_STORAGE__tableServiceUri: 'https://college.table.core.windows.net',
      ESAFETY_STORAGE__queueServiceUri: 'https://college.queue.core.windows.net',
      ESAFETY_STORAGE__credential: 'managedidentity',
    };

    it('takes the service URLs and the system-assigned identity, and the queue triggers read the same settings', () => {
      const c = loadConfig(identity);
      expect(c.storage.connection).toEqual({
        kind: 'identity',
        tableServiceUri: 'https://college.table.core.windows.net',
        queueServiceUri: 'https://college.queue.core.windows.net',
      });
      expect(queueTriggerConnection(c.storage)).toBe('ESAFETY_STORAGE');
      expect(queueTriggerConnection(loadConfig(validAzure).storage)).toBe(
        'ESAFETY_STORAGE_CONNECTION_STRING',
      );
    });

    it('takes a user-assigned identity by its client id', () => {
      const clientId = '7d0b1c2a-3e4f-4a5b-8c6d-7e8f9a0b1c2d';
      expect(
        loadConfig({ ...identity, ESAFETY_STORAGE__clientId: clientId }).storage.connection,
      ).toMatchObject({
        kind: 'identity',
        clientId,
      });
    });

    it('lets local mode use a developer identity against https service URLs, Azurite on loopback included', () => {
      const c = loadConfig({
        ESAFETY_STORAGE__tableServiceUri: 'https://127.0.0.1:10002/devstoreaccount1',
        ESAFETY_STORAGE__queueServiceUri: 'https://localhost:10001/devstoreaccount1',
      });
      expect(c.storage.connection.kind).toBe('identity');
    });

    it.each([
      [
        'ESAFETY_STORAGE_CONNECTION_STRING',
        'both forms at once',
        { ...identity, ESAFETY_STORAGE_CONNECTION_STRING: validAzure.ESAFETY_STORAGE_CONNECTION_STRING },
      ],
      ['ESAFETY_STORAGE_CONNECTION_STRING', 'neither form in azure mode', azureWithoutStorage],
      [
        'ESAFETY_STORAGE__queueServiceUri',
        'one service URL missing',
        { ...identity, ESAFETY_STORAGE__queueServiceUri: '' },
      ],
      [
        'ESAFETY_STORAGE__tableServiceUri',
        'a service URL that is not a URL',
        { ...identity, ESAFETY_STORAGE__tableServiceUri: 'college' },
      ],
      [
        'ESAFETY_STORAGE__tableServiceUri',
        'http with an identity, even on loopback',
        { ...identity, ESAFETY_STORAGE__tableServiceUri: 'http://127.0.0.1:10002/devstoreaccount1' },
      ],
      [
        'ESAFETY_STORAGE__queueServiceUri',
        'http to another machine',
        {
          ESAFETY_STORAGE__tableServiceUri: 'https://127.0.0.1:10002/a',
          ESAFETY_STORAGE__queueServiceUri: 'http://college.queue.core.windows.net',
        },
      ],
      [
        'ESAFETY_STORAGE__credential',
        'no credential in azure mode',
        { ...identity, ESAFETY_STORAGE__credential: '' },
      ],
      [
        'ESAFETY_STORAGE__credential',
        'a credential other than managedidentity',
        { ...identity, ESAFETY_STORAGE__credential: 'clientsecret' },
      ],
      [
        'ESAFETY_STORAGE__credential',
        'a client id without credential=managedidentity',
        {
          ESAFETY_STORAGE__tableServiceUri: 'https://college.table.core.windows.net',
          ESAFETY_STORAGE__queueServiceUri: 'https://college.queue.core.windows.net',
          ESAFETY_STORAGE__clientId: '7d0b1c2a-3e4f-4a5b-8c6d-7e8f9a0b1c2d',
        },
      ],
      [
        'ESAFETY_STORAGE__clientId',
        'a client id that is not a GUID',
        { ...identity, ESAFETY_STORAGE__clientId: 'my-identity' },
      ],
      [
        'ESAFETY_STORAGE_CONNECTION_STRING',
        'a connection string to http on another machine',
        {
          ESAFETY_STORAGE_CONNECTION_STRING:
            'DefaultEndpointsProtocol=http;AccountName=college;AccountKey=abc',
        },
      ],
      [
        'ESAFETY_STORAGE_CONNECTION_STRING',
        'a connection string that names no endpoint',
        { ESAFETY_STORAGE_CONNECTION_STRING: 'AccountKey=abc' },
      ],
    ])('stops start-up naming %s for %s', (name, _case, env) => {
      expect(problem(env)).toContain(name);
    });

    it('never repeats the connection string (it holds the account key) in the message', () => {
      const message = problem({
        ESAFETY_STORAGE_CONNECTION_STRING:
          'DefaultEndpointsProtocol=http;AccountName=college;AccountKey=c2VjcmV0',
      });
      expect(message).not.toContain('c2VjcmV0');
    });
  });

  it('lets the bot endpoint run without Bot Framework tokens only when local mode is set explicitly', () => {
    expect(loadConfig({}).bot.anonymous).toBe(false);
    expect(loadConfig({ ESAFETY_MODE: 'local' }).bot.anonymous).toBe(true);
    expect(
      loadConfig({ ESAFETY_MODE: 'local', ESAFETY_BOT_APP_ID: validAzure.ESAFETY_BOT_APP_ID }).bot.anonymous,
    ).toBe(false);
    expect(loadConfig(validAzure).bot.anonymous).toBe(false);
  });

  it('ignores variables that are not its own', () => {
    expect(loadConfig({ PATH: '/bin', HOME: '/root' }).mode).toBe('local');
  });
});
