import { CaseService } from '../../../core/cases/case-service';
import { silentLogger } from '../../../core/logger';
import { describeCaseStoreContract } from '../../contract/case-store.contract';
import { defaultPack, report, staff, steppingClock } from '../../support/fixtures';
import { MemoryCaseStore } from '../../support/memory-case-store';

describeCaseStoreContract(
  'in-memory fake',
  () => new MemoryCaseStore(),
  (store, caseId) => (store as MemoryCaseStore).loseIndexRow(caseId),
);

describe('MemoryCaseStore index recovery', () => {
  it('finds a case again after its index entry is lost and the indexes are rebuilt', async () => {
    const store = new MemoryCaseStore();
    const cases = new CaseService({ store, pack: defaultPack, clock: steppingClock(), log: silentLogger });
    const { state } = await cases.open(report(), staff, 'k');
    store.dropIndexEntry(state.id);
    expect(await store.findIdByReference(state.reference)).toBeUndefined();
    await store.rebuildIndexes();
    expect(await store.findIdByReference(state.reference)).toBe(state.id);
  });
});
