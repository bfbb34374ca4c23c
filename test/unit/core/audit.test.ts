import { verifyAllCases } from '../../../core/cases/audit';
import { CaseService } from '../../../core/cases/case-service';
import { silentLogger } from '../../../core/logger';
import { MemoryCaseStore } from '../../support/memory-case-store';
import { defaultPack, dslA, report, staff, steppingClock } from '../../support/fixtures';

async function twoCases() {
  const store = new MemoryCaseStore();
  const cases = new CaseService({ store, pack: defaultPack, clock: steppingClock(), log: silentLogger });
  const a = await cases.open(report(), staff, 'a');
  const b = await cases.open(report(), staff, 'b');
  await cases.act(a.state.id, dslA, { kind: 'claim' });
  await cases.act(a.state.id, dslA, { kind: 'addNote', note: 'Spoke to the learner.' });
  return { store, a: a.state, b: b.state };
}

describe('audit verify', () => {
  it('passes untouched records', async () => {
    const { store } = await twoCases();
    expect(await verifyAllCases(store)).toEqual({ casesChecked: 2, eventsChecked: 4, findings: [] });
  });

  it('names the case and event whose content was edited', async () => {
    const { store, a } = await twoCases();
    const note = store.raw(a.id)?.events[2];
    if (note?.type !== 'noteAdded') throw new Error('fixture');
    note.narrative.note = 'Nothing happened.';
    expect((await verifyAllCases(store)).findings).toEqual([
      { caseId: a.id, reference: a.reference, seq: 3, reason: expect.stringContaining('edited') },
    ]);
  });

  it('names a case whose head was edited to disagree with its chronology', async () => {
    const { store, b } = await twoCases();
    const raw = store.raw(b.id);
    if (!raw) throw new Error('fixture');
    raw.head = { ...raw.head, severity: 'low' };
    expect((await verifyAllCases(store)).findings).toEqual([
      { caseId: b.id, reference: b.reference, reason: expect.stringContaining('head does not match') },
    ]);
  });
});
