/** The bot endpoint is anonymous only when local mode is explicit; otherwise tokens are required. */
import { randomBytes } from 'node:crypto';
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
