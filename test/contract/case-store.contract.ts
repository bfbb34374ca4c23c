/**
 * The CaseStore contract. Every implementation — Azure Table Storage and the in-memory fake — runs
 * this same suite, so a unit test passing on the fake means the same thing on the real adapter.
 */
import {
  caseIdFor,
  genesisHash,
  sealEvent,
  type CaseEvent,
  type CaseEventBody,
} from '../../core/cases/case-events';
import { evolve, type CaseState } from '../../core/cases/case-state';
import type { CaseStore } from '../../core/cases/case-store';
import { EsafetyError } from '../../core/errors';
import { dslA, staff } from '../support/fixtures';

let counter = 0;

function opened(
  caseId: string,
  reference: string,
  subjectId?: string,
): { state: CaseState; event: CaseEvent } {
  const event = sealEvent({
    caseId,
    seq: 1,
    at: '2026-11-23T09:00:00.000Z',
    actorId: staff.id,
    actorName: 'Sam Staff',
    prevHash: genesisHash,
    type: 'opened',
    data: {
      reference,
      source: 'staffReport',
      route: 'dsl',
      area: 'contact',
      category: 'grooming',
      severity: 'high',
      subjectType: 'learner',
      ...(subjectId !== undefined && { subjectId }),
      under18: 'yes',
      immediateRisk: false,
      signalKey: 'k',
    },
    narrative: { description: 'A description that must survive the round trip.', subjectName: 'Lee Learner' },
  });
  return { state: evolve(undefined, event), event };
}

function next(state: CaseState, body: CaseEventBody): { state: CaseState; event: CaseEvent } {
  const event = sealEvent({
    caseId: state.id,
    seq: state.version + 1,
    at: `2026-11-23T09:${String(state.version).padStart(2, '0')}:00.000Z`,
    actorId: dslA.id,
    actorName: dslA.name,
    prevHash: state.lastHash,
    ...body,
  });
  return { state: evolve(state, event), event };
}

const note = (text: string): CaseEventBody => ({ type: 'noteAdded', data: {}, narrative: { note: text } });

export function describeCaseStoreContract(
  name: string,
  makeStore: () => Promise<CaseStore> | CaseStore,
  /** Loses a case's index row, as a worker stopped between writing the case and its index would. */
  loseIndexRow: (store: CaseStore, caseId: string) => Promise<void>,
): void {
  describe(`CaseStore contract: ${name}`, () => {
    let store: CaseStore;
    const newCase = (subjectId?: string) =>
      opened(
        caseIdFor(`contract-${name}-${++counter}-${Math.random()}`),
        `ES-2026-${String(counter).padStart(4, '0')}`,
        subjectId,
      );

    beforeEach(async () => {
      store = await makeStore();
    });

    it('returns what was created, narrative included', async () => {
      const { state, event } = newCase();
      const { created, snapshot } = await store.create(state, [event]);
      expect(created).toBe(true);
      expect(snapshot.token).not.toBe('');
      expect((await store.load(state.id))?.state).toEqual(state);
      expect(await store.events(state.id)).toEqual([event]);
    });

    it('creates a case with several first events in one write, in order', async () => {
      const opening = newCase();
      const second = next(opening.state, { type: 'noteAdded', data: {}, narrative: { note: 'first note' } });
      const third = next(second.state, { type: 'noteAdded', data: {}, narrative: { note: 'second note' } });
      const { created, snapshot } = await store.create(third.state, [
        opening.event,
        second.event,
        third.event,
      ]);
      expect(created).toBe(true);
      expect(snapshot.state.version).toBe(3);
      expect(await store.events(opening.state.id)).toEqual([opening.event, second.event, third.event]);
    });

    it('creates a case once: a second create with the same id returns the existing case', async () => {
      const first = newCase();
      await store.create(first.state, [first.event]);
      const again = await store.create(first.state, [first.event]);
      expect(again.created).toBe(false);
      expect(again.snapshot.state).toEqual(first.state);
      expect(await store.events(first.state.id)).toHaveLength(1);
    });

    it('appends events and replaces the head when the token is current', async () => {
      const c = newCase();
      const { snapshot } = await store.create(c.state, [c.event]);
      const n1 = next(c.state, note('first'));
      const after = await store.commit(c.state.id, snapshot.token, n1.state, [n1.event]);
      expect(after.token).not.toBe(snapshot.token);
      const n2 = next(n1.state, note('second'));
      await store.commit(c.state.id, after.token, n2.state, [n2.event]);
      expect((await store.events(c.state.id)).map((e) => e.seq)).toEqual([1, 2, 3]);
      expect((await store.load(c.state.id))?.state).toEqual(n2.state);
    });

    it("keeps every part of the head, a sharing case's question to the owner and the owner's answer included", async () => {
      const c = newCase();
      const { snapshot } = await store.create(c.state, [c.event]);
      const asked = next(c.state, { type: 'ownerAsked', data: {}, narrative: {} });
      const after = await store.commit(c.state.id, snapshot.token, asked.state, [asked.event]);
      expect((await store.load(c.state.id))?.state.owner).toEqual({ asked: true });
      const answered = next(asked.state, {
        type: 'ownerAnswered',
        data: { answer: 'needed' },
        narrative: { reason: 'The moderator needs it until Friday.' },
      });
      await store.commit(c.state.id, after.token, answered.state, [answered.event]);
      expect((await store.load(c.state.id))?.state).toEqual(answered.state);
      expect((await store.events(c.state.id)).at(-1)).toEqual(answered.event);
    });

    it('refuses a commit built on a stale head with CASE_CONFLICT and writes nothing', async () => {
      const c = newCase();
      const { snapshot } = await store.create(c.state, [c.event]);
      const winner = next(c.state, note('winner'));
      await store.commit(c.state.id, snapshot.token, winner.state, [winner.event]);
      const loser = next(c.state, note('loser'));
      const err = await store
        .commit(c.state.id, snapshot.token, loser.state, [loser.event])
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(EsafetyError);
      expect((err as EsafetyError).code).toBe('CASE_CONFLICT');
      const events = await store.events(c.state.id);
      expect(events.map((e) => e.type === 'noteAdded' && e.narrative.note)).toEqual([false, 'winner']);
      expect((await store.load(c.state.id))?.state).toEqual(winner.state);
    });

    it('returns nothing for a case that does not exist', async () => {
      expect(await store.load('c-missing')).toBeUndefined();
      expect(await store.events('c-missing')).toEqual([]);
    });

    it('allocates distinct, increasing references per year, even when asked concurrently', async () => {
      const refs = await Promise.all(
        Array.from({ length: 12 }, (_, i) => store.referenceFor(`c-${i}`, 2031)),
      );
      expect(new Set(refs).size).toBe(12);
      expect([...refs].sort()).toEqual(
        Array.from({ length: 12 }, (_, i) => `ES-2031-${String(i + 1).padStart(4, '0')}`),
      );
      expect(await store.referenceFor('c-next-year', 2032)).toBe('ES-2032-0001');
    });

    it('gives a case one reference however many workers race to open it, leaving no gap', async () => {
      const raced = await Promise.all(Array.from({ length: 6 }, () => store.referenceFor('c-raced', 2033)));
      expect(new Set(raced)).toEqual(new Set(['ES-2033-0001']));
      expect(await store.referenceFor('c-after', 2033)).toBe('ES-2033-0002');
    });

    it('purges a case for good, after writing its purge record, and a repeated purge is harmless', async () => {
      const opening = newCase('subject-purged');
      const noted = next(opening.state, { type: 'noteAdded', data: {}, narrative: { note: 'a note' } });
      await store.create(noted.state, [opening.event, noted.event]);
      const record = {
        caseId: opening.state.id,
        reference: opening.state.reference,
        category: 'grooming',
        route: 'dsl',
        openedAt: opening.state.openedAt,
        closedAt: '2026-11-23T10:00:00.000Z',
        purgedAt: '2037-12-01T02:30:00.000Z',
        keptMonths: 132,
        source: 'a source',
      };
      await store.purge(opening.state.id, record);
      expect(await store.load(opening.state.id)).toBeUndefined();
      expect(await store.events(opening.state.id)).toEqual([]);
      expect((await store.list({ status: 'all' })).map((c) => c.id)).not.toContain(opening.state.id);
      expect((await store.list({ subjectId: 'subject-purged' })).map((c) => c.id)).toEqual([]);
      expect(await store.allCaseIds()).not.toContain(opening.state.id);
      await store.purge(opening.state.id, record);
      expect((await store.purgeLog()).filter((r) => r.caseId === opening.state.id)).toEqual([record]);
      // The index repair never brings a purged case back.
      await store.repairIndexes();
      expect((await store.list({ status: 'all' })).map((c) => c.id)).not.toContain(opening.state.id);
    });

    it('finds a case by its reference', async () => {
      const c = newCase();
      await store.create(c.state, [c.event]);
      expect(await store.findIdByReference(c.state.reference)).toBe(c.state.id);
      expect(await store.findIdByReference('ES-1999-9999')).toBeUndefined();
    });

    it('lists active and closed cases, and cases per subject', async () => {
      const subject = `subject-${counter}-${Math.random()}`;
      const a = newCase(subject);
      const b = newCase();
      const { snapshot } = await store.create(a.state, [a.event]);
      await store.create(b.state, [b.event]);
      const closed = next(a.state, { type: 'closed', data: { outcome: 'noFurtherAction' }, narrative: {} });
      await store.commit(a.state.id, snapshot.token, closed.state, [closed.event]);

      const ids = async (filter: Parameters<CaseStore['list']>[0]) =>
        (await store.list(filter)).map((s) => s.id);
      expect(await ids({ status: 'active' })).toContain(b.state.id);
      expect(await ids({ status: 'active' })).not.toContain(a.state.id);
      expect(await ids({ status: 'closed' })).toEqual(expect.arrayContaining([a.state.id]));
      expect(await ids({ status: 'all' })).toEqual(expect.arrayContaining([a.state.id, b.state.id]));
      expect(await ids({ status: 'all', subjectId: subject })).toEqual([a.state.id]);
      const summary = (await store.list({ status: 'closed' })).find((s) => s.id === a.state.id);
      expect(summary).toMatchObject({
        reference: a.state.reference,
        status: 'closed',
        category: 'grooming',
        subjectId: subject,
      });
    });

    it('names every stored case and rebuilds its indexes from the events', async () => {
      const c = newCase();
      await store.create(c.state, [c.event]);
      expect(await store.allCaseIds()).toContain(c.state.id);
      const before = await store.list({ status: 'all' });
      expect(await store.rebuildIndexes()).toBe((await store.allCaseIds()).length);
      expect(await store.list({ status: 'all' })).toEqual(expect.arrayContaining(before));
    });

    it('repairs the index row of a case written without one, and leaves a sound index alone', async () => {
      const kept = newCase();
      const lost = newCase();
      await store.create(kept.state, [kept.event]);
      await store.create(lost.state, [lost.event]);
      await store.repairIndexes();
      expect(await store.repairIndexes()).toBe(0);

      await loseIndexRow(store, lost.state.id);
      const ids = async () => (await store.list({ status: 'all' })).map((s) => s.id);
      expect(await ids()).not.toContain(lost.state.id);
      expect(await store.repairIndexes()).toBe(1);
      expect(await ids()).toEqual(expect.arrayContaining([kept.state.id, lost.state.id]));
      expect(await store.repairIndexes()).toBe(0);
    });
  });
}
