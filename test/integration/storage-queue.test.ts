/**
 * A queue write with a deadline, against storage that accepts connections and never answers (as
 * an unreachable account looks): it fails STORAGE_UNAVAILABLE instead of waiting on the SDK's
 * retries, so the Graph webhook can answer 503 and Graph retries. (How fast is measured by
 * `npm run bench`, "webhook, storage not answering".)
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { storageClients } from '../../adapters/storage-clients';
import { StorageQueue } from '../../adapters/storage-queue';
import { isErrorCode } from '../../core/errors';
import { azuriteConnectionString } from '../../functions/config';
import { testClients, uniquePrefix } from '../support/fixtures';

let blackhole: Server;
const sockets = new Set<Socket>();
beforeAll(async () => {
  blackhole = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => blackhole.listen(0, '127.0.0.1', resolve));
});
afterAll(() => {
  for (const socket of sockets) socket.destroy();
  blackhole.close();
});

describe('a queue write with a deadline', () => {
  it('gives up with STORAGE_UNAVAILABLE when storage does not answer', async () => {
    const port = (blackhole.address() as AddressInfo).port;
    const clients = storageClients({
      kind: 'connectionString',
      connectionString: azuriteConnectionString(port, port),
    });
    const queue = new StorageQueue<{ n: number }>(clients.queue('outage', { retries: 'fast' }), {
      deadlineMs: 300,
    });
    const outcome = await queue.send({ n: 1 }).then(
      () => 'stored',
      (err: unknown) => (isErrorCode(err, 'STORAGE_UNAVAILABLE') ? 'unavailable' : String(err)),
    );
    expect(outcome).toBe('unavailable');
  });

  it('stores the message when storage answers in time', async () => {
    const name = `q${uniquePrefix().toLowerCase()}`;
    const client = testClients().queue(name, { retries: 'fast' });
    await new StorageQueue<{ n: number }>(client, { deadlineMs: 2_500 }).send({ n: 2 });
    const [peeked] = (await client.peekMessages()).peekedMessageItems;
    expect(JSON.parse(Buffer.from(peeked!.messageText, 'base64').toString('utf8'))).toEqual({ n: 2 });
  });
});
