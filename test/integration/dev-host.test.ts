import { randomBytes } from 'node:crypto';
import { silentLogger } from '../../core/logger';
import { compose } from '../../functions/composition-root';
import { loadConfig } from '../../functions/config';
import { registrations } from '../../functions/registrations';
import { startDevHost, type RunningDevHost } from '../../local/host/dev-host';
import { repoRoot, testStorage, uniquePrefix } from '../support/fixtures';

async function host(connectionString: string): Promise<RunningDevHost> {
  const config = loadConfig({
    ESAFETY_STORAGE_CONNECTION_STRING: connectionString,
    ESAFETY_TABLE_PREFIX: uniquePrefix(),
    ESAFETY_FIELD_KEY: randomBytes(32).toString('base64'),
  });
  const app = compose(config, { root: repoRoot, log: silentLogger });
  return startDevHost({ port: 0, registrations: registrations(app).http, log: silentLogger });
}

describe('dev host', () => {
  let running: RunningDevHost[] = [];
  afterEach(async () => {
    await Promise.all(running.map((h) => h.stop()));
    running = [];
  });
  const start = async (cs: string) => {
    const h = await host(cs);
    running.push(h);
    return h;
  };

  it('serves /api/health through the real function handler, with storage reachable', async () => {
    const h = await start(testStorage());
    const res = await fetch(`${h.url}/api/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      status: 'ok',
      mode: 'local',
      policy: 'uk-fe-default',
      checks: { storage: 'ok' },
    });
  });

  it('reports 503 and the error code when storage is unreachable', async () => {
    const h = await start(
      testStorage().replace(/TableEndpoint=http:\/\/127\.0\.0\.1:\d+/, 'TableEndpoint=http://127.0.0.1:9'),
    );
    const res = await fetch(`${h.url}/api/health`);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({
      status: 'degraded',
      checks: { storage: 'STORAGE_UNAVAILABLE' },
    });
  });

  it.each([
    ['GET', '/api/nothing-here', 404],
    ['GET', '/health', 404],
    ['DELETE', '/api/health', 405],
  ])('answers %s %s with %i', async (method, path, status) => {
    const h = await start(testStorage());
    const res = await fetch(`${h.url}${path}`, { method });
    expect(res.status).toBe(status);
    expect(await res.json()).toHaveProperty('error');
  });
});
