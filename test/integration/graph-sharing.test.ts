/**
 * The sharing watch through the real Graph SDK over HTTPS against the tenant simulator, with its
 * state in Table Storage (Azurite): shares made in the simulator as people make them, found by the
 * fast path (delta) and the audit sweep, one case per person, the watermark kept across a
 * restart, a forced 410 resynced without a duplicate, 429s waited out, a window over the record
 * limit split, and a permission removed.
 */
import type { Client } from '@microsoft/microsoft-graph-client';
import { createGraphClient } from '../../adapters/graph-gateway';
import { GraphDirectory } from '../../adapters/graph-directory';
import { GraphSharing } from '../../adapters/graph-sharing';
import { TableSharingState } from '../../adapters/table-sharing-state';
import { CaseService } from '../../core/cases/case-service';
import { SignalIntake } from '../../core/intake/signal-intake';
import { silentLogger } from '../../core/logger';
import type { PolicyPack } from '../../core/policy/policy-pack';
import { SharingWatch } from '../../core/sharing/sharing-watch';
import { httpsRequest } from '../../adapters/https-transport';
import {
  localGraphApp,
  startTenantSimulator,
  type RunningTenantSimulator,
} from '../../local/graph-simulator/tenant-simulator';
import { loadTenant } from '../../local/tenant';
import { defaultPack, repoRoot, testClients, uniquePrefix } from '../support/fixtures';
import { MemoryCaseStore } from '../support/memory-case-store';
import { MemorySignalLedger } from '../support/memory-signal-ledger';

const tenant = loadTenant(repoRoot);
const tariq = '55555555-5555-4555-8555-555555555555';
const sam = '11111111-1111-4111-8111-111111111111';
const records = 'b!learner-records';
const staffRoom = 'b!staff-room';
const plan = '01LR0000000000000000000002';
const attendance = '01LR0000000000000000000003';

let simulator: RunningTenantSimulator;
let graph: Client;
// A tenant of its own for each test: what one test shares is not in the next one's audit log.
beforeEach(async () => {
  simulator = await startTenantSimulator({ tenant, app: localGraphApp });
  graph = createGraphClient({
    tenantId: tenant.tenantId,
    clientId: localGraphApp.clientId,
    clientSecret: localGraphApp.clientSecret,
    authorityHost: simulator.url,
    graphBaseUrl: simulator.url,
    extraCa: simulator.ca,
  });
});
afterEach(() => simulator.stop());

async function control(path: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await httpsRequest(`${simulator.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json' },
    ...(body !== undefined && { body: JSON.stringify(body) }),
    ca: simulator.ca,
  });
  return JSON.parse(res.body) as Record<string, unknown>;
}

/** A person shares a file, as OneDrive would on their behalf. */
async function createLink(as: string, driveId: string, itemId: string, scope: string, type = 'view') {
  return (await graph
    .api(`/drives/${driveId}/items/${itemId}/createLink`)
    .version('v1.0')
    .header('x-simulator-user', as)
    .post({ type, scope })) as { id: string };
}

async function invite(as: string, driveId: string, itemId: string, email: string) {
  return (
    (await graph
      .api(`/drives/${driveId}/items/${itemId}/invite`)
      .version('v1.0')
      .header('x-simulator-user', as)
      .post({ recipients: [{ email }], roles: ['read'], requireSignIn: true })) as { value: { id: string }[] }
  ).value;
}

function setup(
  options: { pack?: PolicyPack; prefix?: string; store?: MemoryCaseStore; ledger?: MemorySignalLedger } = {},
) {
  const pack = options.pack ?? defaultPack;
  const clock = { now: () => new Date() };
  const store = options.store ?? new MemoryCaseStore();
  const ledger = options.ledger ?? new MemorySignalLedger();
  const cases = new CaseService({ store, pack, clock, log: silentLogger });
  const prefix = options.prefix ?? uniquePrefix();
  const state = new TableSharingState({ clients: testClients(), tablePrefix: prefix });
  const sharing = new GraphSharing(graph, { firstPollMs: 20, maxPollMs: 100 });
  const groups = [...new Set(Object.values(pack.roles).map((r) => r.groupId))];
  const watch = new SharingWatch({
    graph: sharing,
    state,
    intake: new SignalIntake({ pack, cases, ledger, clock, log: silentLogger }),
    ledger,
    directory: new GraphDirectory(graph, groups, silentLogger),
    pack,
    clock,
  });
  return { watch, state, store, ledger, sharing, cases, prefix };
}

describe('the sharing watch against the tenant simulator', () => {
  it('finds an Anyone link on a learner record through delta, and the sweep then finds the same share once', async () => {
    const { watch, store, state, cases } = setup();
    await watch.driveChanged(records, silentLogger); // the baseline
    const link = await createLink(tariq, records, plan, 'anonymous');
    const tally = await watch.driveChanged(records, silentLogger);
    expect(tally.risky).toBeGreaterThanOrEqual(1);
    const all = await store.list({ status: 'all' });
    expect(all).toHaveLength(1);
    const [only] = all;
    const opened = (await cases.chronology(only!.id))[0];
    expect(opened?.type === 'opened' && opened.narrative.description).toContain(
      'Learning support plan - Lola L.docx',
    );
    expect(opened?.type === 'opened' && opened.narrative.description).toContain('Anyone link');
    expect((await state.permissionsOf(only!.id)).map((p) => p.permissionId)).toContain(link.id);
    const before = (await store.load(only!.id))!.state.version;
    const swept = await watch.sweep(silentLogger);
    expect(swept.records).toBeGreaterThanOrEqual(1);
    expect(await store.list({ status: 'all' })).toHaveLength(1);
    expect((await store.load(only!.id))!.state.version).toBe(before);
  });

  it('opens nothing for an organisation link on an ordinary library or an invitation to a trusted partner', async () => {
    const partnerPack: PolicyPack = {
      ...defaultPack,
      sharing: { ...defaultPack.sharing, trustedDomains: ['partner-school.ac.uk'] },
    };
    const { watch, store } = setup({ pack: partnerPack });
    await createLink(sam, staffRoom, '01SR0000000000000000000001', 'organization');
    await invite(tariq, records, attendance, 'head.of.year@partner-school.ac.uk');
    const swept = await watch.sweep(silentLogger, { since: new Date(Date.now() - 60_000) });
    expect(swept.items).toBeGreaterThanOrEqual(2);
    expect(swept.dropped).toBeGreaterThanOrEqual(2);
    expect(await store.list({ status: 'all' })).toEqual([]);
  });

  it('names the outside domain of an invitation to another organisation', async () => {
    const { watch, store, cases } = setup();
    await invite(tariq, records, attendance, 'someone@gmail.com');
    await watch.sweep(silentLogger, { since: new Date(Date.now() - 60_000) });
    const [only] = await store.list({ status: 'all' });
    const opened = (await cases.chronology(only!.id))[0];
    expect(opened?.type === 'opened' && opened.narrative.description).toContain('gmail.com');
  });

  it('resyncs after a forced 410 without a missed or a duplicated case', async () => {
    const { watch, store } = setup();
    await watch.driveChanged(records, silentLogger);
    await control(`/_simulator/drives/${encodeURIComponent(records)}/resync`, {});
    const [made] = (
      (await control(`/_simulator/drives/${encodeURIComponent(records)}/items`, {
        names: [`Resync ${Date.now()}.docx`],
      })) as { value: { id: string }[] }
    ).value;
    await createLink(tariq, records, made!.id, 'anonymous');
    const tally = await watch.driveChanged(records, silentLogger);
    expect(tally.items).toBeGreaterThanOrEqual(1);
    const opened = await store.list({ status: 'all' });
    expect(opened).toHaveLength(1);
    // Again from the new link: nothing new.
    await watch.driveChanged(records, silentLogger);
    expect(await store.list({ status: 'all' })).toHaveLength(1);
  });

  it('keeps the watermark across a restart: shares made in between are found, none twice', async () => {
    const first = setup();
    await first.watch.sweep(silentLogger, { since: new Date(Date.now() - 1_000) });
    const [made] = (
      (await control(`/_simulator/drives/${encodeURIComponent(records)}/items`, {
        names: [`Between sweeps ${Date.now()}.docx`],
      })) as { value: { id: string }[] }
    ).value;
    await createLink(tariq, records, made!.id, 'anonymous');
    // "Restart": a new watch on the same state and the same case record.
    const again = setup({ prefix: first.prefix, store: first.store, ledger: first.ledger });
    const swept = await again.watch.sweep(silentLogger);
    expect(swept.risky).toBeGreaterThanOrEqual(1);
    expect(await first.store.list({ status: 'all' })).toHaveLength(1);
    await again.watch.sweep(silentLogger);
    expect(await first.store.list({ status: 'all' })).toHaveLength(1);
  });

  it('waits out 429s and splits a window over the record-count limit', async () => {
    const { watch } = setup();
    const from = new Date(Date.now() - 3_600_000);
    await control('/_simulator/audit/records', {
      count: 30,
      from: from.toISOString(),
      to: new Date(from.getTime() + 1_800_000).toISOString(),
    });
    await control('/_simulator/audit', { limit: 8, throttle: 2 });
    try {
      const swept = await watch.sweep(silentLogger, { since: from });
      expect(swept.records).toBeGreaterThanOrEqual(30);
      expect(swept.windows).toBeGreaterThan(4);
    } finally {
      await control('/_simulator/audit', { limit: 50_000, throttle: 0 });
    }
  });

  it('removes a permission, and a second removal finds it gone', async () => {
    const { sharing } = setup();
    const link = await createLink(tariq, records, plan, 'anonymous', 'edit');
    const ref = { driveId: records, itemId: plan, permissionId: link.id };
    expect(await sharing.removePermission(ref)).toBe('removed');
    const listed = (await control(
      `/_simulator/drives/${encodeURIComponent(records)}/items/${plan}/permissions`,
    )) as {
      value: { id: string }[];
    };
    expect(listed.value.map((p) => p.id)).not.toContain(link.id);
    expect(await sharing.removePermission(ref)).toBe('gone');
  });
});
