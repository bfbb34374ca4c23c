import { loadConfig } from '../../../functions/config';

const endpoint = 'https://college-safety.cognitiveservices.azure.com';
const key = 'c0ffee00c0ffee00c0ffee00c0ffee00';
const clientId = '7d0b1c2a-3e4f-4a5b-8c6d-7e8f9a0b1c2d';

function problem(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected the configuration to be refused');
}

describe('Azure AI Content Safety settings', () => {
  it('leaves the layer off when no endpoint is set, in local mode as in Azure', () => {
    expect(loadConfig({}).contentSafety).toBeUndefined();
    expect(loadConfig({ ESAFETY_MODE: 'local', ESAFETY_CONTENT_SAFETY_ENDPOINT: '' }).contentSafety).toBe(
      undefined,
    );
  });

  it.each([
    ['the resource key', { ESAFETY_CONTENT_SAFETY_KEY: key }, { kind: 'key', key }],
    ['the system-assigned managed identity', {}, { kind: 'identity' }],
    [
      'a user-assigned managed identity',
      { ESAFETY_CONTENT_SAFETY_CLIENT_ID: clientId },
      { kind: 'identity', clientId },
    ],
    [
      'the system-assigned identity when the client id is left empty',
      { ESAFETY_CONTENT_SAFETY_CLIENT_ID: '' },
      { kind: 'identity' },
    ],
  ])('turns the layer on with an endpoint and %s', (_case, settings, auth) => {
    const c = loadConfig({ ESAFETY_CONTENT_SAFETY_ENDPOINT: endpoint, ...settings });
    expect(c.contentSafety).toEqual({ endpoint, auth });
    expect(Object.isFrozen(c.contentSafety)).toBe(true);
  });

  it.each([
    ['a trailing slash, as the portal shows it', `${endpoint}/`],
    ['a regional endpoint and a key', 'https://uksouth.api.cognitive.microsoft.com'],
  ])('accepts an endpoint with %s', (_case, url) => {
    const c = loadConfig({ ESAFETY_CONTENT_SAFETY_ENDPOINT: url, ESAFETY_CONTENT_SAFETY_KEY: key });
    expect(c.contentSafety?.endpoint).toBe(url);
  });

  it('accepts plain http to this machine only in local mode with a key (a stand-in service)', () => {
    const local = {
      ESAFETY_CONTENT_SAFETY_ENDPOINT: 'http://127.0.0.1:7444',
      ESAFETY_CONTENT_SAFETY_KEY: key,
    };
    expect(loadConfig(local).contentSafety?.auth).toEqual({ kind: 'key', key });
  });

  it.each([
    [
      'ESAFETY_CONTENT_SAFETY_ENDPOINT',
      'an endpoint that is not a URL',
      { ESAFETY_CONTENT_SAFETY_ENDPOINT: 'college-safety' },
    ],
    [
      'ESAFETY_CONTENT_SAFETY_ENDPOINT',
      'plain http to another machine',
      {
        ESAFETY_CONTENT_SAFETY_ENDPOINT: 'http://college-safety.cognitiveservices.azure.com',
        ESAFETY_CONTENT_SAFETY_KEY: key,
      },
    ],
    [
      'ESAFETY_CONTENT_SAFETY_ENDPOINT',
      'plain http to this machine with a managed identity (a token over http)',
      { ESAFETY_CONTENT_SAFETY_ENDPOINT: 'http://127.0.0.1:7444' },
    ],
    [
      'ESAFETY_CONTENT_SAFETY_ENDPOINT',
      'plain http to this machine in azure mode',
      {
        ESAFETY_MODE: 'azure',
        ESAFETY_CONTENT_SAFETY_ENDPOINT: 'http://127.0.0.1:7444',
        ESAFETY_CONTENT_SAFETY_KEY: key,
      },
    ],
    [
      'ESAFETY_CONTENT_SAFETY_ENDPOINT',
      'an endpoint with the API path pasted in',
      { ESAFETY_CONTENT_SAFETY_ENDPOINT: `${endpoint}/contentsafety/text:analyze?api-version=2024-09-01` },
    ],
    [
      'ESAFETY_CONTENT_SAFETY_ENDPOINT',
      'a regional endpoint with a managed identity (Entra tokens need the resource endpoint)',
      { ESAFETY_CONTENT_SAFETY_ENDPOINT: 'https://uksouth.api.cognitive.microsoft.com' },
    ],
    [
      'ESAFETY_CONTENT_SAFETY_ENDPOINT',
      'an ftp URL',
      { ESAFETY_CONTENT_SAFETY_ENDPOINT: 'ftp://college-safety.example' },
    ],
    ['ESAFETY_CONTENT_SAFETY_ENDPOINT', 'a key without an endpoint', { ESAFETY_CONTENT_SAFETY_KEY: key }],
    [
      'ESAFETY_CONTENT_SAFETY_ENDPOINT',
      'a client id without an endpoint',
      { ESAFETY_CONTENT_SAFETY_CLIENT_ID: clientId },
    ],
    [
      'ESAFETY_CONTENT_SAFETY_CLIENT_ID',
      'both a key and a client id',
      {
        ESAFETY_CONTENT_SAFETY_ENDPOINT: endpoint,
        ESAFETY_CONTENT_SAFETY_KEY: key,
        ESAFETY_CONTENT_SAFETY_CLIENT_ID: clientId,
      },
    ],
    [
      'ESAFETY_CONTENT_SAFETY_CLIENT_ID',
      'a client id that is not a GUID',
      { ESAFETY_CONTENT_SAFETY_ENDPOINT: endpoint, ESAFETY_CONTENT_SAFETY_CLIENT_ID: 'my-identity' },
    ],
    [
      'ESAFETY_CONTENT_SAFETY_KEY',
      'a key with spaces in it (a pasted sentence)',
      { ESAFETY_CONTENT_SAFETY_ENDPOINT: endpoint, ESAFETY_CONTENT_SAFETY_KEY: 'key one' },
    ],
  ])('stops start-up naming %s for %s', (name, _case, env) => {
    expect(problem(env)).toContain(name);
  });

  it('never repeats the key in the message', () => {
    const message = problem({
      ESAFETY_CONTENT_SAFETY_ENDPOINT: 'http://college-safety.cognitiveservices.azure.com',
      ESAFETY_CONTENT_SAFETY_KEY: key,
      ESAFETY_CONTENT_SAFETY_CLIENT_ID: clientId,
    });
    expect(message).toContain('ESAFETY_CONTENT_SAFETY_ENDPOINT');
    expect(message).not.toContain(key);
  });
});
