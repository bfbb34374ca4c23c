import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../../functions/config';

const validAzure = {
  ESAFETY_MODE: 'azure',
  ESAFETY_STORAGE_CONNECTION_STRING:
    'DefaultEndpointsProtocol=https;AccountName=college;AccountKey=abc;EndpointSuffix=core.windows.net',
  ESAFETY_FIELD_KEY: randomBytes(32).toString('base64'),
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
    expect(c.storage.connectionString).toContain('TableEndpoint=http://127.0.0.1:10002/devstoreaccount1');
    expect(c.fieldKeys.current).toHaveLength(32);
    expect(c.policyPackPath).toBe('policies/uk-fe-default.yaml');
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('accepts a complete Azure configuration', () => {
    expect(loadConfig(validAzure).mode).toBe('azure');
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
      { ...validAzure, ESAFETY_STORAGE_CONNECTION_STRING: loadConfig({}).storage.connectionString },
    ],
    ['ESAFETY_MODE', { ESAFETY_MODE: 'production' }],
    ['ESAFETY_TABLE_PREFIX', { ESAFETY_TABLE_PREFIX: 'bad-prefix!' }],
    ['ESAFETY_LOCAL_HOST_PORT', { ESAFETY_LOCAL_HOST_PORT: 'seventy' }],
  ])('stops start-up naming %s when it is missing or malformed', (name, env) => {
    expect(problem(env)).toContain(name);
  });

  it('ignores variables that are not its own', () => {
    expect(loadConfig({ PATH: '/bin', HOME: '/root' }).mode).toBe('local');
  });
});
