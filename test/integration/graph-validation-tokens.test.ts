/**
 * Validation tokens against a real JWKS endpoint over HTTP (the identity platform's, played by a
 * loopback server), with tokens minted here: the good one passes, every kind of bad one is refused
 * naming why, and an unreachable key set is an upstream failure (retry), not a forgery.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type KeyLike } from 'jose';
import { graphNotificationPublisher, ValidationTokenVerifier } from '../../adapters/graph-validation-tokens';
import type { EsafetyError } from '../../core/errors';

const tenantId = '5a1e0000-0000-4000-8000-00000000c011';
const appId = '7e5a0000-0000-4000-8000-0000000000a1';
let server: Server;
let authorityHost: string;
let key: KeyLike;
let stranger: KeyLike;
let fetches = 0;

beforeAll(async () => {
  const pair = await generateKeyPair('RS256');
  key = pair.privateKey;
  stranger = (await generateKeyPair('RS256')).privateKey;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  server = createServer((req, res) => {
    fetches++;
    if (req.url === '/common/discovery/v2.0/keys')
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  authorityHost = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

function token(
  overrides: { aud?: string; iss?: string; azp?: string; exp?: string; signWith?: KeyLike } = {},
) {
  return new SignJWT({ azp: overrides.azp ?? graphNotificationPublisher, tid: tenantId })
    .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
    .setAudience(overrides.aud ?? appId)
    .setIssuer(overrides.iss ?? `https://sts.windows.net/${tenantId}/`)
    .setIssuedAt()
    .setExpirationTime(overrides.exp ?? '1h')
    .sign(overrides.signWith ?? key);
}

async function refusal(
  tokens: string[],
  verifier = new ValidationTokenVerifier({ appId, tenantId, authorityHost }),
) {
  try {
    await verifier.verifyAll(tokens);
  } catch (err) {
    const e = err as EsafetyError;
    const reason = e.details['reason'];
    return `${e.code}:${typeof reason === 'string' ? reason : ''}`;
  }
  return 'valid';
}

describe('validation tokens', () => {
  it('accepts tokens Graph would send, fetching the key set once', async () => {
    const verifier = new ValidationTokenVerifier({ appId, tenantId, authorityHost });
    const before = fetches;
    expect(await refusal([await token(), await token()], verifier)).toBe('valid');
    expect(await refusal([await token()], verifier)).toBe('valid');
    expect(fetches - before).toBe(1);
  });

  it.each([
    ['no tokens at all', () => Promise.resolve([]), 'noValidationTokens'],
    [
      'a token for another app',
      async () => [await token({ aud: 'another-app' })],
      'ERR_JWT_CLAIM_VALIDATION_FAILED',
    ],
    [
      'a token from another tenant',
      async () => [await token({ iss: 'https://sts.windows.net/other/' })],
      'ERR_JWT_CLAIM_VALIDATION_FAILED',
    ],
    ['a token not minted for Microsoft Graph', async () => [await token({ azp: 'some-other-app' })], 'azp'],
    ['an expired token', async () => [await token({ exp: '-1h' })], 'ERR_JWT_EXPIRED'],
    [
      'a token signed with an unpublished key',
      async () => [await token({ signWith: stranger })],
      'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
    ],
    [
      'one bad token among good ones',
      async () => [await token(), await token({ aud: 'x' })],
      'ERR_JWT_CLAIM_VALIDATION_FAILED',
    ],
    ['a token that is not a JWT', () => Promise.resolve(['not-a-jwt']), 'ERR_JWS_INVALID'],
  ])('refuses %s, naming why', async (_what, make, reason) => {
    expect(await refusal(await make())).toBe(`NOTIFICATION_UNAUTHENTIC:${reason}`);
  });

  it('treats an unreachable key set as an upstream failure to retry, not a forgery', async () => {
    const verifier = new ValidationTokenVerifier({ appId, tenantId, authorityHost: 'http://127.0.0.1:9' });
    expect(await refusal([await token()], verifier)).toBe('UPSTREAM_UNAVAILABLE:');
  });
});
