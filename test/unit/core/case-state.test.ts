import { genesisHash, sealEvent } from '../../../core/cases/case-events';
import { decide, evolve, type CaseCommand, type CaseState } from '../../../core/cases/case-state';
import { EsafetyError } from '../../../core/errors';
import { defaultPack, dslA, dslB, staff } from '../../support/fixtures';

function openCase(
  overrides: Partial<{ under18: 'yes' | 'no' | 'unknown'; subjectType: 'learner' | 'staff' }> = {},
): CaseState {
  const event = sealEvent({
    caseId: 'c1',
    seq: 1,
    at: '2026-11-23T09:00:00.000Z',
    actorId: staff.id,
    actorName: staff.name,
    prevHash: genesisHash,
    type: 'opened',
    data: {
      reference: 'ES-2026-0001',
      source: 'staffReport',
      route: 'dsl',
      area: 'contact',
      category: 'grooming',
      severity: 'high',
      subjectType: overrides.subjectType ?? 'learner',
      under18: overrides.under18 ?? 'yes',
      immediateRisk: false,
      signalKey: 'k',
    },
    narrative: { description: 'x'.repeat(400), subjectName: 'Lee Learner' },
  });
  return evolve(undefined, event);
}

/** Runs a command through decide + evolve, as the service does. */
function act(state: CaseState, command: CaseCommand, actor = dslA): CaseState {
  const body = decide(state, command, actor, defaultPack);
  const event = sealEvent({
    caseId: state.id,
    seq: state.version + 1,
    at: '2026-11-23T10:00:00.000Z',
    actorId: actor.id,
    ...(actor.name !== undefined && { actorName: actor.name }),
    prevHash: state.lastHash,
    ...body,
  });
  return evolve(state, event);
}

function refusal(fn: () => unknown): { code: string; reason: unknown; message: string } {
  try {
    fn();
  } catch (err) {
    if (err instanceof EsafetyError)
      return { code: err.code, reason: err.details['reason'], message: err.message };
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('case transitions', () => {
  it('opens a case as open, unassigned, with a short summary and the reporter recorded', () => {
    const s = openCase();
    expect(s).toMatchObject({
      status: 'open',
      version: 1,
      reporterId: staff.id,
      referrals: [],
      parentInformed: false,
    });
    expect(s.assigneeId).toBeUndefined();
    expect(s.narrative.summary.length).toBeLessThanOrEqual(280);
    expect(s.narrative.reporterName).toBe('Sam Staff');
  });

  it('records who claimed a case and moves it in progress', () => {
    const s = act(openCase(), { kind: 'claim' });
    expect(s).toMatchObject({ status: 'inProgress', assigneeId: dslA.id, version: 2 });
    expect(s.narrative.assigneeName).toBe('Dana DSL');
  });

  it('refuses a second claim and names who holds the case', () => {
    const claimed = act(openCase(), { kind: 'claim' });
    const r = refusal(() => decide(claimed, { kind: 'claim' }, dslB, defaultPack));
    expect(r).toMatchObject({ code: 'CASE_TRANSITION_REFUSED', reason: 'alreadyClaimed' });
    expect(r.message).toContain('Dana DSL');
  });

  it.each<[string, CaseCommand]>([
    ['claim', { kind: 'claim' }],
    ['note', { kind: 'addNote', note: 'late note' }],
    ['severity change', { kind: 'setSeverity', severity: 'low' }],
    ['referral', { kind: 'refer', agency: 'police' }],
    ['sanction', { kind: 'recordSanction', sanction: 'refer-tutor' }],
    ['second close', { kind: 'close', outcome: 'noFurtherAction' }],
  ])('refuses a %s on a closed case', (_name, command) => {
    const closed = act(openCase(), { kind: 'close', outcome: 'resolvedInternally' });
    expect(refusal(() => decide(closed, command, dslA, defaultPack))).toMatchObject({ code: 'CASE_CLOSED' });
  });

  it.each<[string, CaseCommand, string]>([
    ['an agency not in the policy', { kind: 'refer', agency: 'mi5' }, 'unknownAgency'],
    ['an unchanged severity', { kind: 'setSeverity', severity: 'high' }, 'unchanged'],
    ['reopening an open case', { kind: 'reopen' }, 'notClosed'],
    ['an unknown outcome', { kind: 'close', outcome: 'shrug' as never }, 'unknownOutcome'],
  ])('refuses %s', (_name, command, reason) => {
    expect(refusal(() => decide(openCase(), command, dslA, defaultPack))).toMatchObject({ reason });
  });

  it('refuses recording parental contact for an adult, and allows it when age is unknown', () => {
    expect(
      refusal(() =>
        decide(openCase({ under18: 'no' }), { kind: 'recordParentInformed', note: 'n' }, dslA, defaultPack),
      ),
    ).toMatchObject({ reason: 'adultSubject' });
    expect(
      act(openCase({ under18: 'unknown' }), { kind: 'recordParentInformed', note: 'Called mum.' })
        .parentInformed,
    ).toBe(true);
  });

  it('refuses a sanction against a subject who was harmed, or whose part is not known yet', () => {
    const sanction: CaseCommand = { kind: 'recordSanction', sanction: 'refer-tutor' };
    const harmed = act(openCase(), { kind: 'setSubjectPart', subjectPart: 'harmed' });
    expect(refusal(() => decide(harmed, sanction, dslA, defaultPack))).toMatchObject({
      reason: 'subjectNotActed',
    });
    expect(refusal(() => decide(harmed, sanction, dslA, defaultPack)).message).toContain('harmed');
    expect(refusal(() => decide(openCase(), sanction, dslA, defaultPack))).toMatchObject({
      reason: 'subjectNotActed',
    });
    expect(act(act(harmed, { kind: 'setSubjectPart', subjectPart: 'both' }), sanction).sanctions).toEqual([
      'refer-tutor',
    ]);
  });

  it('refuses a sanction not in the grid', () => {
    const acted = act(openCase(), { kind: 'setSubjectPart', subjectPart: 'acted' });
    expect(
      refusal(() => decide(acted, { kind: 'recordSanction', sanction: 'detention' }, dslA, defaultPack)),
    ).toMatchObject({ reason: 'unknownSanction' });
  });

  it('holds a record against deletion, open or closed, and releases it', () => {
    const closed = act(openCase(), { kind: 'close', outcome: 'noFurtherAction' });
    const held = act(closed, { kind: 'setRetentionHold', held: true, note: 'Police asked us to keep it.' });
    expect(held.retentionHold).toBe(true);
    expect(
      refusal(() => decide(held, { kind: 'setRetentionHold', held: true }, dslA, defaultPack)),
    ).toMatchObject({
      reason: 'unchanged',
    });
    expect(act(held, { kind: 'setRetentionHold', held: false }).retentionHold).toBe(false);
  });

  it('checks a sanction against the staff grid when the subject is staff', () => {
    const s = act(openCase({ subjectType: 'staff' }), { kind: 'setSubjectPart', subjectPart: 'acted' });
    expect(
      refusal(() => decide(s, { kind: 'recordSanction', sanction: 'refer-tutor' }, dslA, defaultPack)),
    ).toMatchObject({
      reason: 'unknownSanction',
    });
    expect(act(s, { kind: 'recordSanction', sanction: 'refer-lado' }).sanctions).toEqual(['refer-lado']);
  });

  it('closes with an outcome and reopens to the person who reopened it', () => {
    const closed = act(act(openCase(), { kind: 'claim' }), {
      kind: 'close',
      outcome: 'referredExternally',
      note: 'Police took it.',
    });
    expect(closed).toMatchObject({
      status: 'closed',
      outcome: 'referredExternally',
      closedAt: '2026-11-23T10:00:00.000Z',
    });
    const reopened = act(closed, { kind: 'reopen', note: 'New messages.' }, dslB);
    expect(reopened).toMatchObject({ status: 'inProgress', assigneeId: dslB.id });
    expect(reopened.outcome).toBeUndefined();
    expect(reopened.closedAt).toBeUndefined();
  });

  it('forgets the previous assignee name when someone without a display name reopens the case', () => {
    const closed = act(act(openCase(), { kind: 'claim' }), { kind: 'close', outcome: 'noFurtherAction' });
    const reopened = act(closed, { kind: 'reopen' }, { id: dslB.id });
    expect(reopened.assigneeId).toBe(dslB.id);
    expect(reopened.narrative.assigneeName).toBeUndefined();
  });

  it('keeps referrals and severity changes in state', () => {
    const s = act(act(openCase(), { kind: 'refer', agency: 'ceop', reference: 'CEOP-123' }), {
      kind: 'setSeverity',
      severity: 'critical',
    });
    expect(s.referrals).toEqual(['ceop']);
    expect(s.severity).toBe('critical');
  });
});
