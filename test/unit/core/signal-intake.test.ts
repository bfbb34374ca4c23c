import { CaseService, type OpenCaseInput } from '../../../core/cases/case-service';
import type { CaseState } from '../../../core/cases/case-state';
import type { Signal } from '../../../core/intake/signal';
import { SignalIntake, type Observation } from '../../../core/intake/signal-intake';
import { silentLogger } from '../../../core/logger';
import { defaultPack, dslA } from '../../support/fixtures';
import { MemoryCaseStore } from '../../support/memory-case-store';
import { MemorySignalLedger } from '../../support/memory-signal-ledger';

const monitor = { id: 'system:test-monitor', name: 'A monitoring source' };

function setup() {
  let now = Date.parse('2026-11-23T09:00:00Z');
  const clock = { now: () => new Date(now) };
  const store = new MemoryCaseStore();
  const followUps: { caseId: string; version: number }[] = [];
  const cases = new CaseService({
    store,
    pack: defaultPack,
    clock,
    log: silentLogger,
    onChange: (state: CaseState) => {
      followUps.push({ caseId: state.id, version: state.version });
      return Promise.resolve();
    },
  });
  const ledger = new MemorySignalLedger();
  const intake = new SignalIntake({ pack: defaultPack, cases, ledger, clock, log: silentLogger });
  return { intake, cases, store, ledger, followUps, advance: (ms: number) => (now += ms) };
}

const signal = (key: string, overrides: Partial<Signal> = {}): Signal => ({
  kind: 'phrase',
  category: 'cyberbullying',
  severity: 'medium',
  key,
  summary: `signal ${key}`,
  ...overrides,
});

function observation(origin: string, signals: Signal[], scope = 'scope-a'): Observation {
  return {
    actor: monitor,
    scope,
    origin,
    signals,
    opening: (lead): OpenCaseInput => ({
      source: 'chatSignal',
      subjectType: 'learner',
      under18: 'unknown',
      category: lead.category,
      severity: lead.severity,
      description: lead.summary,
      immediateRisk: false,
    }),
  };
}

describe('signal intake', () => {
  it('opens one case led by the most severe signal, with the others on its chronology, in one change', async () => {
    const { intake, cases, followUps } = setup();
    const outcome = await intake.receive(
      observation('m1', [
        signal('a'),
        signal('b', { category: 'grooming', severity: 'high' }),
        signal('c', { kind: 'dlp', category: 'data-breach' }),
      ]),
    );
    expect(outcome).toMatchObject({ outcome: 'opened', added: 3 });
    const [summary] = await cases.list();
    expect(summary).toMatchObject({ category: 'grooming', severity: 'high' });
    const events = await cases.chronology(summary!.id);
    expect(events.map((e) => e.type)).toEqual(['opened', 'signalAdded', 'signalAdded']);
    // One change to the case: one follow-up (one card post), showing all three events.
    expect(followUps).toEqual([{ caseId: summary!.id, version: 3 }]);
  });

  it('recognises signals seen before and writes nothing, not even a follow-up', async () => {
    const { intake, followUps } = setup();
    await intake.receive(observation('m1', [signal('a')]));
    followUps.length = 0;
    expect(await intake.receive(observation('m1', [signal('a')]))).toEqual({ outcome: 'seenBefore' });
    expect(followUps).toEqual([]);
  });

  it('loses nothing and repeats nothing when the ledger write failed after the case was written', async () => {
    const { intake, cases, ledger, store } = setup();
    const record = jest.spyOn(ledger, 'record').mockRejectedValueOnce(new Error('storage blip'));
    await expect(intake.receive(observation('m1', [signal('a'), signal('b')]))).rejects.toThrow(
      'storage blip',
    );
    record.mockRestore();
    // The queue retries the same observation: the case already holds both signals.
    expect(await intake.receive(observation('m1', [signal('a'), signal('b')]))).toMatchObject({
      outcome: 'joined',
      added: 0,
    });
    const all = await cases.list();
    expect(all).toHaveLength(1);
    expect(await store.events(all[0]!.id)).toHaveLength(2);
  });

  it('joins later signals in the same scope to the open case within the window, one follow-up each', async () => {
    const { intake, cases, followUps, advance } = setup();
    await intake.receive(observation('m1', [signal('a')]));
    advance(59 * 60_000);
    expect(await intake.receive(observation('m2', [signal('b'), signal('c')]))).toMatchObject({
      outcome: 'joined',
      added: 2,
    });
    expect(await cases.list()).toHaveLength(1);
    expect(followUps.map((f) => f.version)).toEqual([1, 3]);
  });

  it('opens a new case once the window has lapsed, or when a DSL closed the scope’s case', async () => {
    const { intake, cases, advance } = setup();
    const first = await intake.receive(observation('m1', [signal('a')]));
    advance(61 * 60_000);
    expect(await intake.receive(observation('m2', [signal('b')]))).toMatchObject({ outcome: 'opened' });
    const second = (await cases.list()).find((c) => first.outcome === 'opened' && c.id !== first.caseId)!;
    await cases.act(second.id, dslA, { kind: 'close', outcome: 'noFurtherAction' });
    expect(await intake.receive(observation('m3', [signal('c')]))).toMatchObject({ outcome: 'opened' });
    expect(await cases.list({ status: 'all' })).toHaveLength(3);
  });

  it('adds what a later version of an observed thing newly says to its own case, even after the window', async () => {
    const { intake, cases, advance } = setup();
    const first = await intake.receive(observation('m1', [signal('a')]));
    advance(5 * 60 * 60_000);
    expect(await intake.receive(observation('m1', [signal('a'), signal('b')]))).toEqual({
      outcome: 'joined',
      caseId: first.outcome === 'opened' ? first.caseId : '',
      added: 1,
    });
    expect(await cases.list({ status: 'all' })).toHaveLength(1);
  });

  it('leaves a closed case alone when a later version of its message says more', async () => {
    const { intake, cases } = setup();
    const first = await intake.receive(observation('m1', [signal('a')]));
    const caseId = first.outcome === 'opened' ? first.caseId : '';
    await cases.act(caseId, dslA, { kind: 'close', outcome: 'noFurtherAction' });
    expect(await intake.receive(observation('m1', [signal('a'), signal('b')]))).toEqual({
      outcome: 'caseClosed',
      caseId,
    });
    expect(await cases.chronology(caseId)).toHaveLength(2);
  });

  it('turns the same observation arriving five times at once into one case with each signal once', async () => {
    const { intake, cases, store } = setup();
    await Promise.all(
      Array.from({ length: 5 }, () => intake.receive(observation('m1', [signal('a'), signal('b')]))),
    );
    const all = await cases.list();
    expect(all).toHaveLength(1);
    expect((await store.events(all[0]!.id)).map((e) => e.type)).toEqual(['opened', 'signalAdded']);
    // The racing workers burnt no reference: the next case is the next number.
    expect(all[0]?.reference).toBe('ES-2026-0001');
    await intake.receive(observation('m2', [signal('c')], 'scope-b'));
    expect((await cases.list()).map((c) => c.reference).sort()).toEqual(['ES-2026-0001', 'ES-2026-0002']);
  });

  it('keeps scopes apart', async () => {
    const { intake, cases } = setup();
    await intake.receive(observation('m1', [signal('a')], 'scope-a'));
    await intake.receive(observation('m1', [signal('b')], 'scope-b'));
    expect(await cases.list()).toHaveLength(2);
  });
});
