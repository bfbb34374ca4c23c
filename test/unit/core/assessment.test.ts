import {
  assessmentIdFor,
  assessmentReference,
  decideAssessment,
  decisionText,
  evolveAssessment,
  foldAssessment,
  reviewDateFrom,
  sealAssessmentEvent,
  verifyAssessmentChain,
  type Actor,
  type AssessmentCommand,
  type AssessmentEvent,
  type AssessmentEventBody,
  type AssessmentState,
  type RiskFacts,
} from '../../../core/assessments/assessment';
import { genesisHash } from '../../../core/event-chain';
import { EsafetyError } from '../../../core/errors';
import { dslA, staff } from '../../support/fixtures';

const requester: Actor = { id: staff.id, name: 'Sam Staff' };
const approver: Actor = { id: dslA.id, name: 'Dana DSL' };
const system: Actor = { id: 'system:assessments' };
const id = assessmentIdFor('draft-1');
const submittedAt = '2026-11-23T09:00:00.000Z';
const reference = assessmentReference(id, submittedAt);

const firstRisk: RiskFacts = {
  risk: 'high',
  score: 4,
  reasons: [
    { kind: 'answer', questionId: 'strangers', answer: 'yes', weight: 3 },
    { kind: 'rule', ruleId: 'safeguarding-or-data', level: 'high' },
  ],
  questionnaireVersion: 'v1',
};
const firstAnswers = {
  tool: 'Padlet',
  answers: { tool: { value: 'Padlet' }, strangers: { value: 'yes', comment: 'Public boards' } },
};

interface History {
  readonly state: AssessmentState;
  readonly events: readonly AssessmentEvent[];
}

function submitted(): History {
  const event = sealAssessmentEvent(
    undefined,
    id,
    {
      type: 'submitted',
      data: {
        reference,
        questionnaireId: 'technology',
        approverRole: 'approver',
        route: 'approvals',
        ...firstRisk,
      },
      narrative: firstAnswers,
    },
    requester,
    submittedAt,
  );
  return { state: evolveAssessment(undefined, event), events: [event] };
}

/** A command through decide → seal → evolve, as the service does, a minute after the last event. */
function then(h: History, command: AssessmentCommand, actor: Actor): History {
  const body = decideAssessment(h.state, command);
  const at = new Date(Date.parse(h.state.updatedAt) + 60_000).toISOString();
  const event = sealAssessmentEvent(h.state, h.state.id, body, actor, at);
  return { state: evolveAssessment(h.state, event), events: [...h.events, event] };
}

function refusal(fn: () => unknown): EsafetyError {
  try {
    fn();
  } catch (err) {
    if (err instanceof EsafetyError) return err;
    throw err;
  }
  throw new EsafetyError('UNEXPECTED', 'expected a refusal');
}

const reviewDate = '2027-11-23';
const newerRisk: RiskFacts = { risk: 'low', score: 0, reasons: [], questionnaireVersion: 'v2' };
const newerAnswers = {
  tool: 'Padlet (locked)',
  answers: { tool: { value: 'Padlet (locked)' }, strangers: { value: 'no' } },
};

const commands = {
  requestInfo: { kind: 'requestInfo', question: 'Which boards are public?' },
  answer: { kind: 'answer', answers: newerAnswers, risk: newerRisk, reply: 'None now.' },
  approve: { kind: 'decide', decision: 'approve', reviewDate, note: 'Fine.' },
  approveWithConditions: {
    kind: 'decide',
    decision: 'approveWithConditions',
    reviewDate,
    conditions: 'Tenant-only boards.',
  },
  conditionsMissing: { kind: 'decide', decision: 'approveWithConditions', reviewDate },
  reject: { kind: 'decide', decision: 'reject', reviewDate },
  withdraw: { kind: 'withdraw', note: 'No longer needed.' },
  reviewDue: { kind: 'reviewDue' },
  reviewed: { kind: 'reviewed', by: 'a-newer-assessment' },
} satisfies Record<string, AssessmentCommand>;
type CommandName = keyof typeof commands;

/** The event body each command appends when allowed. */
function bodyOf(name: CommandName, state: AssessmentState): AssessmentEventBody {
  switch (name) {
    case 'requestInfo':
      return { type: 'infoRequested', data: {}, narrative: { question: 'Which boards are public?' } };
    case 'answer':
      return { type: 'answered', data: newerRisk, narrative: { ...newerAnswers, reply: 'None now.' } };
    case 'approve':
      return { type: 'decided', data: { decision: 'approve', reviewDate }, narrative: { note: 'Fine.' } };
    case 'approveWithConditions':
      return {
        type: 'decided',
        data: { decision: 'approveWithConditions', reviewDate },
        narrative: { conditions: 'Tenant-only boards.' },
      };
    case 'reject':
      return { type: 'decided', data: { decision: 'reject', reviewDate }, narrative: {} };
    case 'withdraw':
      return { type: 'withdrawn', data: {}, narrative: { note: 'No longer needed.' } };
    case 'reviewDue':
      return { type: 'reviewDue', data: { reviewDate: state.reviewDate! }, narrative: {} };
    case 'reviewed':
      return { type: 'reviewed', data: { by: 'a-newer-assessment' }, narrative: {} };
    case 'conditionsMissing':
      throw new EsafetyError('UNEXPECTED', 'never allowed');
  }
}

const histories: Record<string, () => History> = {
  submitted,
  moreInfo: () => then(submitted(), commands.requestInfo, approver),
  'answered (submitted again)': () =>
    then(then(submitted(), commands.requestInfo, approver), commands.answer, requester),
  'decided: approved': () => then(submitted(), commands.approve, approver),
  'decided: rejected': () => then(submitted(), commands.reject, approver),
  'decided: review asked': () =>
    then(then(submitted(), commands.approveWithConditions, approver), commands.reviewDue, system),
  'decided: reviewed': () => then(then(submitted(), commands.approve, approver), commands.reviewed, system),
  withdrawn: () => then(submitted(), commands.withdraw, requester),
};

/** Allowed, or the `reason` of the refusal. */
type Outcome =
  | 'allowed'
  | 'notAsked'
  | 'conditionsMissing'
  | 'notDecided'
  | 'waiting'
  | 'alreadyDecided'
  | 'withdrawn'
  | 'alreadyAsked'
  | 'reviewed';
const closedBy = (reason: Outcome): Record<CommandName, Outcome> => ({
  requestInfo: reason,
  answer: reason,
  approve: reason,
  approveWithConditions: reason,
  conditionsMissing: reason,
  reject: reason,
  withdraw: reason,
  reviewDue: 'notDecided',
  reviewed: 'allowed',
});
const waitingForDecision: Record<CommandName, Outcome> = {
  requestInfo: 'allowed',
  answer: 'notAsked',
  approve: 'allowed',
  approveWithConditions: 'allowed',
  conditionsMissing: 'conditionsMissing',
  reject: 'allowed',
  withdraw: 'allowed',
  reviewDue: 'notDecided',
  // Only a decided assessment has a review, so only a decided one can be marked reviewed.
  reviewed: 'notDecided',
};

/** What the rules say each command does in each status: allowed, or the reason it is refused. */
const expected: Record<keyof typeof histories, Record<CommandName, Outcome>> = {
  submitted: waitingForDecision,
  'answered (submitted again)': waitingForDecision,
  moreInfo: {
    requestInfo: 'waiting',
    answer: 'allowed',
    approve: 'waiting',
    approveWithConditions: 'waiting',
    conditionsMissing: 'waiting',
    reject: 'waiting',
    withdraw: 'allowed',
    reviewDue: 'notDecided',
    reviewed: 'notDecided',
  },
  'decided: approved': { ...closedBy('alreadyDecided'), reviewDue: 'allowed' },
  'decided: rejected': closedBy('alreadyDecided'),
  'decided: review asked': { ...closedBy('alreadyDecided'), reviewDue: 'alreadyAsked' },
  'decided: reviewed': { ...closedBy('alreadyDecided'), reviewDue: 'reviewed', reviewed: 'reviewed' },
  withdrawn: { ...closedBy('withdrawn'), reviewed: 'notDecided' },
};

const cells = Object.entries(expected).flatMap(([status, row]) =>
  Object.entries(row).map(([command, outcome]) => [status, command as CommandName, outcome] as const),
);

describe('decideAssessment', () => {
  it.each(cells.filter(([, , o]) => o === 'allowed'))('%s: %s is allowed', (status, name) => {
    const { state } = histories[status]!();
    expect(decideAssessment(state, commands[name])).toEqual(bodyOf(name, state));
  });

  it.each(cells.filter(([, c, o]) => o !== 'allowed' && c !== 'conditionsMissing'))(
    '%s: %s is refused (%s), naming the reference',
    (status, name, reason) => {
      const { state } = histories[status]!();
      const err = refusal(() => decideAssessment(state, commands[name]));
      expect(err.code).toBe('ASSESSMENT_TRANSITION_REFUSED');
      expect(err.details).toEqual({ assessmentId: id, reason, status: state.status });
      expect(err.message).toContain(reference);
    },
  );

  it('refuses approval with conditions but without them, and with empty conditions', () => {
    const { state } = submitted();
    for (const command of [commands.conditionsMissing, { ...commands.conditionsMissing, conditions: '' }]) {
      const err = refusal(() => decideAssessment(state, command));
      expect(err.code).toBe('ASSESSMENT_TRANSITION_REFUSED');
      expect(err.details['reason']).toBe('conditionsMissing');
      expect(err.message).toMatch(/conditions/);
    }
  });

  it('names the reference when conditions are missing, as every other refusal does', () => {
    const err = refusal(() => decideAssessment(submitted().state, commands.conditionsMissing));
    expect(err.message).toBe(`Approving ${reference} with conditions needs the conditions.`);
  });

  it('tells a late approver who decided and what', () => {
    for (const decision of ['approve', 'approveWithConditions', 'reject'] as const) {
      const decided = then(submitted(), { ...commands.approveWithConditions, decision }, approver);
      const err = refusal(() => decideAssessment(decided.state, commands.reject));
      expect(err.message).toBe(
        `${reference} has already been decided (${decisionText[decision]}) by Dana DSL.`,
      );
    }
    const anonymous = then(submitted(), commands.approve, { id: 'approver-without-name' });
    expect(refusal(() => decideAssessment(anonymous.state, commands.approve)).message).toContain(
      'by an approver',
    );
  });
});

describe('evolveAssessment and foldAssessment', () => {
  const long = () =>
    [
      [commands.requestInfo, approver],
      [commands.answer, requester],
      [{ kind: 'requestInfo', question: 'And the age limit?' }, approver],
      [{ ...commands.answer, reply: undefined }, requester],
      [commands.approveWithConditions, approver],
      [commands.reviewDue, system],
      [commands.reviewed, system],
    ].reduce<History[]>(
      (acc, [command, actor]) => [...acc, then(acc.at(-1)!, command as AssessmentCommand, actor as Actor)],
      [submitted()],
    );

  it('folding the chronology gives the state reached step by step, at every step', () => {
    for (const h of long()) expect(foldAssessment(h.events)).toEqual(h.state);
  });

  it('records the submission as it was sent', () => {
    const { state, events } = submitted();
    expect(state).toEqual({
      id,
      reference,
      questionnaireId: 'technology',
      questionnaireVersion: 'v1',
      approverRole: 'approver',
      route: 'approvals',
      status: 'submitted',
      risk: 'high',
      score: 4,
      reasons: firstRisk.reasons,
      requesterId: requester.id,
      submittedAt,
      updatedAt: submittedAt,
      version: 1,
      lastHash: events[0]!.hash,
      narrative: { ...firstAnswers, requesterName: 'Sam Staff' },
    });
  });

  it('keeps the question while waiting, and replaces answers and risk when answered', () => {
    const asked = then(submitted(), commands.requestInfo, approver).state;
    expect(asked.status).toBe('moreInfo');
    expect(asked.narrative.question).toBe('Which boards are public?');
    const answered = then({ state: asked, events: [] }, commands.answer, requester).state;
    expect(answered).toMatchObject({ status: 'submitted', ...newerRisk, narrative: newerAnswers });
    expect(answered.narrative.question).toBeUndefined();
  });

  it('ends with the decision, its conditions, who made it, the review and the newer assessment', () => {
    const all = long();
    const last = all.at(-1)!;
    const decidedEvent = last.events.find((e) => e.type === 'decided')!;
    expect(last.state).toMatchObject({
      status: 'decided',
      decision: 'approveWithConditions',
      decidedBy: approver.id,
      decidedAt: decidedEvent.at,
      reviewDate,
      reviewRequestedAt: last.events.find((e) => e.type === 'reviewDue')!.at,
      reviewedBy: 'a-newer-assessment',
      version: last.events.length,
      lastHash: last.events.at(-1)!.hash,
      narrative: { deciderName: 'Dana DSL', conditions: 'Tenant-only boards.', requesterName: 'Sam Staff' },
    });
  });

  it('refuses a chronology that does not start with a submission', () => {
    const { events } = then(submitted(), commands.requestInfo, approver);
    expect(refusal(() => evolveAssessment(undefined, events[1]!)).code).toBe('STORAGE_FAILED');
  });

  it('seals each event onto the previous one', () => {
    const { events } = then(then(submitted(), commands.requestInfo, approver), commands.answer, requester);
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(events[0]!.prevHash).toBe(genesisHash);
    expect(events[1]!.prevHash).toBe(events[0]!.hash);
    expect(events[2]!.prevHash).toBe(events[1]!.hash);
    expect(events[2]).toMatchObject({ actorId: requester.id, actorName: 'Sam Staff' });
  });
});

describe('verifyAssessmentChain', () => {
  const chain = (): AssessmentEvent[] => [
    ...then(
      then(then(submitted(), commands.requestInfo, approver), commands.answer, requester),
      commands.approve,
      approver,
    ).events,
  ];

  it('accepts an untouched chronology', () => {
    expect(verifyAssessmentChain(id, chain())).toBeUndefined();
  });

  it('detects an edited answer, decision or time', () => {
    const edits: ((e: AssessmentEvent[]) => void)[] = [
      (e) => ((e[2]!.narrative as { answers: object }).answers = { strangers: { value: 'no' } }),
      (e) => ((e[3]!.data as { decision: string }).decision = 'reject'),
      (e) => ((e[1] as { at: string }).at = '2026-11-24T09:00:00.000Z'),
      (e) => ((e[0]!.data as { risk: string }).risk = 'low'),
    ];
    for (const [i, edit] of edits.entries()) {
      const events = structuredClone(chain());
      edit(events);
      const seq = [3, 4, 2, 1][i];
      expect(verifyAssessmentChain(id, events)).toEqual({ seq, reason: expect.stringMatching(/edited/) });
    }
  });

  it('detects an edit whose hash was recomputed, at the next event', () => {
    const events = structuredClone(chain());
    const { hash: _old, ...rest } = events[1]!;
    const forged = { ...rest, narrative: { question: 'Nothing to see' } } as Omit<AssessmentEvent, 'hash'>;
    const resealed = sealAssessmentEvent(
      foldAssessment(events.slice(0, 1)),
      id,
      { type: 'infoRequested', data: {}, narrative: forged.narrative as { question: string } },
      approver,
      forged.at,
    );
    events[1] = resealed;
    expect(verifyAssessmentChain(id, events)).toEqual({ seq: 3, reason: expect.stringMatching(/prevHash/) });
  });

  it('detects a missing event, a reordering, another assessment and an empty chronology', () => {
    const events = chain();
    expect(verifyAssessmentChain(id, [events[0]!, ...events.slice(2)])).toMatchObject({ seq: 2 });
    expect(verifyAssessmentChain(id, [events[0]!, events[2]!, events[1]!, events[3]!])).toMatchObject({
      seq: 2,
    });
    expect(verifyAssessmentChain(assessmentIdFor('another'), events)).toMatchObject({
      seq: 1,
      reason: expect.stringMatching(/another assessment/),
    });
    expect(verifyAssessmentChain(id, [])).toMatchObject({ seq: 1 });
  });
});

describe('assessmentReference', () => {
  const readable = /^RA-(\d{4})-([23456789ABCDEFGHJKLMNPQRSTUVWXYZ]{6})$/;
  const ids = Array.from({ length: 300 }, (_, i) => assessmentIdFor(`draft-${i}`));

  it('reads RA-YYYY-XXXXXX, the year of the submission and six unambiguous characters', () => {
    for (const a of ids) {
      const ref = assessmentReference(a, '2027-03-04T10:00:00.000Z');
      expect(ref).toMatch(readable);
      expect(readable.exec(ref)![1]).toBe('2027');
    }
  });

  it('is stable for an assessment; only the year follows the submission', () => {
    const first = assessmentReference(id, submittedAt);
    expect(assessmentReference(id, submittedAt)).toBe(first);
    expect(assessmentReference(id, '2026-01-01T00:00:00.000Z')).toBe(first);
    expect(assessmentReference(id, '2031-06-01T00:00:00.000Z')).toBe(first.replace('2026', '2031'));
  });

  it('differs between assessments', () => {
    const refs = new Set(ids.map((a) => assessmentReference(a, submittedAt)));
    expect(refs.size).toBe(ids.length);
  });

  it('names the same assessment for the same draft, another for another draft', () => {
    expect(assessmentIdFor('draft-1')).toBe(id);
    expect(assessmentIdFor('draft-2')).not.toBe(id);
    expect(id).toMatch(/^a[0-9a-f]{31}$/);
  });
});

describe('reviewDateFrom', () => {
  it.each([
    ['2026-11-23T09:00:00.000Z', 12, '2027-11-23'],
    ['2026-12-15T12:00:00.000Z', 1, '2027-01-15'],
    ['2026-11-30T12:00:00.000Z', 2, '2027-01-30'],
    ['2026-01-31T12:00:00.000Z', 12, '2027-01-31'],
    ['2026-03-31T12:00:00.000Z', 60, '2031-03-31'],
    ['2026-07-31T12:00:00.000Z', 1, '2026-08-31'],
  ])('from %s, %i months ahead is %s', (now, months, expectedDate) => {
    expect(reviewDateFrom(new Date(now), months)).toBe(expectedDate);
  });

  // A day the target month does not have is the month's last day (31 Jan + 1 month is 28 Feb), never
  // rolled into the month after, which would put the review later than the policy's period.
  it.each([
    ['2026-01-31T12:00:00.000Z', 1, '2026-02-28'],
    ['2024-02-29T12:00:00.000Z', 12, '2025-02-28'],
    ['2026-08-31T12:00:00.000Z', 1, '2026-09-30'],
    ['2026-12-31T12:00:00.000Z', 2, '2027-02-28'],
  ])('from %s, %i months ahead is the end of the month, %s', (now, months, expectedDate) => {
    expect(reviewDateFrom(new Date(now), months)).toBe(expectedDate);
  });
});
