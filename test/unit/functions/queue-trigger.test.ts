import { InvocationContext } from '@azure/functions';
import { z } from 'zod';
import { fail } from '../../../core/errors';
import { queueTrigger } from '../../../functions/queue-trigger';
import { RecordingLogger } from '../../support/recording-logger';

const ctx = (dequeueCount: number) =>
  new InvocationContext({
    invocationId: `inv-${dequeueCount}`,
    functionName: 'q',
    triggerMetadata: { dequeueCount },
  });

function trigger(handle: (m: { n: number }) => Promise<void>) {
  const log = new RecordingLogger();
  const lastTries: string[] = [];
  const handler = queueTrigger({
    schema: z.object({ n: z.number() }),
    log,
    handle,
    onLastTry: (e) => Promise.resolve(void lastTries.push(e.code)),
  });
  return { handler, log, lastTries };
}

describe('the queue trigger skeleton', () => {
  it('hands a parsed message to the handler, from JSON text as the host may deliver it', async () => {
    const seen: number[] = [];
    const { handler } = trigger((m) => Promise.resolve(void seen.push(m.n)));
    await handler('{"n":1}', ctx(1));
    await handler({ n: 2 }, ctx(1));
    expect(seen).toEqual([1, 2]);
  });

  it('keeps a malformed message for the poison queue: logged and thrown, never silently completed', async () => {
    const { handler, log, lastTries } = trigger(() => Promise.resolve());
    await expect(handler('{"n":"one"}', ctx(1))).rejects.toMatchObject({ code: 'QUEUE_MESSAGE_MALFORMED' });
    expect(log.find({ event: 'queue.malformed', paths: 'n', invocationId: 'inv-1' })).toHaveLength(1);
    await expect(handler('not json', ctx(5))).rejects.toMatchObject({ code: 'QUEUE_MESSAGE_MALFORMED' });
    expect(lastTries).toEqual(['QUEUE_MESSAGE_MALFORMED']);
  });

  it('completes a message the handler refused as a user error (proven forged), logging why', async () => {
    const { handler, log } = trigger(() =>
      fail('NOTIFICATION_INVALID', 'tampered', { reason: 'dataSignature' }),
    );
    await expect(handler({ n: 1 }, ctx(1))).resolves.toBeUndefined();
    expect(
      log.find({ event: 'queue.dropped', code: 'NOTIFICATION_INVALID', reason: 'dataSignature' }),
    ).toHaveLength(1);
  });

  it('rethrows a system failure for the host to retry, and calls onLastTry only on the last try', async () => {
    const { handler, log, lastTries } = trigger(() => fail('UPSTREAM_UNAVAILABLE', 'graph down'));
    for (const n of [1, 2, 3, 4])
      await expect(handler({ n }, ctx(n))).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    expect(lastTries).toEqual([]);
    expect(log.find({ event: 'queue.retry' })).toHaveLength(4);
    await expect(handler({ n: 5 }, ctx(5))).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    expect(lastTries).toEqual(['UPSTREAM_UNAVAILABLE']);
    expect(log.find({ event: 'queue.lastTryFailed', invocationId: 'inv-5', dequeueCount: 5 })).toHaveLength(
      1,
    );
  });

  it('still rethrows the failure when telling someone fails too', async () => {
    const log = new RecordingLogger();
    const handler = queueTrigger({
      schema: z.object({ n: z.number() }),
      log,
      handle: () => fail('STORAGE_UNAVAILABLE', 'down'),
      onLastTry: () => fail('STORAGE_UNAVAILABLE', 'also down', { which: 'notice' }),
    });
    await expect(handler({ n: 1 }, ctx(5))).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
    expect(log.find({ event: 'queue.noticeFailed' })).toHaveLength(1);
  });

  describe('waiting out a failing dependency', () => {
    function patient(
      handle: () => Promise<void>,
      requeue = (_m: Record<string, unknown>, _d: number) => Promise.resolve(),
    ) {
      const log = new RecordingLogger();
      const queued: [Record<string, unknown>, number][] = [];
      const handler = queueTrigger({
        schema: z.object({ n: z.number() }),
        log,
        handle,
        requeue: async (m, d) => {
          await requeue(m, d);
          queued.push([m, d]);
        },
        delays: [30, 60],
      });
      return { handler, log, queued };
    }

    it('queues the message again with a growing delay, and completes this try, while Graph or storage is down', async () => {
      const { handler, log, queued } = patient(() => fail('UPSTREAM_UNAVAILABLE', 'graph down'));
      await expect(handler({ n: 1 }, ctx(1))).resolves.toBeUndefined();
      await expect(handler({ n: 1, patience: 1 }, ctx(1))).resolves.toBeUndefined();
      expect(queued).toEqual([
        [{ n: 1, patience: 1 }, 30],
        [{ n: 1, patience: 2 }, 60],
      ]);
      expect(log.find({ event: 'queue.waiting' }).map((e) => e.fields['patience'])).toEqual([1, 2]);
      // Patience spent: the host's retries, and in the end the poison queue.
      await expect(handler({ n: 1, patience: 2 }, ctx(1))).rejects.toMatchObject({
        code: 'UPSTREAM_UNAVAILABLE',
      });
      expect(queued).toHaveLength(2);
    });

    it('keeps the message (throws) when the copy cannot be queued', async () => {
      const { handler, queued } = patient(
        () => fail('STORAGE_UNAVAILABLE', 'down'),
        () => Promise.reject(new Error('queue down too')),
      );
      await expect(handler({ n: 1 }, ctx(1))).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
      expect(queued).toEqual([]);
    });

    it('does not wait out a failure that waiting cannot fix, nor a refusal', async () => {
      const bug = patient(() => fail('STORAGE_FAILED', 'a malformed row'));
      await expect(bug.handler({ n: 1 }, ctx(1))).rejects.toMatchObject({ code: 'STORAGE_FAILED' });
      const refused = patient(() => fail('NOTIFICATION_INVALID', 'tampered'));
      await expect(refused.handler({ n: 1 }, ctx(1))).resolves.toBeUndefined();
      expect([...bug.queued, ...refused.queued]).toEqual([]);
    });
  });
});
