/**
 * Risky shares through the real signal intake (in-memory stores): one case per person sharing
 * within the pack's window — a folder of 200 files is one case, not 200 — the same permission seen
 * by the audit sweep and by `delta` recorded once, and the case opening with what a DSL needs.
 */
import { CaseService } from '../../../core/cases/case-service';
import { SignalIntake } from '../../../core/intake/signal-intake';
import { silentLogger } from '../../../core/logger';
import { sharingObservation } from '../../../core/sharing/sharing-intake';
import { evaluateSharing, type SharingSignal } from '../../../core/sharing/sharing-signal';
import { defaultPack } from '../../support/fixtures';
import { MemoryCaseStore } from '../../support/memory-case-store';
import { MemorySignalLedger } from '../../support/memory-signal-ledger';

const teacher = { id: '55555555-5555-4555-8555-555555555555', name: 'Tariq Tutor' };
const other = { id: '11111111-1111-4111-8111-111111111111', name: 'Sam Staff' };

function setup() {
  const now = Date.parse('2026-12-02T10:00:00Z');
  const clock = { now: () => new Date(now) };
  const store = new MemoryCaseStore();
  const cases = new CaseService({ store, pack: defaultPack, clock, log: silentLogger });
  const intake = new SignalIntake({
    pack: defaultPack,
    cases,
    ledger: new MemorySignalLedger(),
    clock,
    log: silentLogger,
  });
  const receive = (share: SharingSignal) => {
    const verdict = evaluateSharing(share, defaultPack.sharing, { ownerIsLearner: false });
    if (!verdict.risky) throw new Error('expected a risky share');
    return intake.receive(
      sharingObservation(share, verdict.findings, verdict.externalDomains, { type: 'staff' }),
    );
  };
  return { receive, cases };
}

const anyone = (n: number, by = teacher, source: SharingSignal['source'] = 'delta'): SharingSignal => ({
  driveId: 'b!records',
  itemId: `item-${n}`,
  permissionId: `perm-${n}`,
  source,
  link: { scope: 'anonymous', type: 'view' },
  roles: ['read'],
  grantees: [],
  sharedBy: by,
  sharedAt: '2026-12-02T09:59:00.000Z',
  site: { name: 'Learner Records', url: 'https://example.sharepoint.com/sites/LearnerRecords' },
  library: 'Documents',
  itemName: `Learner ${n} support plan.docx`,
  itemUrl: `https://example.sharepoint.com/sites/LearnerRecords/Documents/item-${n}`,
});

describe('risky shares into cases', () => {
  it('makes one case of a folder of 200 files shared by one person, every share on it', async () => {
    const { receive, cases } = setup();
    const outcomes = [];
    for (let n = 0; n < 200; n++) outcomes.push(await receive(anyone(n)));
    const ids = new Set(outcomes.map((o) => ('caseId' in o ? o.caseId : '')));
    expect(ids.size).toBe(1);
    expect(outcomes[0]).toMatchObject({ outcome: 'opened' });
    expect(outcomes.slice(1).every((o) => o.outcome === 'joined')).toBe(true);
    const [caseId] = [...ids];
    const state = await cases.get(caseId ?? '');
    expect(state).toMatchObject({
      source: 'sharingSignal',
      category: 'data-breach',
      severity: 'high',
      subjectType: 'staff',
      subjectPart: 'acted',
    });
    // 200 shares, each an Anyone link without expiry: two signals each.
    const signals = (await cases.chronology(caseId ?? '')).filter(
      (e) => e.type === 'signalAdded' || e.type === 'opened',
    );
    expect(signals.length).toBe(400);
  });

  it('records a permission seen by delta and then by the audit sweep once', async () => {
    const { receive } = setup();
    const first = await receive(anyone(1, teacher, 'delta'));
    const again = await receive(anyone(1, teacher, 'audit'));
    expect(first).toMatchObject({ outcome: 'opened' });
    expect(again).toEqual({ outcome: 'seenBefore' });
  });

  it('keeps two people’s shares apart, and opens with what the DSL needs to read', async () => {
    const { receive, cases } = setup();
    const a = await receive(anyone(1, teacher));
    const b = await receive(anyone(2, other));
    expect('caseId' in a && 'caseId' in b && a.caseId !== b.caseId).toBe(true);
    const state = await cases.get('caseId' in a ? a.caseId : '');
    expect(state?.narrative.summary).toContain('An Anyone link (view): whoever has it can open the file.');
    expect(state?.narrative.summary).toContain(
      '"Learner 1 support plan.docx" in Learner Records / Documents.',
    );
    expect(state?.narrative.subjectName).toBe('Tariq Tutor');
  });
});
