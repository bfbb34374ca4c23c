import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import type { InvocationContext } from '@azure/functions';
import { silentLogger } from '../../core/logger';
import { compose } from '../../functions/composition-root';
import { loadConfig } from '../../functions/config';
import { registrations, type HttpRegistration } from '../../functions/registrations';
import { startDevHost, type RunningDevHost } from '../../local/host/dev-host';
import { repoRoot, testStorage, uniquePrefix } from '../support/fixtures';
import { RecordingLogger } from '../support/recording-logger';

async function host(connectionString: string, prefix = uniquePrefix()): Promise<RunningDevHost> {
  const config = loadConfig({
    ESAFETY_STORAGE_CONNECTION_STRING: connectionString,
    ESAFETY_TABLE_PREFIX: prefix,
    ESAFETY_FIELD_KEY: randomBytes(32).toString('base64'),
  });
  const app = compose(config, { root: repoRoot, log: silentLogger });
  return startDevHost({ port: 0, registrations: registrations(app).http, log: silentLogger });
}

/** A port that accepts connections and never answers, as a storage account behind a dropped route. */
async function silentServer(): Promise<{ port: number; stop(): Promise<void> }> {
  const sockets: Socket[] = [];
  const server: Server = createServer((socket) => void sockets.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    stop: () =>
      new Promise<void>((resolve) => {
        sockets.forEach((s) => s.destroy());
        server.close(() => resolve());
      }),
  };
}

describe('dev host', () => {
  let running: { stop(): Promise<void> }[] = [];
  afterEach(async () => {
    await Promise.all(running.map((h) => h.stop()));
    running = [];
  });
  const start = async (cs: string, prefix = uniquePrefix()) => {
    const h = await host(cs, prefix);
    running.push(h);
    return h;
  };

  it('serves /api/health through the real function handler: the case table and both work queues, by name', async () => {
    const prefix = uniquePrefix();
    const h = await start(testStorage(), prefix);
    const res = await fetch(`${h.url}/api/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      status: 'ok',
      mode: 'local',
      policy: 'uk-fe-default',
      checks: {
        [`table:${prefix}cases`]: 'ok',
        [`queue:${prefix}-case-posts`]: 'ok',
        [`queue:${prefix}-graph-notifications`]: 'ok',
      },
    });
  });

  it('answers 503 at once naming the table check when Table Storage refuses connections', async () => {
    const prefix = uniquePrefix();
    const h = await start(
      testStorage().replace(/TableEndpoint=http:\/\/127\.0\.0\.1:\d+/, 'TableEndpoint=http://127.0.0.1:9'),
      prefix,
    );
    const started = Date.now();
    const res = await fetch(`${h.url}/api/health`);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({
      status: 'degraded',
      checks: { [`table:${prefix}cases`]: 'STORAGE_UNAVAILABLE', [`queue:${prefix}-case-posts`]: 'ok' },
    });
  });

  it('answers 503 within its deadline naming the queue checks when the queue endpoint never answers', async () => {
    const silent = await silentServer();
    running.push(silent);
    const prefix = uniquePrefix();
    const h = await start(
      testStorage().replace(
        /QueueEndpoint=http:\/\/127\.0\.0\.1:\d+/,
        `QueueEndpoint=http://127.0.0.1:${silent.port}`,
      ),
      prefix,
    );
    const started = Date.now();
    const res = await fetch(`${h.url}/api/health`);
    expect(Date.now() - started).toBeLessThan(4000);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({
      status: 'degraded',
      mode: 'local',
      policy: 'uk-fe-default',
      checks: {
        [`table:${prefix}cases`]: 'ok',
        [`queue:${prefix}-case-posts`]: 'STORAGE_UNAVAILABLE',
        [`queue:${prefix}-graph-notifications`]: 'STORAGE_UNAVAILABLE',
      },
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

  it('logs every line of an invocation with the invocation id the function was given', async () => {
    const log = new RecordingLogger();
    const seen: string[] = [];
    const failing: HttpRegistration = {
      name: 'failing',
      route: 'failing',
      methods: ['POST'],
      handler: (_req, ctx: InvocationContext) => {
        seen.push(ctx.invocationId);
        ctx.log('about to fail');
        return Promise.reject(new Error('boom'));
      },
    };
    const h = await startDevHost({ port: 0, registrations: [failing], log });
    running.push(h);
    for (let i = 0; i < 2; i++)
      expect((await fetch(`${h.url}/api/failing`, { method: 'POST' })).status).toBe(500);
    expect(seen).toHaveLength(2);
    expect(new Set(seen).size).toBe(2);
    for (const id of seen) {
      const lines = log.find({ invocationId: id });
      expect(lines.map((l) => l.message)).toEqual(['about to fail', 'function failed']);
    }
    expect(log.entries.every((e) => typeof e.fields['invocationId'] === 'string')).toBe(true);
  });
});
