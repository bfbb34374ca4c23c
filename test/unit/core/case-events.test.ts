import fc from 'fast-check';
import {
  genesisHash,
  hashEvent,
  sealEvent,
  verifyChain,
  type CaseEvent,
} from '../../../core/cases/case-events';
import { decide, evolve, fold, type CaseCommand, type CaseState } from '../../../core/cases/case-state';
import { EsafetyError } from '../../../core/errors';
import { defaultPack, dslA, dslB, staff } from '../../support/fixtures';

const commandArb: fc.Arbitrary<CaseCommand> = fc.oneof(
  fc.constant<CaseCommand>({ kind: 'claim' }),
  fc
    .constantFrom('low', 'medium', 'high', 'critical')
    .map((severity): CaseCommand => ({ kind: 'setSeverity', severity })),
  fc.string({ minLength: 1, maxLength: 40 }).map((note): CaseCommand => ({ kind: 'addNote', note })),
  fc.constantFrom('police', 'ceop', 'iwf', 'lado').map((agency): CaseCommand => ({ kind: 'refer', agency })),
  fc.constant<CaseCommand>({ kind: 'recordParentInformed', note: 'Spoke to carer.' }),
  fc
    .constantFrom('refer-tutor', 'inform-parent')
    .map((sanction): CaseCommand => ({ kind: 'recordSanction', sanction })),
  fc
    .constantFrom('resolvedInternally', 'noFurtherAction')
    .map((outcome): CaseCommand => ({ kind: 'close', outcome })),
  fc.constant<CaseCommand>({ kind: 'reopen' }),
);

/** Builds a chronology by applying commands, skipping refused ones, as the service does. */
function chronology(commands: readonly CaseCommand[]): CaseEvent[] {
  const first = sealEvent({
    caseId: 'c-prop',
    seq: 1,
    at: '2026-11-23T09:00:00.000Z',
    actorId: staff.id,
    prevHash: genesisHash,
    type: 'opened',
    data: {
      reference: 'ES-2026-0007',
      source: 'chatSignal',
      route: 'dsl',
      area: 'contact',
      category: 'grooming',
      severity: 'high',
      subjectType: 'learner',
      under18: 'yes',
      immediateRisk: false,
      signalKey: 'k',
    },
    narrative: { description: 'Opened by a test.' },
  });
  const events: CaseEvent[] = [first];
  let state: CaseState = evolve(undefined, first);
  commands.forEach((command, i) => {
    const actor = i % 2 ? dslA : dslB;
    let body;
    try {
      body = decide(state, command, actor, defaultPack);
    } catch (err) {
      if (
        err instanceof EsafetyError &&
        (err.code === 'CASE_TRANSITION_REFUSED' || err.code === 'CASE_CLOSED')
      )
        return;
      throw err;
    }
    const e = sealEvent({
      caseId: state.id,
      seq: state.version + 1,
      at: `2026-11-23T10:00:${String(i % 60).padStart(2, '0')}.000Z`,
      actorId: actor.id,
      prevHash: state.lastHash,
      ...body,
    });
    events.push(e);
    state = evolve(state, e);
  });
  return events;
}

describe('the case event chain', () => {
  it('verifies any chronology the rules can produce, and the fold agrees with the last event', () => {
    fc.assert(
      fc.property(fc.array(commandArb, { maxLength: 30 }), (commands) => {
        const events = chronology(commands);
        expect(verifyChain('c-prop', events)).toBeUndefined();
        const state = fold(events);
        expect(state?.version).toBe(events.length);
        expect(state?.lastHash).toBe(events.at(-1)?.hash);
        // Invariants: a closed case has an outcome; an in-progress case has an assignee.
        if (state?.status === 'closed') expect(state.outcome).toBeDefined();
        if (state?.status === 'inProgress') expect(state.assigneeId).toBeDefined();
      }),
    );
  });

  it('detects an edit to any field of any event, naming that event', () => {
    const tamperings: ((e: Record<string, any>) => void)[] = [
      (e) => (e['at'] = '2020-01-01T00:00:00.000Z'),
      (e) => (e['actorId'] = 'someone-else'),
      (e) => (e['actorName'] = 'Forged Name'),
      (e) => (e['data'] = { ...e['data'], injected: true }),
      (e) => (e['narrative'] = { ...e['narrative'], note: 'rewritten' }),
      (e) => (e['type'] = 'noteAdded'),
      (e) => (e['hash'] = 'f'.repeat(64)),
      (e) => (e['prevHash'] = 'e'.repeat(64)),
    ];
    fc.assert(
      fc.property(
        fc.array(commandArb, { minLength: 1, maxLength: 15 }),
        fc.nat(),
        fc.integer({ min: 0, max: tamperings.length - 1 }),
        (commands, which, how) => {
          const events = chronology(commands);
          const index = which % events.length;
          const copy = structuredClone(events) as Record<string, any>[];
          const before = JSON.stringify(copy[index]);
          tamperings[how]?.(copy[index] as Record<string, any>);
          fc.pre(JSON.stringify(copy[index]) !== before);
          expect(verifyChain('c-prop', copy as unknown as CaseEvent[])?.seq).toBe(index + 1);
        },
      ),
    );
  });

  it('detects a deleted event and a reordering', () => {
    const events = chronology([
      { kind: 'claim' },
      { kind: 'addNote', note: 'a' },
      { kind: 'addNote', note: 'b' },
    ]);
    expect(verifyChain('c-prop', [events[0]!, events[2]!, events[3]!])).toEqual({
      seq: 2,
      reason: expect.stringContaining('missing'),
    });
    expect(verifyChain('c-prop', [events[0]!, events[2]!, events[1]!, events[3]!])?.seq).toBe(2);
    expect(verifyChain('c-other', events)).toEqual({ seq: 1, reason: 'event belongs to another case' });
    expect(verifyChain('c-prop', [])).toEqual({ seq: 1, reason: 'case has no events' });
  });

  it('hashes independently of key order', () => {
    const [e] = chronology([]);
    const reordered = Object.fromEntries(Object.entries(e!).reverse()) as unknown as CaseEvent;
    expect(hashEvent(reordered)).toBe(e!.hash);
  });
});
