import { HttpRequest, InvocationContext } from '@azure/functions';
import { fail } from '../../../core/errors';
import type { StorageCheck } from '../../../adapters/storage-clients';
import type { App } from '../../../functions/composition-root';
import { healthHandler } from '../../../functions/health';
import { RecordingLogger } from '../../support/recording-logger';

function app(healthChecks: StorageCheck[], log = new RecordingLogger()) {
  return {
    config: { mode: 'azure' },
    pack: { organisation: { id: 'college' } },
    log,
    healthChecks,
  } as unknown as App;
}

const get = () => new HttpRequest({ method: 'GET', url: 'http://127.0.0.1/api/health' });
const ok = (name: string): StorageCheck => ({ name, run: () => Promise.resolve() });
/** A check whose account never answers: it ends only when the deadline aborts it. */
const hanging = (name: string): StorageCheck => ({
  name,
  run: (signal) =>
    new Promise<void>((_resolve, reject) =>
      signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true }),
    ).catch(() => fail('STORAGE_UNAVAILABLE', `${name} did not answer.`)),
});

describe('/api/health', () => {
  it('answers 200 with every check by name when storage answers', async () => {
    const res = await healthHandler(app([ok('table:esafetycases'), ok('queue:esafety-case-posts')]))(
      get(),
      new InvocationContext(),
    );
    expect(res).toEqual({
      status: 200,
      jsonBody: {
        status: 'ok',
        mode: 'azure',
        policy: 'college',
        checks: { 'table:esafetycases': 'ok', 'queue:esafety-case-posts': 'ok' },
      },
    });
  });

  it('answers 503 within its deadline naming the check that did not answer, and logs it with the invocation id', async () => {
    const log = new RecordingLogger();
    const ctx = new InvocationContext({ invocationId: 'invocation-1', functionName: 'health' });
    const started = Date.now();
    const res = await healthHandler(
      app([ok('table:esafetycases'), hanging('queue:esafety-case-posts')], log),
      {
        deadlineMs: 100,
      },
    )(get(), ctx);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(res).toMatchObject({
      status: 503,
      jsonBody: {
        status: 'degraded',
        checks: { 'table:esafetycases': 'ok', 'queue:esafety-case-posts': 'STORAGE_UNAVAILABLE' },
      },
    });
    expect(log.entries.map((e) => e.fields)).toEqual([
      {
        component: 'health',
        invocationId: 'invocation-1',
        event: 'health.failed',
        check: 'queue:esafety-case-posts',
        code: 'STORAGE_UNAVAILABLE',
      },
    ]);
  });
});
