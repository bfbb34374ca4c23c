/**
 * Replaying the poison queues on Azurite: a message the host gave up on goes back on its queue,
 * counted; a malformed one, and one replayed three times already, stay for an operator.
 */
import { QueueClient } from '@azure/storage-queue';
import { z } from 'zod';
import { poisonState, replayPoison } from '../../adapters/poison-queue';
import { testClients, testStorage, uniquePrefix } from '../support/fixtures';

const encode = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64');
const decode = (text: string) => JSON.parse(Buffer.from(text, 'base64').toString('utf8')) as unknown;

describe('the poison queues', () => {
  it('replays what can be replayed, once each, and keeps the rest', async () => {
    const queue = `q${uniquePrefix().toLowerCase()}`;
    const poison = new QueueClient(testStorage(), `${queue}-poison`);
    await poison.create();
    await poison.sendMessage(encode({ kind: 'case.post', caseId: 'c1', patience: 8 }));
    await poison.sendMessage(encode({ kind: 'case.post' })); // malformed: no case id
    await poison.sendMessage('not base64 json');
    await poison.sendMessage(encode({ kind: 'case.post', caseId: 'c2', replays: 3 }));
    const queues = [{ queue, schema: z.object({ kind: z.literal('case.post'), caseId: z.string() }) }];

    expect(await poisonState(testClients(), queues)).toEqual([
      { queue, waiting: 4, oldest: expect.any(String) },
    ]);
    expect(await replayPoison(testClients(), queues)).toEqual([{ queue, replayed: 1, kept: 3 }]);
    const { receivedMessageItems: back } = await new QueueClient(testStorage(), queue).receiveMessages({
      numberOfMessages: 32,
    });
    expect(back.map((m) => decode(m.messageText))).toEqual([
      { kind: 'case.post', caseId: 'c1', patience: 0, replays: 1 },
    ]);
    expect((await poison.getProperties()).approximateMessagesCount).toBe(3);
  });

  it('leaves a poison queue alone while what its messages need still does not answer', async () => {
    const queue = `q${uniquePrefix().toLowerCase()}`;
    const poison = new QueueClient(testStorage(), `${queue}-poison`);
    await poison.create();
    await poison.sendMessage(encode({ n: 1 }));
    const schema = z.object({ n: z.number() });
    for (const answering of [() => Promise.resolve(false), () => Promise.reject(new Error('Graph down'))])
      expect(await replayPoison(testClients(), [{ queue, schema, answering }])).toEqual([
        { queue, replayed: 0, kept: 0, waitingForDependency: true },
      ]);
    expect((await poison.getProperties()).approximateMessagesCount).toBe(1);
    expect(
      await replayPoison(testClients(), [{ queue, schema, answering: () => Promise.resolve(true) }]),
    ).toEqual([{ queue, replayed: 1, kept: 0 }]);
  });

  it('reports an empty state for a queue that never poisoned anything', async () => {
    const queue = `q${uniquePrefix().toLowerCase()}`;
    const queues = [{ queue, schema: z.object({}) }];
    expect(await poisonState(testClients(), queues)).toEqual([{ queue, waiting: 0 }]);
    expect(await replayPoison(testClients(), queues)).toEqual([{ queue, replayed: 0, kept: 0 }]);
  });
});
