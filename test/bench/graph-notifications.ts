/**
 * The Graph notification pipeline, measured on the running stack: the dev host's webhook, Azurite
 * on disk (a temp folder), the tenant simulator for keys and chat members, the queue runner.
 *
 *   ack        notifications POSTed to /api/graph/notify at a steady rate (open loop: one every
 *              1000/rate ms, whatever the answers do), one notification per request, each with
 *              encrypted resource data and a validation token; latency from send to 202. A 202 is
 *              only sent after the queue stored the item; the queue's count is checked against
 *              the acks afterwards.
 *   process    the queued notifications drained by the queue trigger: signature check, RSA-OAEP
 *              key unwrap, AES decrypt, parse, members (cached per chat), detection, cases.
 *   rsa        this machine's RSA-2048 OAEP (SHA-1) private-key decrypt rate, single thread: the
 *              unavoidable cost per notification.
 *   outage     the webhook with its storage not answering: time to the 503 Graph retries on, and
 *              how many were acknowledged (each would be lost: it must be none).
 */
import {
  constants,
  privateDecrypt,
  publicEncrypt,
  randomBytes,
  X509Certificate,
  type KeyObject,
} from 'node:crypto';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { createGraphClient } from '../../adapters/graph-gateway';
import { storageClients } from '../../adapters/storage-clients';
import { notificationCertificate } from '../../adapters/graph-notification-crypto';
import { fail } from '../../core/errors';
import { silentLogger } from '../../core/logger';
import { compose } from '../../functions/composition-root';
import { azuriteConnectionString, loadConfig, queueName } from '../../functions/config';
import { registrations } from '../../functions/registrations';
import { startDevHost } from '../../local/host/dev-host';
import { encryptResource } from '../../local/graph-simulator/simulated-subscriptions';
import { startLocalSystem } from '../../local/local-system';
import { aad, casesForChat, createChat, scenarioContext } from '../../local/scenarios/scenarios';
import { percentile } from './percentile';

export interface GraphBenchRow {
  readonly name: string;
  readonly perSecond: string;
  readonly p50: string;
  readonly p99: string;
  readonly notes: string;
}

const lee = '66666666-6666-4666-8666-666666666661';
const tariq = '55555555-5555-4555-8555-555555555555';

export async function graphNotificationBench(
  root: string,
  options: { phases: { rate: number; perPost: number }[]; seconds: number },
): Promise<GraphBenchRow[]> {
  const rows: GraphBenchRow[] = [];
  // Count what the worker hands to the chat monitor: each acknowledged notification exactly once.
  let handled = 0;
  /** How long the chat monitor took per message, for ordinary and for flagged ones. */
  const quiet: number[] = [];
  const flagged: number[] = [];
  // Azurite on disk in its own process (a temporary folder), as npm start runs it.
  const system = await startLocalSystem({
    root,
    env: { ESAFETY_LOG_LEVEL: 'silent', ESAFETY_TABLE_PREFIX: `bench${randomBytes(3).toString('hex')}` },
    log: silentLogger,
    queueRunner: { pollMs: 20 },
    instrumentMonitor: (monitor) => ({
      handle: async (facts) => {
        handled++;
        const t = performance.now();
        const outcome = await monitor.handle(facts);
        (outcome.outcome === 'noSignal' ? quiet : flagged).push(performance.now() - t);
        return outcome;
      },
    }),
  });
  const { app, host, simulator, tenant } = system;
  const config = app.config;
  const pem = config.monitoring ?? fail('CONFIG_INVALID', 'the local system configures chat monitoring');
  const graph = createGraphClient({
    ...(config.graph ?? fail('CONFIG_INVALID', 'the local system configures Graph')),
    extraCa: simulator.ca,
  });
  const ctx = scenarioContext(graph, simulator);
  const { token } = (await ctx.control('/_simulator/validation-token')) as { token: string };
  const cert = notificationCertificate(pem.certificatePem, pem.privateKeyPem);

  // 20 tutor–learner chats: 1 message in 10 carries a safeguarding phrase.
  const chats: string[] = [];
  for (let i = 0; i < 20; i++) chats.push(await createChat(ctx, 'oneOnOne', [aad(tariq), aad(lee)]));
  let messageId = Date.now();
  const notification = (i: number) => {
    // Every chat gets one flagged message in each run of 200 (1 in 10 overall).
    const chatId = chats[i % chats.length] ?? '';
    const flagged = i % 200 < 20;
    const id = String(messageId++);
    const resource = {
      id,
      chatId,
      messageType: 'message',
      createdDateTime: new Date().toISOString(),
      from: {
        user: {
          id: tariq,
          displayName: 'Tariq Tutor',
          userIdentityType: 'aadUser',
          tenantId: tenant.tenantId,
        },
      },
      body: {
        contentType: 'html',
        content: flagged
          ? '<p>this is our little secret</p>'
          : '<p>Remember the coursework is due on Friday, well done today.</p>',
      },
    };
    const path = `chats('${chatId}')/messages('${id}')`;
    return {
      subscriptionId: 'bench',
      changeType: 'created',
      clientState: pem.clientState,
      tenantId: tenant.tenantId,
      resource: path,
      resourceData: { id, '@odata.type': '#Microsoft.Graph.chatMessage', '@odata.id': path },
      encryptedContent: encryptResource(cert.certificateBase64, cert.id, resource),
    };
  };
  const postBody = (items: object[]) => JSON.stringify({ value: items, validationTokens: [token] });

  const url = `${host.url}/api/graph/notify`;
  const send = async (body: string) => {
    const t = performance.now();
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    await res.arrayBuffer();
    return { ms: performance.now() - t, status: res.status };
  };
  // Warm up: key set fetched, connections open, queue created.
  let n = 0;
  for (let i = 0; i < 50; i++) await send(postBody([notification(n++)]));
  let acked = 50;

  for (const { rate, perPost } of options.phases) {
    const total = rate * options.seconds;
    const posts = Array.from({ length: total / perPost }, () =>
      postBody(Array.from({ length: perPost }, () => notification(n++))),
    );
    const postsPerSecond = rate / perPost;
    const started = performance.now();
    const results = await Promise.all(
      posts.map(async (body, i) => {
        const due = started + (i * 1000) / postsPerSecond;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        return send(body);
      }),
    );
    const elapsed = (performance.now() - started) / 1000;
    const ok = results.filter((r) => r.status === 202).length;
    acked += ok * perPost;
    const latencies = results.map((r) => r.ms).sort((x, y) => x - y);
    rows.push({
      name: `ack ${rate}/s, ${perPost} per POST, ${options.seconds} s`,
      perSecond: (total / elapsed).toFixed(0),
      p50: percentile(latencies, 50).toFixed(1),
      p99: percentile(latencies, 99).toFixed(1),
      notes: `${ok}/${posts.length} POSTs answered 202`,
    });
  }

  const clients = storageClients(config.storage.connection);
  const queue = clients.queue(queueName(config.storage, 'graph-notifications'));
  const queued = (await queue.getProperties()).approximateMessagesCount ?? 0;

  const started = performance.now();
  await system.startQueues([queue.name]);
  for (;;) {
    if ((await queue.getProperties()).approximateMessagesCount === 0) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const processSeconds = (performance.now() - started) / 1000;
  await system.stopQueues();
  rows.push({
    name: 'acknowledged, queued, processed',
    perSecond: '',
    p50: '',
    p99: '',
    notes: `${acked} acked in ${queued} queue messages; ${handled} processed${handled === acked ? ' (every ack durably queued, none lost or repeated)' : ' (MISMATCH)'}`,
  });
  let opened = 0;
  for (const chatId of chats) opened += (await casesForChat(app.cases, chatId)).length;
  const throughput = handled / processSeconds;
  rows.push({
    name: `process ${handled} notifications`,
    perSecond: throughput.toFixed(0),
    p50: '',
    p99: '',
    notes: `${processSeconds.toFixed(1)} s; 1 in 10 flagged, aggregated into ${opened} cases over ${chats.length} chats`,
  });
  for (const [name, list] of [
    ['  detection, ordinary message', quiet],
    ['  detection + case write, flagged', flagged],
  ] as const) {
    const sorted = [...list].sort((x, y) => x - y);
    rows.push({
      name,
      perSecond: '',
      p50: percentile(sorted, 50).toFixed(1),
      p99: percentile(sorted, 99).toFixed(1),
      notes: `${sorted.length} messages`,
    });
  }

  const rsa = rsaDecryptRate(cert.certificateBase64, cert.privateKey);
  rows.push({
    name: 'RSA-2048 OAEP decrypt (1 core)',
    perSecond: rsa.toFixed(0),
    p50: (1000 / rsa).toFixed(2),
    p99: '',
    notes: `pipeline throughput = ${((throughput / rsa) * 100).toFixed(1)}% of this rate`,
  });

  rows.push(...(await storageOutagePhase(root, system.env, pem.clientState)));
  await system.stop();
  return rows;
}

/**
 * The fault phase: the same webhook on an app whose storage does not answer (a port that accepts
 * connections and never replies, as an unreachable account looks from a Function App). Graph must
 * get a 503 well inside its ~3 s budget, and nothing may be acknowledged (an ack it could not store
 * would be lost).
 */
export async function storageOutagePhase(
  root: string,
  env: Readonly<Record<string, string>>,
  clientState: string,
  posts = 40,
): Promise<GraphBenchRow[]> {
  const sockets = new Set<Socket>();
  const blackhole = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => blackhole.listen(0, '127.0.0.1', resolve));
  const port = (blackhole.address() as AddressInfo).port;
  const app = compose(
    loadConfig({ ...env, ESAFETY_STORAGE_CONNECTION_STRING: azuriteConnectionString(port, port) }),
    { root, log: silentLogger },
  );
  const host = await startDevHost({ port: 0, registrations: registrations(app).http, log: silentLogger });
  const times: number[] = [];
  const statuses = new Map<number, number>();
  try {
    for (let i = 0; i < posts; i += 4) {
      await Promise.all(
        Array.from({ length: 4 }, async () => {
          const t = performance.now();
          const res = await fetch(`${host.url}/api/graph/notify`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({
              value: [
                {
                  subscriptionId: 'bench-outage',
                  changeType: 'created',
                  clientState,
                  resource: "chats('19:outage@unq.gbl.spaces')/messages('1')",
                },
              ],
            }),
          });
          await res.arrayBuffer();
          times.push(performance.now() - t);
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        }),
      );
    }
  } finally {
    await host.stop();
    for (const socket of sockets) socket.destroy();
    blackhole.close();
  }
  times.sort((a, b) => a - b);
  const acked = [...statuses]
    .filter(([status]) => status >= 200 && status < 300)
    .reduce((n, [, c]) => n + c, 0);
  return [
    {
      name: 'webhook, storage not answering',
      perSecond: '',
      p50: percentile(times, 50).toFixed(0),
      p99: percentile(times, 99).toFixed(0),
      notes: `${posts} posts: ${[...statuses].map(([status, n]) => `${n} × ${status}`).join(', ')}; acknowledged then lost: ${acked}`,
    },
  ];
}

function rsaDecryptRate(certificateBase64: string, key: KeyObject): number {
  const publicKey = new X509Certificate(Buffer.from(certificateBase64, 'base64')).publicKey;
  const options = { padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' };
  const wrapped = publicEncrypt({ key: publicKey, ...options }, randomBytes(32));
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < 1500) {
    privateDecrypt({ key, ...options }, wrapped);
    n++;
  }
  return n / ((performance.now() - start) / 1000);
}
