/**
 * `npm run bench`: figures for the case engine on real Azurite (in process, in memory, loopback).
 * Prints numbers; asserts nothing. Speed is measured here, never in tests (brief, non-negotiable 4).
 *
 *   open       cases opened one after another (allocate reference + one transaction + index)
 *   act        notes appended one after another to one case (read head + one transaction + index)
 *   contention 50 notes fired at one case at once: all must land; commits attempted vs. succeeded
 *   race       two DSLs claiming each of 50 cases at the same moment: exactly one winner each
 *   audit      every chain re-hashed and decrypted
 *
 * Then a class of 30 taking the induction quiz at once over HTTP (quizzes.ts), the sharing watch
 * (sharing.ts: share → case card through the fast path, a 10,000-record audit sweep), and the Graph
 * notification pipeline (graph-notifications.ts): webhook ack latency at steady
 * rates, processing throughput, and the machine's RSA-2048 decrypt rate in the same run.
 */
import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { FieldCipher } from '../../adapters/field-cipher';
import { loadPolicyFile } from '../../adapters/policy-files';
import { storageClients } from '../../adapters/storage-clients';
import { TableCaseStore } from '../../adapters/table-case-store';
import { verifyAllCases } from '../../core/cases/audit';
import { CaseService } from '../../core/cases/case-service';
import type { CaseStore } from '../../core/cases/case-store';
import { systemClock } from '../../core/clock';
import { silentLogger } from '../../core/logger';
import { startAzurite } from '../../local/storage/azurite';
import { detectionBench } from './detection';
import { graphNotificationBench } from './graph-notifications';
import { quizBench } from './quizzes';
import { sharingBench } from './sharing';
import { percentile } from './percentile';

const root = join(__dirname, '..', '..', '..');
const pack = loadPolicyFile(join(root, 'policies', 'uk-fe-default.yaml'));
const actor = { id: '11111111-1111-4111-8111-111111111111', name: 'Bench Staff' };

async function timed<T>(n: number, fn: (i: number) => Promise<T>) {
  const latencies: number[] = [];
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn(i);
    latencies.push(performance.now() - t);
  }
  const seconds = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  return { perSecond: n / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

/** Counts commit attempts, to show how much optimistic concurrency retried. */
function counting(store: CaseStore) {
  const counts = { attempts: 0 };
  const wrapped: CaseStore = Object.create(store) as CaseStore;
  wrapped.commit = (...args) => {
    counts.attempts++;
    return store.commit(...args);
  };
  return { store: wrapped, counts };
}

async function main() {
  const azurite = await startAzurite();
  const base = new TableCaseStore({
    clients: storageClients({ kind: 'connectionString', connectionString: azurite.connectionString }),
    tablePrefix: `bench${randomBytes(3).toString('hex')}`,
    cipher: new FieldCipher(randomBytes(32)),
    log: silentLogger,
  });
  const { store, counts } = counting(base);
  const cases = new CaseService({ store, pack, clock: systemClock, log: silentLogger });
  const input = {
    source: 'staffReport' as const,
    subjectType: 'learner' as const,
    subjectName: 'Bench Learner',
    under18: 'yes' as const,
    category: 'grooming',
    description: 'A benchmark description of about the length a member of staff writes in a report card.',
    immediateRisk: false,
  };
  const rows: string[][] = [];
  const fmt = (n: number, d = 0) => n.toFixed(d);

  const open = await timed(200, (i) => cases.open(input, actor, `bench-open-${i}`));
  rows.push(['open case (sequential, 200)', fmt(open.perSecond), fmt(open.p50, 1), fmt(open.p99, 1), '']);

  const target = (await cases.open(input, actor, 'bench-target')).state.id;
  const act = await timed(200, (i) => cases.act(target, actor, { kind: 'addNote', note: `note ${i}` }));
  rows.push(['add note (sequential, 200)', fmt(act.perSecond), fmt(act.p50, 1), fmt(act.p99, 1), '']);

  const hot = (await cases.open(input, actor, 'bench-hot')).state.id;
  counts.attempts = 0;
  let t = performance.now();
  await Promise.all(
    Array.from({ length: 50 }, (_, i) =>
      cases.act(hot, { id: `dsl-${i}` }, { kind: 'addNote', note: `n${i}` }),
    ),
  );
  const contentionMs = performance.now() - t;
  const landed = (await store.events(hot)).length - 1;
  rows.push([
    '50 notes at once on one case',
    fmt(50 / (contentionMs / 1000)),
    '',
    fmt(contentionMs, 0) + ' total',
    `${landed}/50 landed, ${counts.attempts} commits tried`,
  ]);

  const raced = await Promise.all(
    Array.from({ length: 50 }, (_, i) => cases.open(input, actor, `bench-race-${i}`)),
  );
  t = performance.now();
  let winners = 0;
  for (const { state } of raced) {
    const r = await Promise.allSettled([
      cases.act(state.id, { id: 'dsl-a' }, { kind: 'claim' }),
      cases.act(state.id, { id: 'dsl-b' }, { kind: 'claim' }),
    ]);
    if (r.filter((x) => x.status === 'fulfilled').length === 1) winners++;
  }
  const raceMs = performance.now() - t;
  rows.push([
    'two DSLs claim at once (50 cases)',
    fmt(50 / (raceMs / 1000)),
    fmt(raceMs / 50, 1),
    '',
    `${winners}/50 with exactly one winner`,
  ]);

  t = performance.now();
  const report = await verifyAllCases(store);
  const auditS = (performance.now() - t) / 1000;
  rows.push([
    'audit verify',
    fmt(report.eventsChecked / auditS) + ' ev/s',
    '',
    '',
    `${report.casesChecked} cases, ${report.eventsChecked} events, ${report.findings.length} findings`,
  ]);

  await azurite.stop();
  process.stdout.write(
    [
      `Node ${process.version}, ${cpus().length} cores`,
      table(['case engine on Azurite', 'per second', 'p50 ms', 'p99 ms', 'notes'], rows),
      '',
    ].join('\n'),
  );

  process.stdout.write(
    table(
      ['detection (whole library, one core)', 'per second', 'p50 ms', 'p99 ms', 'notes'],
      detectionBench(root, pack).map((r) => [r.name, r.perSecond, r.p50, r.p99, r.notes]),
    ) + '\n\n',
  );

  process.stdout.write(
    table(
      ['induction quiz over HTTP (Azurite on disk)', 'per second', 'p50 ms', 'p99 ms', 'notes'],
      (await quizBench(root)).map((r) => [r.name, r.perSecond, r.p50, r.p99, r.notes]),
    ) + '\n\n',
  );

  process.stdout.write(
    table(
      ['sharing watch (Azurite on disk, simulator over HTTPS)', 'per second', 'p50 ms', 'p99 ms', 'notes'],
      (await sharingBench(root)).map((r) => [r.name, r.perSecond, r.p50, r.p99, r.notes]),
    ) + '\n\n',
  );

  const graph = await graphNotificationBench(root, {
    phases: [
      { rate: 150, perPost: 1 },
      { rate: 500, perPost: 10 },
      { rate: 1000, perPost: 20 },
    ],
    seconds: 4,
  });
  process.stdout.write(
    table(
      ['Graph notifications (Azurite on disk)', 'per second', 'p50 ms', 'p99 ms', 'notes'],
      graph.map((r) => [r.name, r.perSecond, r.p50, r.p99, r.notes]),
    ) + '\n',
  );
}

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${String(err)}\n`);
  process.exit(1);
});
