/** The bot endpoint is anonymous only when local mode is explicit; otherwise tokens are required. */
import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { silentLogger } from '../../core/logger';
import { compose } from '../../functions/composition-root';
import { loadConfig } from '../../functions/config';
import { registrations } from '../../functions/registrations';
import { startDevHost, type RunningDevHost } from '../../local/host/dev-host';
import { repoRoot, testStorage, uniquePrefix } from '../support/fixtures';
import { message } from '../support/teams-activities';

const hosts: RunningDevHost[] = [];
afterAll(() => Promise.all(hosts.map((h) => h.stop())));

async function hostWith(env: Record<string, string>) {
  const config = loadConfig({
    ESAFETY_STORAGE_CONNECTION_STRING: testStorage(),
    ESAFETY_TABLE_PREFIX: uniquePrefix(),
    ESAFETY_FIELD_KEY: randomBytes(32).toString('base64'),
    ...env,
  });
  const app = compose(config, { root: repoRoot, log: silentLogger });
  const host = await startDevHost({ port: 0, registrations: registrations(app).http, log: silentLogger });
  hosts.push(host);
  return host;
}

const activity = message(
  { aadObjectId: '11111111-1111-4111-8111-111111111111', name: 'Sam Staff' },
  'http://127.0.0.1:9/',
  'report',
);
const send = (host: RunningDevHost, headers: Record<string, string> = {}) =>
  fetch(`${host.url}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(activity),
  });

describe('bot endpoint authentication', () => {
  it('refuses an activity without a Bot Framework token when an app id is configured', async () => {
    const host = await hostWith({
      ESAFETY_BOT_APP_ID: '3f0c0f3a-1b2c-4d5e-8f90-123456789abc',
      ESAFETY_BOT_APP_PASSWORD: 'not-used',
      ESAFETY_BOT_TENANT_ID: '9a8b7c6d-1b2c-4d5e-8f90-123456789abc',
    });
    expect((await send(host)).status).toBe(401);
  });

  it('tells a caller with a missing or forged token only that it was refused, never why', async () => {
    const host = await hostWith({
      ESAFETY_BOT_APP_ID: '3f0c0f3a-1b2c-4d5e-8f90-123456789abc',
      ESAFETY_BOT_APP_PASSWORD: 'not-used',
      ESAFETY_BOT_TENANT_ID: '9a8b7c6d-1b2c-4d5e-8f90-123456789abc',
    });
    const forged = [
      Buffer.from(JSON.stringify({ alg: 'RS256', kid: 'not-a-key', typ: 'JWT' })).toString('base64url'),
      Buffer.from(JSON.stringify({ iss: 'https://api.botframework.com', aud: 'someone-else' })).toString(
        'base64url',
      ),
      randomBytes(64).toString('base64url'),
    ].join('.');
    const attempts: Record<string, string>[] = [
      {},
      { authorization: `Bearer ${forged}` },
      { authorization: 'Basic eDp5' },
    ];
    for (const headers of attempts) {
      const res = await send(host, headers);
      const body = (await res.json()) as { error: string; message: string };
      // 401, or 503 when the token's signing keys could not even be fetched (no network here).
      expect([401, 503]).toContain(res.status);
      expect(body).toEqual(
        res.status === 401
          ? { error: 'NOT_AUTHENTICATED', message: 'The request is not authenticated.' }
          : {
              error: expect.any(String),
              message: expect.stringMatching(/^Something went wrong on our side/),
            },
      );
    }
  });

  it('answers 503, in fixed words, when the signing keys cannot be fetched in time', async () => {
    // A key server that accepts the connection and never answers: botbuilder's fetch has no deadline.
    const sockets = new Set<Socket>();
    const blackhole = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => blackhole.listen(0, '127.0.0.1', resolve));
    const port = (blackhole.address() as AddressInfo).port;
    try {
      const host = await hostWith({
        ESAFETY_MODE: 'local',
        ESAFETY_BOT_APP_ID: '3f0c0f3a-1b2c-4d5e-8f90-123456789abc',
        ESAFETY_BOT_APP_PASSWORD: 'not-used',
        ESAFETY_BOT_TENANT_ID: '9a8b7c6d-1b2c-4d5e-8f90-123456789abc',
        ESAFETY_BOT_OPENID_METADATA_URL: `http://127.0.0.1:${port}/v1/.well-known/openidconfiguration`,
      });
      const token = [
        Buffer.from(JSON.stringify({ alg: 'RS256', kid: 'k1', typ: 'JWT' })).toString('base64url'),
        Buffer.from(
          JSON.stringify({
            iss: 'https://api.botframework.com',
            aud: '3f0c0f3a-1b2c-4d5e-8f90-123456789abc',
          }),
        ).toString('base64url'),
        randomBytes(64).toString('base64url'),
      ].join('.');
      const res = await send(host, { authorization: `Bearer ${token}` });
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({
        error: 'UPSTREAM_UNAVAILABLE',
        message: expect.stringMatching(/^Something went wrong on our side/),
      });
      expect(sockets.size).toBeGreaterThan(0); // the keys were asked for, and never came
    } finally {
      sockets.forEach((s) => s.destroy());
      await new Promise((resolve) => blackhole.close(resolve));
    }
  });

  it('will not run anonymous unless ESAFETY_MODE=local is set explicitly, and names the missing setting', async () => {
    const host = await hostWith({});
    const res = await send(host);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({
      error: 'NOT_CONFIGURED',
      message: expect.stringContaining('ESAFETY_BOT_APP_ID'),
    });
  });
});
