/**
 * A sharing case's own commands (issue 12) — remove the sharing, ask the owner, the owner's answer —
 * through `decide` and `evolve`, the sentence each event reads as, and the work each one queues.
 * The last block opens a real sharing case through the signal intake and acts on it through the
 * case service, so the follow-ups are the ones production queues.
 */
import type { Actor, CaseEvent, CaseEventBody, CaseSource } from '../../../core/cases/case-events';
import { genesisHash, sealEvent } from '../../../core/cases/case-events';
import { CaseService } from '../../../core/cases/case-service';
import { decide, evolve, type CaseCommand, type CaseState } from '../../../core/cases/case-state';
import { describeEvent, eventDetail, packNames } from '../../../core/cases/case-words';
import { EsafetyError } from '../../../core/errors';
import { SignalIntake } from '../../../core/intake/signal-intake';
import { silentLogger } from '../../../core/logger';
import { followUps, outboxMessageSchema, type OutboxMessage } from '../../../core/outbox/outbox';
import { sharingObservation } from '../../../core/sharing/sharing-intake';
import { evaluateSharing, type SharingSignal } from '../../../core/sharing/sharing-signal';
import { defaultPack, dslA, dslB, steppingClock } from '../../support/fixtures';
import { anyoneShare } from '../../support/sharing-fixtures';
import { MemoryCaseStore } from '../../support/memory-case-store';
import { MemorySignalLedger } from '../../support/memory-signal-ledger';

/** The member of staff who shared the file: the case's subject, and the one asked. */
const owner: Actor = { id: '55555555-5555-4555-8555-555555555555', name: 'Tariq Tutor' };
const monitor: Actor = { id: 'system:sharing-monitor', name: 'OneDrive and SharePoint sharing' };

function openCase(overrides: { source?: CaseSource; subjectId?: string | null } = {}): CaseState {
  const subjectId = overrides.subjectId === undefined ? owner.id : overrides.subjectId;
  const event = sealEvent({
    caseId: 'c1',
    seq: 1,
    at: '2026-12-02T10:00:00.000Z',
    actorId: monitor.id,
    actorName: monitor.name,
    prevHash: genesisHash,
    type: 'opened',
    data: {
      reference: 'ES-2026-0001',
      source: overrides.source ?? 'sharingSignal',
      route: 'dsl',
      area: 'conduct',
      category: 'data-breach',
      severity: 'high',
      subjectType: 'staff',
      ...(subjectId !== null && { subjectId }),
      under18: 'unknown',
      subjectPart: 'acted',
      immediateRisk: false,
      signalKey: 'k',
    },
    narrative: {
      description: 'An Anyone link (view): whoever has it can open the file.',
      subjectName: owner.name ?? '',
      link: 'https://example.sharepoint.com/sites/LearnerRecords/Documents/item-1',
    },
  });
  return evolve(undefined, event);
}

/** Seals a decided body as the next event, as the case service does. */
function seal(state: CaseState, body: CaseEventBody, actor: Actor): CaseEvent {
  return sealEvent({
    caseId: state.id,
    seq: state.version + 1,
    at: '2026-12-02T11:00:00.000Z',
    actorId: actor.id,
    ...(actor.name !== undefined && { actorName: actor.name }),
    prevHash: state.lastHash,
    ...body,
  });
}

/** Runs a command through decide + evolve. */
function act(state: CaseState, command: CaseCommand, actor: Actor = dslA): CaseState {
  return evolve(state, seal(state, decide(state, command, actor, defaultPack), actor));
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

const closedCase = () => act(openCase(), { kind: 'close', outcome: 'noFurtherAction' });
const asked = () => act(openCase(), { kind: 'askOwner' });

describe('sharing case commands: decide and evolve', () => {
  it('records a removal with its counts and changes nothing else on the case', () => {
    const open = act(openCase(), { kind: 'claim' });
    const body = decide(
      open,
      { kind: 'recordAccessRemoval', removed: 2, gone: 1, failed: 1 },
      dslA,
      defaultPack,
    );
    expect(body).toEqual({ type: 'accessRemoved', data: { removed: 2, gone: 1, failed: 1 }, narrative: {} });
    const after = evolve(open, seal(open, body, dslA));
    expect(after.version).toBe(open.version + 1);
    expect(after.updatedAt).toBe('2026-12-02T11:00:00.000Z');
    const { version: _v, lastHash: _h, updatedAt: _u, ...rest } = after;
    const { version: _v2, lastHash: _h2, updatedAt: _u2, ...before } = open;
    expect(rest).toEqual(before);
    expect(after.status).toBe('inProgress');
    expect(after.owner).toBeUndefined();
  });

  it('asks the owner once: the case then holds that the owner was asked, without an answer', () => {
    const open = openCase();
    expect(open.owner).toBeUndefined();
    expect(decide(open, { kind: 'askOwner' }, dslA, defaultPack)).toEqual({
      type: 'ownerAsked',
      data: {},
      narrative: {},
    });
    const s = asked();
    expect(s.owner).toEqual({ asked: true });
    expect(s.status).toBe('open');
    const again = refusal(() => decide(s, { kind: 'askOwner' }, dslB, defaultPack));
    expect(again).toMatchObject({ code: 'CASE_TRANSITION_REFUSED', reason: 'alreadyAsked' });
    expect(again.message).toBe('The owner has been asked already and has not answered yet.');
  });

  it('refuses to ask when Microsoft 365 did not say who shared the file', () => {
    const r = refusal(() => decide(openCase({ subjectId: null }), { kind: 'askOwner' }, dslA, defaultPack));
    expect(r).toMatchObject({ code: 'CASE_TRANSITION_REFUSED', reason: 'noOwner' });
    expect(r.message).toContain('no one to ask');
  });

  it.each<['removed' | 'needed', string | undefined, object]>([
    ['removed', undefined, {}],
    [
      'needed',
      'The exam board reads it under our agreement.',
      {
        reason: 'The exam board reads it under our agreement.',
      },
    ],
    ['needed', '', {}],
  ])('records the owner’s answer "%s" (reason %j) as theirs', (answer, reason, narrative) => {
    const s = asked();
    const command: CaseCommand = { kind: 'answerAsOwner', answer, ...(reason !== undefined && { reason }) };
    const body = decide(s, command, owner, defaultPack);
    expect(body).toEqual({ type: 'ownerAnswered', data: { answer }, narrative });
    const event = seal(s, body, owner);
    expect(event.actorId).toBe(owner.id);
    expect(evolve(s, event).owner).toEqual({ asked: true, answer });
  });

  it('lets the owner answer only after being asked, and nobody else answer for them', () => {
    const answer: CaseCommand = { kind: 'answerAsOwner', answer: 'removed' };
    expect(refusal(() => decide(openCase(), answer, owner, defaultPack))).toMatchObject({
      code: 'CASE_TRANSITION_REFUSED',
      reason: 'notAsked',
    });
    for (const someoneElse of [dslA, dslB, monitor]) {
      expect(refusal(() => decide(asked(), answer, someoneElse, defaultPack))).toMatchObject({
        code: 'CASE_TRANSITION_REFUSED',
        reason: 'notOwner',
      });
    }
    // Without a known owner nobody is the owner.
    expect(refusal(() => decide(openCase({ subjectId: null }), answer, owner, defaultPack))).toMatchObject({
      reason: 'notOwner',
    });
  });

  it('refuses an answer that is neither removed nor needed', () => {
    expect(
      refusal(() => decide(asked(), { kind: 'answerAsOwner', answer: 'maybe' as never }, owner, defaultPack)),
    ).toMatchObject({ code: 'CASE_TRANSITION_REFUSED', reason: 'unknownAnswer' });
  });

  it('puts the owner’s answer on the record after the case was closed, leaving it closed', () => {
    const closed = act(asked(), { kind: 'close', outcome: 'noFurtherAction', note: 'Link removed by IT.' });
    const after = act(
      closed,
      { kind: 'answerAsOwner', answer: 'needed', reason: 'Parents’ evening.' },
      owner,
    );
    expect(after).toMatchObject({
      status: 'closed',
      outcome: 'noFurtherAction',
      closedAt: closed.closedAt,
      owner: { asked: true, answer: 'needed' },
    });
  });

  it.each<[string, CaseCommand]>([
    ['a removal', { kind: 'recordAccessRemoval', removed: 1, gone: 0, failed: 0 }],
    ['asking the owner', { kind: 'askOwner' }],
  ])('refuses %s on a closed case', (_name, command) => {
    const r = refusal(() => decide(closedCase(), command, dslA, defaultPack));
    expect(r).toMatchObject({ code: 'CASE_CLOSED' });
    expect(r.message).toContain('reopen it first');
  });

  const notSharing: [CaseSource, string, CaseCommand, Actor][] = (
    ['staffReport', 'chatSignal', 'monitoringAlert'] as const
  ).flatMap((source) => [
    [source, 'a removal', { kind: 'recordAccessRemoval', removed: 1, gone: 0, failed: 0 }, dslA],
    [source, 'asking the owner', { kind: 'askOwner' }, dslA],
    [source, 'an owner’s answer', { kind: 'answerAsOwner', answer: 'removed' }, owner],
  ]);
  it.each(notSharing)('refuses on a %s case %s', (source, _name, command, actor) => {
    const r = refusal(() => decide(openCase({ source }), command, actor, defaultPack));
    expect(r).toMatchObject({ code: 'CASE_TRANSITION_REFUSED', reason: 'notSharing' });
    expect(r.message).toBe('That is only for a case about sharing.');
  });

  it('asks again once the owner has answered', () => {
    const answered = act(asked(), { kind: 'answerAsOwner', answer: 'removed' }, owner);
    const body = decide(answered, { kind: 'askOwner' }, dslA, defaultPack);
    expect(body.type).toBe('ownerAsked');
    expect(evolve(answered, seal(answered, body, dslA)).owner?.asked).toBe(true);
  });

  // BUG (core/cases/case-state.ts, evolve 'ownerAsked'): `{ ...state.owner, asked: true }` keeps the
  // previous answer, so after a second ask the case still reads as answered: a third ask is not
  // refused as alreadyAsked and the card shows the old answer. Passes once that is fixed; then drop
  // `.failing`.
  it('holds a second ask as unanswered, so a third is refused until the owner answers', () => {
    const answered = act(asked(), { kind: 'answerAsOwner', answer: 'removed' }, owner);
    const askedAgain = act(answered, { kind: 'askOwner' });
    expect(askedAgain.owner).toEqual({ asked: true });
    expect(refusal(() => decide(askedAgain, { kind: 'askOwner' }, dslA, defaultPack))).toMatchObject({
      reason: 'alreadyAsked',
    });
  });
});

describe('sharing events in words', () => {
  const names = packNames(defaultPack, 'staff');
  const event = (body: CaseEventBody, actor: Actor = dslA) => seal(openCase(), body, actor);
  const removal = (removed: number, gone: number, failed: number): CaseEventBody => ({
    type: 'accessRemoved',
    data: { removed, gone, failed },
    narrative: {},
  });

  it.each<[string, CaseEventBody, string]>([
    ['one removed', removal(1, 0, 0), 'Dana DSL removed the sharing (1 link or grant)'],
    ['all gone already', removal(0, 2, 0), 'Dana DSL found the sharing already removed; 2 already gone'],
    ['some gone', removal(2, 1, 0), 'Dana DSL removed the sharing (2 links or grants); 1 already gone'],
    [
      'one failed',
      removal(0, 0, 1),
      'Dana DSL tried to remove the sharing; 1 could not be removed and is still shared',
    ],
    [
      'all three',
      removal(3, 2, 2),
      'Dana DSL removed the sharing (3 links or grants); 2 already gone; 2 could not be removed and are still shared',
    ],
    [
      'the owner asked',
      { type: 'ownerAsked', data: {}, narrative: {} },
      'Dana DSL asked the owner to remove the sharing or say why it is needed',
    ],
  ])('%s', (_name, body, line) => {
    expect(describeEvent(event(body), names)).toBe(line);
  });

  it.each<[string, CaseEventBody, string]>([
    [
      'removed',
      { type: 'ownerAnswered', data: { answer: 'removed' }, narrative: {} },
      'Tariq Tutor (the owner) says they have removed the sharing',
    ],
    [
      'needed, with why',
      { type: 'ownerAnswered', data: { answer: 'needed' }, narrative: { reason: 'For the exam board.' } },
      'Tariq Tutor (the owner) says the sharing is needed: For the exam board.',
    ],
    [
      'needed, without why',
      { type: 'ownerAnswered', data: { answer: 'needed' }, narrative: {} },
      'Tariq Tutor (the owner) says the sharing is needed',
    ],
  ])('the owner’s answer: %s', (_name, body, line) => {
    expect(describeEvent(event(body, owner), names)).toBe(line);
  });

  it('clips the owner’s reason, names "Someone" without a display name, and adds no detail line', () => {
    const long = seal(
      openCase(),
      { type: 'ownerAnswered', data: { answer: 'needed' }, narrative: { reason: 'x'.repeat(300) } },
      owner,
    );
    const line = describeEvent(long, names, 140);
    expect(line).toBe(`Tariq Tutor (the owner) says the sharing is needed: ${'x'.repeat(139)}…`);
    const nameless = seal(openCase(), { type: 'ownerAsked', data: {}, narrative: {} }, { id: dslA.id });
    expect(describeEvent(nameless, names)).toBe(
      'Someone asked the owner to remove the sharing or say why it is needed',
    );
    expect(eventDetail(long)).toBeUndefined();
  });
});

describe('sharing follow-ups', () => {
  const s = openCase();
  it.each<[string, CaseEventBody, OutboxMessage[]]>([
    [
      'asking the owner posts the card and asks the owner',
      { type: 'ownerAsked', data: {}, narrative: {} },
      [
        { kind: 'case.post', caseId: 'c1' },
        { kind: 'owner.ask', caseId: 'c1' },
      ],
    ],
    [
      'a removal posts the card only',
      { type: 'accessRemoved', data: { removed: 1, gone: 0, failed: 0 }, narrative: {} },
      [{ kind: 'case.post', caseId: 'c1' }],
    ],
    [
      'an owner’s answer posts the card only',
      { type: 'ownerAnswered', data: { answer: 'removed' }, narrative: {} },
      [{ kind: 'case.post', caseId: 'c1' }],
    ],
  ])('%s', (_name, body, messages) => {
    const sent = followUps(s, seal(s, body, dslA));
    expect(sent).toEqual(messages);
    for (const m of sent) expect(outboxMessageSchema.parse(m)).toEqual(m);
  });
});

describe('a real sharing case, acted on through the case service', () => {
  async function sharingCase(sharerKnown = true) {
    const clock = steppingClock('2026-12-02T09:59:00.000Z');
    const sent: OutboxMessage[] = [];
    const cases = new CaseService({
      store: new MemoryCaseStore(),
      pack: defaultPack,
      clock,
      log: silentLogger,
      onChange: (state, event) => Promise.resolve(void sent.push(...followUps(state, event))),
    });
    const intake = new SignalIntake({
      pack: defaultPack,
      cases,
      ledger: new MemorySignalLedger(),
      clock,
      log: silentLogger,
    });
    const { sharedBy, ...full }: SharingSignal = anyoneShare(1);
    const signal: SharingSignal = sharerKnown ? { ...full, sharedBy } : full;
    const verdict = evaluateSharing(signal, defaultPack.sharing, { ownerIsLearner: false });
    if (!verdict.risky) throw new Error('expected a risky share');
    const outcome = await intake.receive(
      sharingObservation(signal, verdict.findings, verdict.externalDomains, { type: 'staff' }),
    );
    if (!('caseId' in outcome)) throw new Error('expected a case');
    sent.length = 0;
    return { cases, sent, caseId: outcome.caseId };
  }

  it('opens with the sharer as the owner to ask, and asking queues the owner’s card', async () => {
    const { cases, sent, caseId } = await sharingCase();
    const opened = await cases.get(caseId);
    expect(opened).toMatchObject({ source: 'sharingSignal', subjectId: owner.id, status: 'open' });
    const { state, event } = await cases.act(caseId, dslA, { kind: 'askOwner' });
    expect(event).toMatchObject({ type: 'ownerAsked', actorId: dslA.id });
    expect(state.owner).toEqual({ asked: true });
    expect(sent).toEqual([
      { kind: 'case.post', caseId },
      { kind: 'owner.ask', caseId },
    ]);
    await expect(cases.act(caseId, dslB, { kind: 'askOwner' })).rejects.toMatchObject({
      code: 'CASE_TRANSITION_REFUSED',
      details: { reason: 'alreadyAsked' },
    });
    expect(sent).toHaveLength(2);
    const answered = await cases.act(caseId, owner, { kind: 'answerAsOwner', answer: 'removed' });
    expect(answered.state.owner).toEqual({ asked: true, answer: 'removed' });
    expect(sent.slice(2)).toEqual([{ kind: 'case.post', caseId }]);
  });

  it('has no owner to ask when the share did not say who shared it', async () => {
    const { cases, sent, caseId } = await sharingCase(false);
    expect((await cases.get(caseId))?.subjectId).toBeUndefined();
    await expect(cases.act(caseId, dslA, { kind: 'askOwner' })).rejects.toMatchObject({
      details: { reason: 'noOwner' },
    });
    expect(sent).toEqual([]);
  });
});
