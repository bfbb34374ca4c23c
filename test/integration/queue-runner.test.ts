/**
 * The local queue runner behaves as the Azure Functions host does with Storage queues: success
 * deletes, failure retries with the dequeue count, 5 failures move the message to `<queue>-poison`,
 * and a worker that dies mid-message loses nothing (the message reappears after its visibility timeout).
 */
import { randomBytes } from 'node:crypto';
import { QueueClient } from '@azure/storage-queue';
import { silentLogger, type Logger } from '../../core/logger';
import type { QueueRegistration } from '../../functions/registrations';
import { startQueueRunner } from '../../local/host/queue-runner';
import { testClients, testStorage } from '../support/fixtures';
import { RecordingLogger } from '../support/recording-logger';
import { waitFor } from '../support/wait-for';

const queueName = () => `q${randomBytes(6).toString('hex')}`;
const enqueue = async (name: string, body: unknown) => {
  const q = new QueueClient(testStorage(), name);
  await q.createIfNotExists();
  await q.sendMessage(Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)).toString('base64'));
};
const depth = async (name: string) => {
  const q = new QueueClient(testStorage(), name);
  if (!(await q.exists())) return 0;
  return (await q.getProperties()).approximateMessagesCount ?? 0;
};

function runner(registration: QueueRegistration, visibilityTimeoutSeconds = 30, log: Logger = silentLogger) {
  return startQueueRunner({
    clients: testClients(),
    registrations: [registration],
    log,
    pollMs: 20,
    visibilityTimeoutSeconds,
    retryDelaySeconds: () => 0,
  });
}

describe('local queue runner', () => {
  it('hands the handler the parsed message and deletes it on success', async () => {
    const name = queueName();
    const seen: unknown[] = [];
    const r = await runner({
      name: 'ok',
      queueName: name,
      handler: (m) => Promise.resolve(void seen.push(m)),
    });
    await enqueue(name, { kind: 'case.post', caseId: 'c1' });
    await waitFor(() => seen.length === 1, 'the message');
    await r.stop();
    expect(seen).toEqual([{ kind: 'case.post', caseId: 'c1' }]);
    expect(await depth(name)).toBe(0);
  });

  it('retries a failing message with a rising dequeue count until it succeeds', async () => {
    const name = queueName();
    const counts: number[] = [];
    const r = await runner({
      name: 'flaky',
      queueName: name,
      handler: (_m, ctx) => {
        counts.push(Number(ctx.triggerMetadata?.['dequeueCount']));
        return counts.length < 3 ? Promise.reject(new Error('transient')) : Promise.resolve();
      },
    });
    await enqueue(name, { n: 1 });
    await waitFor(() => counts.length === 3, 'three attempts');
    await r.stop();
    expect(counts).toEqual([1, 2, 3]);
    expect(await depth(name)).toBe(0);
    expect(await depth(`${name}-poison`)).toBe(0);
  });

  it('moves a message that fails 5 times to the poison queue, unchanged, logging each try with its invocation id', async () => {
    const name = queueName();
    const invocations: string[] = [];
    const log = new RecordingLogger();
    const r = await runner(
      {
        name: 'broken',
        queueName: name,
        handler: (_m, ctx) => {
          invocations.push(ctx.invocationId);
          return Promise.reject(new Error(`attempt ${invocations.length}`));
        },
      },
      30,
      log,
    );
    await enqueue(name, 'not json at all');
    await waitFor(async () => (await depth(`${name}-poison`)) === 1, 'the poison queue');
    await r.stop();
    expect(invocations).toHaveLength(5);
    expect(invocations.map((id) => log.find({ invocationId: id }).map((e) => e.fields['event']))).toEqual([
      ['queue.retry'],
      ['queue.retry'],
      ['queue.retry'],
      ['queue.retry'],
      ['queue.poisoned'],
    ]);
    expect(log.find({ event: 'queue.poisoned' })[0]?.fields).toMatchObject({ queue: name, dequeueCount: 5 });
    expect(await depth(name)).toBe(0);
    const { receivedMessageItems } = await new QueueClient(testStorage(), `${name}-poison`).receiveMessages();
    expect(Buffer.from(receivedMessageItems[0]?.messageText ?? '', 'base64').toString()).toBe(
      'not json at all',
    );
  });

  it('loses nothing when the worker dies mid-message: another worker takes it after the visibility timeout', async () => {
    const name = queueName();
    let started = false;
    const dying = await runner(
      {
        name: 'dies',
        queueName: name,
        handler: () => ((started = true), new Promise<void>(() => undefined)),
      },
      1,
    );
    await enqueue(name, { kind: 'case.post', caseId: 'c9' });
    await waitFor(() => started, 'the first worker to take the message');
    void dying.stop(); // the handler never finishes: as if the process were killed

    const handled: unknown[] = [];
    const second = await runner({
      name: 'takes-over',
      queueName: name,
      handler: (m) => Promise.resolve(void handled.push(m)),
    });
    await waitFor(() => handled.length === 1, 'the second worker to process it');
    await second.stop();
    expect(handled).toEqual([{ kind: 'case.post', caseId: 'c9' }]);
    expect(await depth(name)).toBe(0);
  });
});
