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
});
