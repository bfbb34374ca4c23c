import { FieldCipher } from '../../adapters/field-cipher';
import { storageClients } from '../../adapters/storage-clients';
import { TableCaseStore } from '../../adapters/table-case-store';
import { verifyAllCases } from '../../core/cases/audit';
import { CaseService } from '../../core/cases/case-service';
import { verifyChain } from '../../core/cases/case-events';
import { silentLogger } from '../../core/logger';
import { describeCaseStoreContract } from '../contract/case-store.contract';
import {
  defaultPack,
  dslA,
  dslB,
  fieldKey,
  report,
  staff,
  steppingClock,
  testClients,
  testStorage,
  uniquePrefix,
} from '../support/fixtures';

function tableStore(prefix = uniquePrefix(), key = fieldKey()) {
  const store = new TableCaseStore({
    clients: testClients(),
    tablePrefix: prefix,
    cipher: new FieldCipher(key),
    log: silentLogger,
  });
  const cases = new CaseService({ store, pack: defaultPack, clock: steppingClock(), log: silentLogger });
  const raw = (table: string) => testClients().table(`${prefix}${table}`);
  return { store, cases, raw };
}

const stores = new WeakMap<object, ReturnType<typeof tableStore>>();
describeCaseStoreContract(
  'Azure Table Storage (Azurite)',
  () => {
    const made = tableStore();
    stores.set(made.store, made);
    return made.store;
  },
  async (store, caseId) => {
    await stores.get(store)?.raw('caseindex').deleteEntity('case', caseId);
  },
);

describe('TableCaseStore on Azurite', () => {
  it('stores no narrative text in clear: descriptions, names and notes are ciphertext', async () => {
    const { cases, raw } = tableStore();
    const { state } = await cases.open(
      report({
        subjectName: 'Zebedee Quartermain',
        description: 'Disclosed-XYZZY messages from an adult',
        actionsTaken: 'Reassured-PLUGH',
      }),
      { id: staff.id, name: 'Reporter Ravensworth' },
      'raw-read',
    );
    await cases.act(
      state.id,
      { id: dslA.id, name: 'Dsl Delacourt' },
      { kind: 'addNote', note: 'Note-FROTZ called parent' },
    );
    await cases.act(state.id, dslA, { kind: 'refer', agency: 'police', reference: 'CRIME-REF-4242' });
    const rows: unknown[] = [];
    for await (const e of raw('cases').listEntities()) rows.push(e);
    const dump = JSON.stringify(rows);
    expect(rows).toHaveLength(4); // head + 3 events
    for (const secret of ['Zebedee', 'XYZZY', 'PLUGH', 'Ravensworth', 'Delacourt', 'FROTZ', 'CRIME-REF']) {
      expect(dump).not.toContain(secret);
    }
    // Facts stay queryable.
    expect(dump).toContain('"category":"grooming"');
    expect(dump).toContain(state.reference);
  });

  it('records all 50 concurrent actions on one case: none lost, none duplicated, chain valid', async () => {
    const { cases, store } = tableStore();
    const { state } = await cases.open(report(), staff, 'fifty');
    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        cases.act(state.id, i % 2 ? dslA : dslB, { kind: 'addNote', note: `note ${i}` }),
      ),
    );
    const events = await store.events(state.id);
    expect(events).toHaveLength(51);
    const notes = events.flatMap((e) => (e.type === 'noteAdded' ? [e.narrative.note] : []));
    expect(new Set(notes).size).toBe(50);
    expect(verifyChain(state.id, events)).toBeUndefined();
    expect((await store.load(state.id))?.state.version).toBe(51);
    expect((await verifyAllCases(store)).findings).toEqual([]);
  });

  it('lets one of two simultaneous claims win and records one claim', async () => {
    const { cases, store } = tableStore();
    const { state } = await cases.open(report(), staff, 'race');
    const results = await Promise.allSettled([
      cases.act(state.id, dslA, { kind: 'claim' }),
      cases.act(state.id, dslB, { kind: 'claim' }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.find((r) => r.status === 'rejected')).toMatchObject({
      reason: { code: 'CASE_TRANSITION_REFUSED' },
    });
    expect((await store.events(state.id)).filter((e) => e.type === 'claimed')).toHaveLength(1);
  });

  it('opens one case when the same inbound signal is recorded twice, even concurrently', async () => {
    const { cases, store } = tableStore();
    const results = await Promise.all([1, 2, 3].map(() => cases.open(report(), staff, 'graph:chat-7:msg-1')));
    expect(new Set(results.map((r) => r.state.id)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(await store.allCaseIds()).toHaveLength(1);
  });

  describe('tamper evidence', () => {
    async function caseWithHistory() {
      const t = tableStore();
      const { state } = await t.cases.open(report(), staff, 'tamper');
      await t.cases.act(state.id, dslA, { kind: 'claim' });
      await t.cases.act(state.id, dslA, { kind: 'addNote', note: 'Original note.' });
      return { ...t, state };
    }

    it.each([
      ['a plain column', { at: '2020-01-01T00:00:00.000Z' }],
      ['the facts', { data: '{"agency":"police"}' }],
      ['the hash', { hash: '0'.repeat(64) }],
    ])('names the case and event when %s of an event is edited in storage', async (_what, edit) => {
      const { store, state, raw } = await caseWithHistory();
      await raw('cases').updateEntity({ partitionKey: state.id, rowKey: 'e0000000002', ...edit }, 'Merge');
      expect((await verifyAllCases(store)).findings).toEqual([
        { caseId: state.id, reference: state.reference, seq: 2, reason: expect.any(String) },
      ]);
    });

    it('names the event when its encrypted narrative is replaced with another row’s', async () => {
      const { store, state, raw } = await caseWithHistory();
      const table = raw('cases');
      const other = await table.getEntity<{ narrative: string }>(state.id, 'e0000000002');
      await table.updateEntity(
        { partitionKey: state.id, rowKey: 'e0000000003', narrative: other.narrative },
        'Merge',
      );
      expect((await verifyAllCases(store)).findings).toEqual([
        expect.objectContaining({
          caseId: state.id,
          seq: 3,
          reason: expect.stringContaining('authentication'),
        }),
      ]);
    });

    it('names the case when an event is deleted', async () => {
      const { store, state, raw } = await caseWithHistory();
      await raw('cases').deleteEntity(state.id, 'e0000000002');
      expect((await verifyAllCases(store)).findings).toEqual([
        expect.objectContaining({ caseId: state.id, seq: 2 }),
      ]);
    });
  });

  it('rebuilds a lost index entry from the events', async () => {
    const { cases, store, raw } = tableStore();
    const { state } = await cases.open(report(), staff, 'index');
    await cases.act(state.id, dslA, { kind: 'close', outcome: 'noFurtherAction' });
    await raw('caseindex').deleteEntity('case', state.id);
    await raw('caseindex').upsertEntity({
      partitionKey: 'case',
      rowKey: 'c-ghost',
      reference: 'ES-2026-9999',
    });
    expect(await store.findIdByReference(state.reference)).toBeUndefined();
    expect(await store.rebuildIndexes()).toBe(1);
    expect(await store.findIdByReference(state.reference)).toBe(state.id);
    expect(await store.findIdByReference('ES-2026-9999')).toBeUndefined();
    expect(await store.list({ status: 'closed' })).toEqual([
      expect.objectContaining({ id: state.id, status: 'closed' }),
    ]);
  });

  it('cannot read a case written under another field key', async () => {
    const prefix = uniquePrefix();
    const { cases } = tableStore(prefix);
    const { state } = await cases.open(report(), staff, 'key');
    await expect(tableStore(prefix).store.load(state.id)).rejects.toMatchObject({
      code: 'FIELD_DECRYPT_FAILED',
    });
  });

  it('reports STORAGE_UNAVAILABLE when Table Storage cannot be reached', async () => {
    const closed = testStorage().replace(
      /TableEndpoint=http:\/\/127\.0\.0\.1:\d+/,
      'TableEndpoint=http://127.0.0.1:9',
    );
    const store = new TableCaseStore({
      clients: storageClients({ kind: 'connectionString', connectionString: closed }),
      tablePrefix: uniquePrefix(),
      cipher: new FieldCipher(fieldKey()),
      log: silentLogger,
    });
    await expect(store.load('c1')).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE', kind: 'system' });
  }, 30_000);
});
