/**
 * Chaos, end to end over HTTP: outsiders message learners in forty chats while Microsoft Graph
 * throttles (429) and then fails (503) the app's reads, storage becomes unreachable for 30 seconds
 * (a proxy in front of Azurite holds every connection and answers nothing), and the queue worker
 * is killed mid-batch. Graph retries its deliveries as it does; the app's poison replay timer runs
 * as the host would run it. At the end every notification the webhook acknowledged is exactly one
 * case, nothing is left in a poison queue, and the audit chain verifies. The figures are printed.
 */
import { InvocationContext } from '@azure/functions';
import { QueueClient } from '@azure/storage-queue';
import { queueName } from '../../functions/config';
import {
  aad,
  casesForChat,
  createChat,
  scenarioContext,
  sendMessage,
  stranger,
  type ScenarioContext,
} from '../../local/scenarios/scenarios';
import type { Delivery } from '../../local/graph-simulator/simulated-subscriptions';
import { testStorage } from '../support/fixtures';
import { localCli, startStack, type LocalStack } from '../support/local-stack';
import { RecordingLogger } from '../support/recording-logger';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy';
import { waitFor } from '../support/wait-for';

const lee = '66666666-6666-4666-8666-666666666661';
const perWave = 10;
const waves = ['graph429', 'graph503', 'storageDown', 'workerKilled'] as const;

let stack: LocalStack;
let ctx: ScenarioContext;
let proxies: TcpProxy[] = [];
const log = new RecordingLogger();

/** The global Azurite's connection string, with its table and queue endpoints behind proxies. */
async function proxiedStorage(): Promise<string> {
  let connection = testStorage();
  for (const service of ['Table', 'Queue']) {
    const endpoint = new RegExp(`${service}Endpoint=http://127\\.0\\.0\\.1:(\\d+)/`).exec(connection);
    if (!endpoint) throw new Error(`no ${service} endpoint in the test storage string`);
    const proxy = await startTcpProxy({ host: '127.0.0.1', port: Number(endpoint[1]) });
    proxies.push(proxy);
    connection = connection.replace(endpoint[0], `${service}Endpoint=http://127.0.0.1:${proxy.port}/`);
  }
  return connection;
}

beforeAll(async () => {
  stack = await startStack({
    queues: true,
    routes: true,
    log,
    connectionString: await proxiedStorage(),
    visibilityTimeoutSeconds: 5,
  });
  ctx = scenarioContext(stack.graph, stack.simulator);
  await runTimer('graphSubscriptions');
}, 60_000);
afterAll(async () => {
  await stack.stop();
  await Promise.all(proxies.map((p) => p.close()));
  proxies = [];
});

async function runTimer(name: string) {
  const timer = stack.regs.timers.find((t) => t.name === name);
  if (!timer) throw new RangeError(`no timer ${name}`);
  await timer.handler(new InvocationContext({ functionName: name }));
}

const poisonCount = async (queue: 'graph-notifications' | 'case-posts') => {
  const poison = new QueueClient(testStorage(), `${queueName(stack.app.config.storage, queue)}-poison`);
  return (await poison.exists()) ? ((await poison.getProperties()).approximateMessagesCount ?? 0) : 0;
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Chat {
  readonly chatId: string;
  readonly outsider: string;
}

/** One chat per message, a learner and an outsider: each message is a notification and one case. */
async function chatsFor(name: string): Promise<Chat[]> {
  const chats: Chat[] = [];
  for (let i = 0; i < perWave; i++) {
    const outsider = `8:live:chaos-${name}-${i}`;
    chats.push({ chatId: await createChat(ctx, 'oneOnOne', [aad(lee), stranger(outsider, 'X')]), outsider });
  }
  return chats;
}

/** Each outsider writes once; resolves when Graph has made its first try at each notification. */
const sendAll = (chats: readonly Chat[]) =>
  Promise.all(
    chats.map((c) => sendMessage(ctx, c.chatId, c.outsider, '<p>are you alone? add me on snap</p>')),
  );

describe('chaos: throttling, Graph failing, storage unreachable, a worker killed', () => {
  it('turns every acknowledged notification into exactly one case, leaves no poison, and the audit verifies', async () => {
    const started = Date.now();
    const chatsByWave = new Map<(typeof waves)[number], Chat[]>();
    for (const name of waves) chatsByWave.set(name, await chatsFor(name));

    // 1. Graph throttles every read for 8 s, then fails them with 503 for 8 s.
    await ctx.control('/_simulator/outage', { seconds: 8, status: 429 });
    await sendAll(chatsByWave.get('graph429') ?? []);
    await sleep(8_000);
    await ctx.control('/_simulator/outage', { seconds: 8, status: 503 });
    await sendAll(chatsByWave.get('graph503') ?? []);
    await sleep(8_000);

    // 2. Storage unreachable for 30 s: the webhook answers 503 fast; Graph tries again later.
    for (const p of proxies) p.down();
    const down = Date.now();
    await sendAll(chatsByWave.get('storageDown') ?? []);
    await sleep(Math.max(0, 30_000 - (Date.now() - down)));
    for (const p of proxies) p.up();

    // 3. The worker killed with a batch in hand; a new one started (its messages reappear after 5 s).
    await sendAll(chatsByWave.get('workerKilled') ?? []);
    const graphQueue = new QueueClient(
      testStorage(),
      queueName(stack.app.config.storage, 'graph-notifications'),
    );
    const inFlightAtKill = await waitFor(async () => {
      const all = (await graphQueue.getProperties()).approximateMessagesCount ?? 0;
      const visible = (await graphQueue.peekMessages({ numberOfMessages: 32 })).peekedMessageItems.length;
      return all - visible > 0 && all - visible; // taken by the worker, not yet done
    }, "a batch in the worker's hands");
    stack.killQueues();
    await stack.startQueues();

    // Until everything is a case: the poison replay timer runs as the host runs it (every 15 min).
    const allChats = [...chatsByWave.values()].flat().map((c) => c.chatId);
    await waitFor(
      async () => {
        if ((await poisonCount('graph-notifications')) + (await poisonCount('case-posts')) > 0)
          await runTimer('poisonReplay');
        const counts = await Promise.all(allChats.map((c) => casesForChat(stack.app.cases, c)));
        return counts.every((cs) => cs.length >= 1);
      },
      'a case for every chat',
      240_000,
    );
    await sleep(6_000); // anything still reappearing after the kill has had its chance

    const deliveries = (await ctx.control('/_simulator/deliveries')) as unknown as { value: Delivery[] };
    const ours = deliveries.value.filter((d) => allChats.some((c) => JSON.stringify(d.body).includes(c)));
    const acknowledged = ours.filter((d) => d.status >= 200 && d.status < 300);
    const perChat = await Promise.all(allChats.map((c) => casesForChat(stack.app.cases, c)));
    const audit = await localCli(stack)('audit', 'verify', '--json');
    const figures = {
      notifications: allChats.length,
      acknowledged: acknowledged.length,
      webhookRefusals: ours.flatMap((d) => d.statuses).filter((s) => s >= 500 || s === 0).length,
      patientWaits: log.find({ event: 'queue.waiting' }).length,
      inFlightAtKill,
      poisoned: log.find({ event: 'queue.poisoned' }).length,
      replayed: log.find({ event: 'poison.replayed' }).length,
      cases: perChat.reduce((n, cs) => n + cs.length, 0),
      chatsWithOneCase: perChat.filter((cs) => cs.length === 1).length,
      seconds: Math.round((Date.now() - started) / 1000),
    };
    process.stdout.write(`chaos figures: ${JSON.stringify(figures)}\n`);

    expect(acknowledged).toHaveLength(allChats.length);
    expect(perChat.map((cs) => cs.length)).toEqual(allChats.map(() => 1));
    expect(await poisonCount('graph-notifications')).toBe(0);
    expect(await poisonCount('case-posts')).toBe(0);
    expect(audit.code).toBe(0);
    expect(JSON.parse(audit.out)).toMatchObject({ findings: [] });
    // The storage outage really was one: the webhook refused while it lasted, and Graph came back.
    expect(figures.webhookRefusals).toBeGreaterThan(0);
  }, 420_000);
});
