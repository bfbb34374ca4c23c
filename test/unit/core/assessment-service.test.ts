import {
  assessmentReference,
  decisionText,
  verifyAssessmentChain,
  type Actor,
  type AssessmentEvent,
  type AssessmentState,
  type Decision,
} from '../../../core/assessments/assessment';
import { AssessmentService, summaryStep, type DraftView } from '../../../core/assessments/assessment-service';
import type { Directory } from '../../../core/auth/authorise';
import type { Clock } from '../../../core/clock';
import { EsafetyError } from '../../../core/errors';
import { silentLogger } from '../../../core/logger';
import { answerInput, commentInput, questionnaireVersion } from '../../../core/questionnaire/questionnaire';
import { defaultPack, dslA, dslB, staff } from '../../support/fixtures';
import { MemoryAssessmentStore } from '../../support/memory-assessment-store';
import { MemoryDraftStore } from '../../support/memory-draft-store';

const technology = defaultPack.assessment.questionnaires.find((q) => q.id === 'technology')!;
const approverRole = defaultPack.assessment.approverRole;
const approverGroup = defaultPack.roles[approverRole]!.groupId;
const questions = technology.sections.flatMap((s) => s.questions);
const question = (id: string) => questions.find((q) => q.id === id)!;
const sectionOf = (id: string) => technology.sections.find((s) => s.id === id)!;

const requester: Actor = { id: staff.id, name: 'Sam Staff' };
const approver: Actor = { id: dslA.id, name: 'Dana DSL' };
/** Neither the requester nor in the approver group. */
const bystander: Actor = { id: dslB.id, name: 'Devi Deputy' };
const approvers: Actor[] = Array.from({ length: 10 }, (_, i) => ({
  id: `0000000${i}-0000-4000-8000-00000000000${i}`,
  name: `Approver ${i}`,
}));

/** Group membership: only these users are in the approver role's group. */
class FakeDirectory implements Directory {
  readonly asked: [string, string][] = [];
  constructor(private readonly members: ReadonlySet<string>) {}
  isMember(userId: string, groupId: string): Promise<boolean> {
    this.asked.push([userId, groupId]);
    return Promise.resolve(groupId === approverGroup && this.members.has(userId));
  }
}

/** A clock the test sets; it moves a second per reading so events have distinct times. */
function settableClock(start = '2026-11-23T09:00:00.000Z'): Clock & { set(iso: string): void } {
  let t = Date.parse(start);
  return {
    now: () => new Date((t += 1000)),
    set: (iso) => {
      t = Date.parse(iso);
    },
  };
}

function world(options: { onChange?: (s: AssessmentState, e: AssessmentEvent) => Promise<void> } = {}) {
  const store = new MemoryAssessmentStore();
  const drafts = new MemoryDraftStore();
  const directory = new FakeDirectory(new Set([approver.id, ...approvers.map((a) => a.id)]));
  const clock = settableClock();
  const changes: { state: AssessmentState; event: AssessmentEvent }[] = [];
  const onChange =
    options.onChange ??
    ((state: AssessmentState, event: AssessmentEvent) => {
      changes.push({ state, event });
      return Promise.resolve();
    });
  const make = () =>
    new AssessmentService({
      store,
      drafts,
      pack: defaultPack,
      directory,
      clock,
      log: silentLogger,
      onChange,
    });
  return { store, drafts, directory, clock, changes, service: make(), restart: make };
}

/** Complete answers raising no risk: every yes/no/unsure answered with the non-risk answer. */
function answers(overrides: Record<string, string> = {}): Record<string, string> {
  const values: Record<string, string> = {};
  for (const q of questions) {
    if (!q.required) continue;
    values[q.id] = q.kind === 'yesNoUnsure' ? (q.risk?.answer === 'no' ? 'yes' : 'no') : `About ${q.id}`;
  }
  values['tool'] = 'Padlet';
  return { ...values, ...overrides };
}

/** The card data of one section: `q.<id>` and `c.<id>` for its questions only. */
function cardOf(sectionId: string, values: Record<string, string>, comments: Record<string, string> = {}) {
  const data: Record<string, string> = {};
  for (const q of sectionOf(sectionId).questions) {
    if (values[q.id] !== undefined) data[answerInput(q.id)] = values[q.id]!;
    if (comments[q.id] !== undefined) data[commentInput(q.id)] = comments[q.id]!;
  }
  return data;
}

/** Starts (or resumes) and steps through every section with `next`. */
async function fill(
  service: AssessmentService,
  actor: Actor,
  values: Record<string, string>,
  comments: Record<string, string> = {},
): Promise<DraftView> {
  let view = await service.resume(actor, 'technology');
  for (const s of technology.sections) {
    view = await service.step(actor, view.draft.key, s.id, 'next', cardOf(s.id, values, comments));
    expect(view.errors).toEqual({});
  }
  expect(view.draft.at).toBe(summaryStep);
  return view;
}

async function send(service: AssessmentService, actor: Actor, values = answers()): Promise<AssessmentState> {
  const view = await fill(service, actor, values);
  const result = await service.submit(actor, view.draft.key);
  if (!('state' in result)) throw new EsafetyError('UNEXPECTED', 'expected an assessment');
  return result.state;
}

async function rejection(promise: Promise<unknown>): Promise<EsafetyError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof EsafetyError) return err;
    throw err;
  }
  throw new EsafetyError('UNEXPECTED', 'expected a refusal');
}

const valuesOf = (view: DraftView) =>
  Object.fromEntries(Object.entries(view.draft.answers).map(([id, a]) => [id, a.value]));

describe('AssessmentService: filling in the questionnaire', () => {
  it('resumes the same draft when started twice, from one device or two at once', async () => {
    const { service } = world();
    const first = await service.resume(requester, 'technology');
    const second = await service.resume(requester, 'technology');
    expect(second.draft.id).toBe(first.draft.id);
    expect(first.draft.at).toBe(technology.sections[0]!.id);

    const other = world();
    const [a, b] = await Promise.all([
      other.service.resume(requester, 'technology'),
      other.service.resume(requester, 'technology'),
    ]);
    expect(a.draft.id).toBe(b.draft.id);
    expect(other.drafts.size).toBe(1);
  });

  it('gives each person their own draft', async () => {
    const { service } = world();
    const mine = await service.resume(requester, 'technology');
    const theirs = await service.resume(bystander, 'technology');
    expect(theirs.draft.id).not.toBe(mine.draft.id);
  });

  it('refuses a questionnaire the policy does not have', async () => {
    const { service } = world();
    expect((await rejection(service.resume(requester, 'made-up'))).code).toBe('INPUT_INVALID');
  });

  it('returns a section with a missing required answer, naming that question and keeping the rest', async () => {
    const { service } = world();
    const { draft } = await service.resume(requester, 'technology');
    const { purpose: _missing, ...rest } = answers();
    const view = await service.step(
      requester,
      draft.key,
      'facts',
      'next',
      cardOf('facts', rest, { signUp: 'Via Google' }),
    );
    expect(view.draft.at).toBe('facts');
    expect(view.errors).toEqual({ purpose: 'Please answer this question.' });
    const typed = sectionOf('facts').questions.filter((q) => rest[q.id] !== undefined);
    expect(typed.length).toBeGreaterThan(1);
    expect(valuesOf(view)).toEqual(Object.fromEntries(typed.map((q) => [q.id, rest[q.id]])));
    expect(view.draft.answers['signUp']).toEqual({ value: rest['signUp'], comment: 'Via Google' });
    const again = await service.resume(requester, 'technology');
    expect(again.draft.answers).toEqual(view.draft.answers);
    expect(again.draft.at).toBe('facts');
  });

  it('moves to the next section when the section is complete', async () => {
    const { service } = world();
    const { draft } = await service.resume(requester, 'technology');
    const view = await service.step(requester, draft.key, 'facts', 'next', cardOf('facts', answers()));
    expect(view.errors).toEqual({});
    expect(view.draft.at).toBe(technology.sections[1]!.id);
  });

  it('goes back without checking, keeping what was typed on the section left', async () => {
    const { service } = world();
    const { draft } = await service.resume(requester, 'technology');
    await service.step(requester, draft.key, 'facts', 'next', cardOf('facts', answers()));
    const typed = { strangers: 'yes', moderation: 'maybe' };
    const view = await service.step(
      requester,
      draft.key,
      'safeguarding',
      'back',
      cardOf('safeguarding', typed),
    );
    expect(view.errors).toEqual({});
    expect(view.draft.at).toBe('facts');
    expect(view.draft.answers['strangers']).toEqual({ value: 'yes' });
    expect(view.draft.answers['moderation']).toEqual({ value: 'maybe' });
    expect(view.draft.answers['tool']).toEqual({ value: 'Padlet' });
    const shown = await service.show(requester, draft.key, 'safeguarding');
    expect(shown.draft.at).toBe('safeguarding');
    expect(shown.draft.answers).toEqual(view.draft.answers);
  });

  it('replaces a section’s answers with what its card now holds, leaving other sections alone', async () => {
    const { service } = world();
    const { draft } = await service.resume(requester, 'technology');
    await service.step(requester, draft.key, 'facts', 'next', cardOf('facts', answers()));
    await service.step(
      requester,
      draft.key,
      'safeguarding',
      'save',
      cardOf('safeguarding', { strangers: 'yes' }, { strangers: 'Open' }),
    );
    const view = await service.step(
      requester,
      draft.key,
      'safeguarding',
      'save',
      cardOf('safeguarding', { moderation: 'no' }),
    );
    expect(view.draft.answers['strangers']).toBeUndefined();
    expect(view.draft.answers['moderation']).toEqual({ value: 'no' });
    expect(view.draft.answers['purpose']).toEqual({ value: 'About purpose' });
  });

  it('keeps a draft across a restart: a new service on the same stores resumes where it was', async () => {
    const w = world();
    const { draft } = await w.service.resume(requester, 'technology');
    await w.service.step(requester, draft.key, 'facts', 'next', cardOf('facts', answers()));
    const saved = await w.service.step(
      requester,
      draft.key,
      'safeguarding',
      'save',
      cardOf('safeguarding', { strangers: 'unsure' }, { strangers: 'Checking' }),
    );
    const after = await w.restart().resume(requester, 'technology');
    expect(after.draft.id).toBe(draft.id);
    expect(after.draft.at).toBe('safeguarding');
    expect(after.draft.answers).toEqual(saved.draft.answers);
    expect(after.draft.answers['strangers']).toEqual({ value: 'unsure', comment: 'Checking' });
  });

  it('sends an incomplete draft back to its first incomplete section, each problem named, answers kept', async () => {
    const { service, store } = world();
    const { draft } = await service.resume(requester, 'technology');
    await service.step(requester, draft.key, 'facts', 'next', cardOf('facts', answers()));
    await service.step(
      requester,
      draft.key,
      'safeguarding',
      'save',
      cardOf('safeguarding', { strangers: 'yes' }),
    );
    const result = await service.submit(requester, draft.key);
    if (!('incomplete' in result)) throw new EsafetyError('UNEXPECTED', 'expected incomplete');
    expect(result.incomplete.draft.at).toBe('safeguarding');
    const missing = sectionOf('safeguarding')
      .questions.filter((q) => q.id !== 'strangers')
      .map((q) => q.id);
    expect(Object.keys(result.incomplete.errors).sort()).toEqual(missing.sort());
    expect(result.incomplete.draft.answers['strangers']).toEqual({ value: 'yes' });
    expect(await store.list()).toEqual([]);
    expect((await service.resume(requester, 'technology')).draft.at).toBe('safeguarding');
  });
});

describe('AssessmentService: sending', () => {
  it('computes the risk the pack says: under-18s signing up and a safeguarding answer make it high', async () => {
    const { service, store, changes } = world();
    const rule = (id: string) => technology.risk.rules.find((r) => r.id === id)!;
    const values = answers({ under18: 'yes', signUp: 'yes', strangers: 'yes' });
    const state = await send(service, requester, values);
    const score = question('signUp').risk!.weight + question('strangers').risk!.weight;
    expect(score).toBeLessThan(technology.risk.highFrom);
    expect(state).toMatchObject({
      status: 'submitted',
      risk: 'high',
      score,
      reasons: [
        { kind: 'answer', questionId: 'signUp', answer: 'yes', weight: question('signUp').risk!.weight },
        {
          kind: 'answer',
          questionId: 'strangers',
          answer: 'yes',
          weight: question('strangers').risk!.weight,
        },
        { kind: 'rule', ruleId: 'children-sign-up', level: rule('children-sign-up').level },
        { kind: 'rule', ruleId: 'safeguarding-or-data', level: rule('safeguarding-or-data').level },
      ],
      questionnaireId: 'technology',
      questionnaireVersion: questionnaireVersion(technology),
      approverRole,
      route: defaultPack.assessment.route,
      requesterId: requester.id,
      narrative: { tool: 'Padlet', requesterName: 'Sam Staff' },
    });
    expect(state.reference).toBe(assessmentReference(state.id, state.submittedAt));
    expect(state.narrative.answers['strangers']).toEqual({ value: 'yes' });
    expect(await store.events(state.id)).toHaveLength(1);
    expect(changes.map((c) => c.event.type)).toEqual(['submitted']);
  });

  it('deletes the draft once sent, so the next assess starts a new one', async () => {
    const { service, drafts } = world();
    const sent = await fill(service, requester, answers());
    await service.submit(requester, sent.draft.key);
    expect(drafts.size).toBe(0);
    const next = await service.resume(requester, 'technology');
    expect(next.draft.id).not.toBe(sent.draft.id);
    expect(next.draft.answers).toEqual({});
  });

  it('makes one assessment of a draft sent twice at once, and refuses a resend after', async () => {
    const { service, store, changes } = world();
    const view = await fill(service, requester, answers());
    const [a, b] = await Promise.all([
      service.submit(requester, view.draft.key),
      service.submit(requester, view.draft.key),
    ]);
    expect('state' in a && 'state' in b).toBe(true);
    if (!('state' in a) || !('state' in b)) return;
    expect(b.state.id).toBe(a.state.id);
    expect(await store.allIds()).toEqual([a.state.id]);
    expect(await store.events(a.state.id)).toHaveLength(1);
    expect(changes).toHaveLength(1);
    const again = await rejection(service.submit(requester, view.draft.key));
    expect(again.code).toBe('ASSESSMENT_NOT_FOUND');
    expect(await store.allIds()).toHaveLength(1);
  });
});

describe('AssessmentService: acting on an assessment', () => {
  const decide = (decision: Decision = 'approve') => ({
    kind: 'decide' as const,
    decision,
    reviewDate: '2027-11-23',
    ...(decision === 'approveWithConditions' && { conditions: 'Tenant only' }),
  });

  it('refuses a decision by someone outside the approver group, writing nothing', async () => {
    const { service, store, changes, directory } = world();
    const state = await send(service, requester);
    for (const command of [decide(), { kind: 'requestInfo' as const, question: 'Why?' }]) {
      const err = await rejection(service.act(state.id, bystander, command));
      expect(err.code).toBe('NOT_AUTHORISED');
      expect(err.message).toBe(
        `Only the ${defaultPack.roles[approverRole]!.displayName} can decide or ask about a risk assessment.`,
      );
    }
    expect(directory.asked).toContainEqual([bystander.id, approverGroup]);
    expect(await store.events(state.id)).toHaveLength(1);
    expect((await service.get(state.id)).status).toBe('submitted');
    expect(changes).toHaveLength(1);
  });

  it('refuses the requester a decision on their own assessment, writing nothing', async () => {
    const { service, store, changes } = world();
    const state = await send(service, requester);
    const err = await rejection(service.act(state.id, requester, decide()));
    expect(err.code).toBe('NOT_AUTHORISED');
    expect(err.message).toBe('You cannot decide your own risk assessment: another approver must.');
    expect(await store.events(state.id)).toHaveLength(1);
    expect(changes).toHaveLength(1);
  });

  it('refuses an approver deciding or asking about their own assessment: another approver must', async () => {
    const { service, store, changes } = world();
    const own = await send(service, approver);
    for (const command of [
      decide(),
      decide('approveWithConditions'),
      decide('reject'),
      { kind: 'requestInfo' as const, question: 'Is this fine?' },
    ]) {
      const err = await rejection(service.act(own.id, approver, command));
      expect(err.code).toBe('NOT_AUTHORISED');
      expect(err.message).toBe('You cannot decide your own risk assessment: another approver must.');
    }
    expect(await store.events(own.id)).toHaveLength(1);
    expect((await service.get(own.id)).status).toBe('submitted');
    expect(changes.map((c) => c.event.type)).toEqual(['submitted']);
    const { state: decided } = await service.act(own.id, approvers[0]!, decide());
    expect(decided).toMatchObject({ status: 'decided', decidedBy: approvers[0]!.id });
  });

  it('lets an approver decide, recording who and when', async () => {
    const { service, store } = world();
    const state = await send(service, requester);
    const { state: decided, event } = await service.act(state.id, approver, decide('approveWithConditions'));
    expect(decided).toMatchObject({
      status: 'decided',
      decision: 'approveWithConditions',
      decidedBy: approver.id,
      reviewDate: '2027-11-23',
    });
    expect(decided.narrative).toMatchObject({ conditions: 'Tenant only', deciderName: 'Dana DSL' });
    expect(event).toMatchObject({ type: 'decided', seq: 2, actorId: approver.id });
    expect(verifyAssessmentChain(state.id, await store.events(state.id))).toBeUndefined();
  });

  it('makes one decision of ten approvers deciding at once; the nine others are told whose', async () => {
    const { service, store, changes } = world();
    const state = await send(service, requester);
    const decisions: Decision[] = ['approve', 'approveWithConditions', 'reject'];
    const results = await Promise.allSettled(
      approvers.map((a, i) => service.act(state.id, a, decide(decisions[i % 3]))),
    );
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(9);
    const events = await store.events(state.id);
    expect(events.filter((e) => e.type === 'decided')).toHaveLength(1);
    expect(verifyAssessmentChain(state.id, events)).toBeUndefined();
    const final = await service.get(state.id);
    const winner = approvers.find((a) => a.id === final.decidedBy)!;
    for (const { reason } of lost) {
      expect(reason).toBeInstanceOf(EsafetyError);
      expect(reason).toMatchObject({
        code: 'ASSESSMENT_TRANSITION_REFUSED',
        details: { reason: 'alreadyDecided' },
      });
      expect((reason as EsafetyError).message).toContain(final.reference);
      expect((reason as EsafetyError).message).toContain(winner.name);
      expect((reason as EsafetyError).message).toContain(decisionText[final.decision!]);
    }
    expect(changes.map((c) => c.event.type)).toEqual(['submitted', 'decided']);
  });

  it('asks the requester for more information; their answers come back filled in and go back with the risk recomputed', async () => {
    const { service, store, changes } = world();
    const sent = await send(service, requester, answers({ under18: 'yes', signUp: 'yes', strangers: 'yes' }));
    expect(sent.risk).toBe('high');
    const asked = await service.act(sent.id, approver, {
      kind: 'requestInfo',
      question: 'Can you lock it to the college?',
    });
    expect(asked.state).toMatchObject({
      status: 'moreInfo',
      narrative: { question: 'Can you lock it to the college?' },
    });
    expect((await rejection(service.act(sent.id, approver, decide()))).details['reason']).toBe('waiting');

    expect((await rejection(service.reopenForAnswer(bystander, sent.id))).code).toBe('NOT_AUTHORISED');
    const reopened = await service.reopenForAnswer(requester, sent.id);
    expect(reopened.draft).toMatchObject({ answering: sent.id, at: technology.sections[0]!.id });
    expect(reopened.draft.answers).toEqual(sent.narrative.answers);
    expect((await service.reopenForAnswer(requester, sent.id)).draft.id).toBe(reopened.draft.id);

    const key = reopened.draft.key;
    const changed = answers({ under18: 'yes', signUp: 'no', strangers: 'no' });
    await service.step(requester, key, 'facts', 'save', cardOf('facts', changed));
    await service.step(
      requester,
      key,
      'safeguarding',
      'save',
      cardOf('safeguarding', changed, { strangers: 'Locked to our tenant' }),
    );
    const result = await service.submit(requester, key, 'Locked to our tenant now.');
    if (!('state' in result)) throw new EsafetyError('UNEXPECTED', 'expected an assessment');
    expect(result.state.id).toBe(sent.id);
    expect(result.state).toMatchObject({ status: 'submitted', risk: 'low', score: 0, reasons: [] });
    expect(result.state.narrative.question).toBeUndefined();
    expect(result.state.narrative.answers['strangers']).toEqual({
      value: 'no',
      comment: 'Locked to our tenant',
    });

    const events = await store.events(sent.id);
    expect(events.map((e) => e.type)).toEqual(['submitted', 'infoRequested', 'answered']);
    const answered = events[2]!;
    if (answered.type !== 'answered') throw new EsafetyError('UNEXPECTED', 'answered');
    expect(answered.data).toMatchObject({ risk: 'low', score: 0, reasons: [] });
    expect(answered.narrative.reply).toBe('Locked to our tenant now.');
    expect(answered.actorId).toBe(requester.id);
    expect(verifyAssessmentChain(sent.id, events)).toBeUndefined();
    expect(await store.allIds()).toEqual([sent.id]);
    expect(changes.map((c) => c.event.type)).toEqual(['submitted', 'infoRequested', 'answered']);

    expect((await service.act(sent.id, approver, decide())).state.status).toBe('decided');
  });

  it('refuses to reopen for an answer when nobody asked', async () => {
    const { service } = world();
    const state = await send(service, requester);
    const err = await rejection(service.reopenForAnswer(requester, state.id));
    expect(err.code).toBe('ASSESSMENT_TRANSITION_REFUSED');
    expect(err.message).toContain(state.reference);
  });

  it('lets only the requester withdraw', async () => {
    const { service, store } = world();
    const state = await send(service, requester);
    for (const who of [bystander, approver]) {
      expect((await rejection(service.act(state.id, who, { kind: 'withdraw' }))).code).toBe('NOT_AUTHORISED');
    }
    expect(await store.events(state.id)).toHaveLength(1);
    const { state: withdrawn } = await service.act(state.id, requester, {
      kind: 'withdraw',
      note: 'Not needed',
    });
    expect(withdrawn.status).toBe('withdrawn');
    const late = await rejection(service.act(state.id, approver, decide()));
    expect(late).toMatchObject({ code: 'ASSESSMENT_TRANSITION_REFUSED', details: { reason: 'withdrawn' } });
  });

  it('lets only the system ask for a review', async () => {
    const { service } = world();
    const state = await send(service, requester);
    await service.act(state.id, approver, decide());
    for (const who of [approver, requester])
      expect((await rejection(service.act(state.id, who, { kind: 'reviewDue' }))).code).toBe(
        'NOT_AUTHORISED',
      );
    const { event } = await service.act(state.id, { id: 'system:review-timer' }, { kind: 'reviewDue' });
    expect(event.type).toBe('reviewDue');
  });

  it('names a missing assessment', async () => {
    const { service } = world();
    expect((await rejection(service.act('a00', approver, decide()))).code).toBe('ASSESSMENT_NOT_FOUND');
  });
});

describe('AssessmentService: resolve', () => {
  it('finds an assessment by its reference, in any case, or by its id', async () => {
    const { service } = world();
    const state = await send(service, requester);
    expect(state.reference).toMatch(/^RA-2026-[23456789ABCDEFGHJKLMNPQRSTUVWXYZ]{6}$/);
    expect((await service.resolve(state.reference)).id).toBe(state.id);
    expect((await service.resolve(state.reference.toLowerCase())).id).toBe(state.id);
    expect((await service.resolve(state.id)).reference).toBe(state.reference);
  });

  it('names a reference or id that matches nothing', async () => {
    const { service } = world();
    await send(service, requester);
    expect((await rejection(service.resolve('RA-2026-222222'))).code).toBe('ASSESSMENT_NOT_FOUND');
    expect((await rejection(service.resolve('a00'))).code).toBe('ASSESSMENT_NOT_FOUND');
  });

  it('refuses a reference that names two assessments, rather than picking one', async () => {
    const { service, store } = world();
    const state = await send(service, requester);
    const [submitted] = await store.events(state.id);
    // Two ids whose references are alike (about one chance in two thousand among 1,000 a year).
    const twinId = 'a' + 'f'.repeat(31);
    const twin = { ...state, id: twinId };
    await store.create(twin, [{ ...submitted!, assessmentId: twinId }]);
    const err = await rejection(service.resolve(state.reference));
    expect(err.code).toBe('INPUT_INVALID');
    expect(err.message).toContain(state.reference);
    expect(err.message).toContain('2 assessments');
    expect((await service.resolve(state.id)).id).toBe(state.id);
    expect((await service.resolve(twinId)).id).toBe(twinId);
  });
});

describe('AssessmentService: reviews', () => {
  const day = 86_400_000;
  const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

  it('picks decided, approved assessments whose review date is inside the notice period, once', async () => {
    const w = world();
    const { service, clock } = w;
    const now = Date.parse('2026-11-23T09:00:00.000Z');
    const notice = defaultPack.assessment.reviewNoticeDays;
    const lastDay = isoDay(now + notice * day);
    const decideOne = async (decision: Decision, reviewDate: string) => {
      const s = await send(service, requester);
      await service.act(s.id, approver, {
        kind: 'decide',
        decision,
        reviewDate,
        ...(decision === 'approveWithConditions' && { conditions: 'Tenant only' }),
      });
      return s.id;
    };
    const onLastDay = await decideOne('approve', lastDay);
    const overdue = await decideOne('approveWithConditions', isoDay(now - 10 * day));
    const dayAfter = await decideOne('approve', isoDay(now + (notice + 1) * day));
    const rejected = await decideOne('reject', isoDay(now + day));
    const waiting = (await send(service, requester)).id;
    const asked = await decideOne('approve', isoDay(now + 5 * day));
    await service.act(asked, { id: 'system:review-timer' }, { kind: 'reviewDue' });

    clock.set(new Date(now).toISOString());
    const due = (await service.dueForReview()).map((s) => s.id).sort();
    expect(due).toEqual([onLastDay, overdue].sort());
    expect(due).not.toContain(dayAfter);
    expect(due).not.toContain(rejected);
    expect(due).not.toContain(waiting);

    clock.set(new Date(now + day).toISOString());
    expect((await service.dueForReview()).map((s) => s.id).sort()).toEqual(
      [onLastDay, overdue, dayAfter].sort(),
    );
  });

  it('a review starts from the previous answers and marks the old assessment reviewed', async () => {
    const { service, store, changes } = world();
    const old = await send(service, requester, answers({ strangers: 'yes' }));
    await service.act(old.id, approver, decide('approve'));
    expect((await rejection(service.reopenForReview(bystander, old.id))).code).toBe('NOT_AUTHORISED');
    const view = await service.reopenForReview(requester, old.id);
    expect(view.draft.reviewOf).toBe(old.id);
    expect(view.draft.answers).toEqual(old.narrative.answers);
    const result = await service.submit(requester, view.draft.key);
    if (!('state' in result)) throw new EsafetyError('UNEXPECTED', 'expected an assessment');
    expect(result.state.id).not.toBe(old.id);
    expect(result.state.reviewOf).toBe(old.id);
    expect((await service.get(old.id)).reviewedBy).toBe(result.state.id);
    expect(await service.dueForReview()).toEqual([]);
    expect((await rejection(service.reopenForReview(requester, old.id))).code).toBe(
      'ASSESSMENT_TRANSITION_REFUSED',
    );
    expect(verifyAssessmentChain(old.id, await store.events(old.id))).toBeUndefined();
    expect(changes.map((c) => [c.state.id === old.id ? 'old' : 'new', c.event.type])).toEqual([
      ['old', 'submitted'],
      ['old', 'decided'],
      ['new', 'submitted'],
      ['old', 'reviewed'],
    ]);

    function decide(decision: Decision) {
      return { kind: 'decide' as const, decision, reviewDate: '2027-11-23' };
    }
  });
});

describe('AssessmentService: follow-ups', () => {
  it('tells onChange once per committed change, with the state after it, and never for a refusal', async () => {
    const { service, changes, store } = world();
    const state = await send(service, requester);
    await rejection(service.act(state.id, bystander, { kind: 'requestInfo', question: 'Why?' }));
    await rejection(service.act(state.id, requester, { kind: 'reviewDue' }));
    await service.act(state.id, approver, { kind: 'requestInfo', question: 'Why?' });
    await rejection(service.act(state.id, approver, { kind: 'requestInfo', question: 'Why again?' }));
    await service.act(state.id, requester, { kind: 'withdraw' });
    await rejection(service.act(state.id, requester, { kind: 'withdraw' }));
    const events = await store.events(state.id);
    expect(changes.map((c) => c.event)).toEqual(events);
    expect(changes.map((c) => [c.state.version, c.state.status])).toEqual([
      [1, 'submitted'],
      [2, 'moreInfo'],
      [3, 'withdrawn'],
    ]);
  });

  it('keeps a committed change when the follow-up fails', async () => {
    const { service, store } = world({
      onChange: () => Promise.reject(new EsafetyError('STORAGE_UNAVAILABLE', 'queue down')),
    });
    const state = await send(service, requester);
    expect((await service.get(state.id)).status).toBe('submitted');
    const { state: asked } = await service.act(state.id, approver, { kind: 'requestInfo', question: 'Why?' });
    expect(asked.status).toBe('moreInfo');
    expect(await store.events(state.id)).toHaveLength(2);
  });
});
