/**
 * The AssessmentStore contract. Every implementation — Azure Table Storage and the in-memory fake —
 * runs this same suite, so a unit test passing on the fake means the same thing on the real adapter.
 */
import {
  assessmentIdFor,
  assessmentReference,
  evolveAssessment,
  sealAssessmentEvent,
  verifyAssessmentChain,
  type Actor,
  type AssessmentEvent,
  type AssessmentEventBody,
  type AssessmentState,
} from '../../core/assessments/assessment';
import type { AssessmentStore } from '../../core/assessments/assessment-store';
import { EsafetyError, type ErrorCode } from '../../core/errors';
import type { Answers } from '../../core/questionnaire/questionnaire';
import { dslA, staff } from '../support/fixtures';

const requester: Actor = { id: staff.id, name: 'Sam Staff' };
const approver: Actor = { id: dslA.id, name: 'Dana DSL' };
const system: Actor = { id: 'system' };

export const contractAnswers: Answers = {
  tool: { value: 'Padlet “boards”' },
  purpose: { value: 'Sharing revision notes', comment: 'Comment-QUUX: learners post "anonymously" — é ✓' },
  strangers: { value: 'yes', comment: 'Open to the public unless locked down.' },
  'no-reporting': { value: 'unsure' },
};

interface Step {
  readonly state: AssessmentState;
  readonly event: AssessmentEvent;
}

function submission(id: string, answers: Answers = contractAnswers, reviewOf?: string): Step {
  const at = '2026-11-23T09:00:00.000Z';
  const event = sealAssessmentEvent(
    undefined,
    id,
    {
      type: 'submitted',
      data: {
        reference: assessmentReference(id, at),
        questionnaireId: 'technology',
        questionnaireVersion: 'sha256:0123abcd',
        approverRole: 'dsl',
        route: 'dsl',
        risk: 'high',
        score: 7,
        reasons: [
          { kind: 'answer', questionId: 'strangers', answer: 'yes', weight: 3 },
          { kind: 'rule', ruleId: 'children-sign-up', level: 'high' },
        ],
        ...(reviewOf !== undefined && { reviewOf }),
      },
      narrative: { tool: answers['tool']?.value ?? 'A tool', answers },
    },
    requester,
    at,
  );
  return { state: evolveAssessment(undefined, event), event };
}

function next(state: AssessmentState, body: AssessmentEventBody, actor: Actor = approver): Step {
  const at = `2026-11-23T09:${String(state.version).padStart(2, '0')}:00.000Z`;
  const event = sealAssessmentEvent(state, state.id, body, actor, at);
  return { state: evolveAssessment(state, event), event };
}

const ask = (question: string): AssessmentEventBody => ({
  type: 'infoRequested',
  data: {},
  narrative: { question },
});

async function codeOf(promise: Promise<unknown>): Promise<ErrorCode | 'resolved'> {
  try {
    await promise;
    return 'resolved';
  } catch (err) {
    expect(err).toBeInstanceOf(EsafetyError);
    return (err as EsafetyError).code;
  }
}

let counter = 0;

export function describeAssessmentStoreContract(
  name: string,
  makeStore: () => Promise<AssessmentStore> | AssessmentStore,
): void {
  describe(`AssessmentStore contract: ${name}`, () => {
    let store: AssessmentStore;
    const newId = () => assessmentIdFor(`contract-${name}-${++counter}-${Math.random()}`);

    beforeEach(async () => {
      store = await makeStore();
    });

    it('returns what was created, every field and the narrative included', async () => {
      const { state, event } = submission(newId(), contractAnswers, assessmentIdFor('an older draft'));
      const { created, snapshot } = await store.create(state, [event]);
      expect(created).toBe(true);
      expect(snapshot).toEqual({ state, token: expect.any(String) });
      expect(snapshot.token).not.toBe('');
      expect(await store.load(state.id)).toEqual({ state, token: snapshot.token });
      expect(await store.events(state.id)).toEqual([event]);
      expect((await store.load(state.id))?.state.reviewOf).toBe(state.reviewOf);
    });

    it('keeps every field through a whole life, and the chronology verifies', async () => {
      const first = submission(newId());
      const steps: Step[] = [first, next(first.state, ask('Question-XYZZY: who moderates the boards?'))];
      const push = (body: AssessmentEventBody, actor?: Actor) =>
        steps.push(next((steps.at(-1) as Step).state, body, actor));
      push(
        {
          type: 'answered',
          data: { risk: 'medium', score: 4, reasons: [], questionnaireVersion: 'sha256:4567ef' },
          narrative: {
            tool: 'Padlet',
            answers: { ...contractAnswers, moderation: { value: 'yes', comment: 'Teacher approves posts.' } },
            reply: 'Reply-PLUGH: the teacher approves every post.',
          },
        },
        requester,
      );
      push({
        type: 'decided',
        data: { decision: 'approveWithConditions', reviewDate: '2027-11-23' },
        narrative: { conditions: 'Conditions-FROTZ: boards stay private.', note: 'Note-GRUE' },
      });
      push({ type: 'reviewDue', data: { reviewDate: '2027-11-23' }, narrative: {} }, system);
      push({ type: 'reviewed', data: { by: assessmentIdFor('the review') }, narrative: {} }, system);

      let { snapshot } = await store.create(first.state, [first.event]);
      for (const step of steps.slice(1)) {
        const after = await store.commit(first.state.id, snapshot.token, step.state, [step.event]);
        expect(after.token).not.toBe(snapshot.token);
        expect(await store.load(first.state.id)).toEqual({ state: step.state, token: after.token });
        snapshot = after;
      }
      const last = (steps.at(-1) as Step).state;
      expect(last).toMatchObject({
        status: 'decided',
        decision: 'approveWithConditions',
        decidedBy: approver.id,
        reviewRequestedAt: expect.any(String),
        reviewedBy: expect.any(String),
        narrative: { deciderName: approver.name, conditions: expect.any(String), decisionNote: 'Note-GRUE' },
      });
      const events = await store.events(first.state.id);
      expect(events).toEqual(steps.map((s) => s.event));
      expect(events[4]).not.toHaveProperty('actorName');
      expect(verifyAssessmentChain(first.state.id, events)).toBeUndefined();
      expect((await store.load(first.state.id))?.state).toEqual(last);
    });

    it('creates an assessment with several first events in one write, in order', async () => {
      const a = submission(newId());
      const b = next(a.state, ask('first question'));
      const { created, snapshot } = await store.create(b.state, [a.event, b.event]);
      expect(created).toBe(true);
      expect(snapshot.state.version).toBe(2);
      expect(await store.events(a.state.id)).toEqual([a.event, b.event]);
      expect(verifyAssessmentChain(a.state.id, await store.events(a.state.id))).toBeUndefined();
    });

    it('creates an assessment once: a second create returns the existing one and writes nothing', async () => {
      const id = newId();
      const first = submission(id);
      const { snapshot } = await store.create(first.state, [first.event]);
      const other = submission(id, { tool: { value: 'Something else' } });
      const again = await store.create(other.state, [other.event]);
      expect(again).toEqual({ created: false, snapshot: { state: first.state, token: snapshot.token } });
      expect(await store.events(id)).toEqual([first.event]);
    });

    it('creates one assessment however many writers send the same submission at once', async () => {
      const { state, event } = submission(newId());
      const results = await Promise.all(Array.from({ length: 5 }, () => store.create(state, [event])));
      expect(results.filter((r) => r.created)).toHaveLength(1);
      for (const r of results) expect(r.snapshot.state).toEqual(state);
      expect(await store.events(state.id)).toEqual([event]);
    });

    it('refuses a commit built on a stale head with ASSESSMENT_CONFLICT and writes nothing', async () => {
      const a = submission(newId());
      const { snapshot } = await store.create(a.state, [a.event]);
      const winner = next(a.state, ask('winner'));
      const current = await store.commit(a.state.id, snapshot.token, winner.state, [winner.event]);
      const loser = next(a.state, { type: 'withdrawn', data: {}, narrative: { note: 'loser' } }, requester);
      expect(await codeOf(store.commit(a.state.id, snapshot.token, loser.state, [loser.event]))).toBe(
        'ASSESSMENT_CONFLICT',
      );
      expect(await store.events(a.state.id)).toEqual([a.event, winner.event]);
      expect(await store.load(a.state.id)).toEqual({ state: winner.state, token: current.token });
    });

    it('lets exactly one of several commits on one token win', async () => {
      const a = submission(newId());
      const { snapshot } = await store.create(a.state, [a.event]);
      const rivals = Array.from({ length: 6 }, (_, i) => next(a.state, ask(`question ${i}`)));
      const results = await Promise.allSettled(
        rivals.map((r) => store.commit(a.state.id, snapshot.token, r.state, [r.event])),
      );
      const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [rivals[i] as Step] : []));
      expect(won).toHaveLength(1);
      for (const r of results) {
        if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'ASSESSMENT_CONFLICT' });
      }
      const winner = won[0] as Step;
      expect(await store.events(a.state.id)).toEqual([a.event, winner.event]);
      expect((await store.load(a.state.id))?.state).toEqual(winner.state);
    });

    it('refuses a commit to an assessment that does not exist', async () => {
      const other = submission(newId());
      const { snapshot } = await store.create(other.state, [other.event]);
      const a = submission(newId());
      const b = next(a.state, ask('anyone there?'));
      expect(await codeOf(store.commit(a.state.id, snapshot.token, b.state, [b.event]))).toBe(
        'ASSESSMENT_NOT_FOUND',
      );
      expect(await store.load(a.state.id)).toBeUndefined();
      expect(await store.events(a.state.id)).toEqual([]);
    });

    it('refuses events of another assessment', async () => {
      const a = submission(newId());
      const b = submission(newId());
      expect(await codeOf(store.create(a.state, [b.event]))).toBe('UNEXPECTED');
      expect(await store.load(a.state.id)).toBeUndefined();
    });

    it('returns nothing for an assessment that does not exist', async () => {
      expect(await store.load(assessmentIdFor('never sent'))).toBeUndefined();
      expect(await store.events(assessmentIdFor('never sent'))).toEqual([]);
    });

    it('lists every assessment’s current state and names every id', async () => {
      const a = submission(newId());
      const b = submission(newId());
      const { snapshot } = await store.create(a.state, [a.event]);
      await store.create(b.state, [b.event]);
      const asked = next(a.state, ask('who moderates?'));
      await store.commit(a.state.id, snapshot.token, asked.state, [asked.event]);
      const byId = (states: AssessmentState[]) => [...states].sort((x, y) => (x.id < y.id ? -1 : 1));
      expect(byId(await store.list())).toEqual(byId([asked.state, b.state]));
      expect([...(await store.allIds())].sort()).toEqual([a.state.id, b.state.id].sort());
    });

    it('keeps a narrative longer than one stored value may be', async () => {
      const long = (seed: string) => `${seed} ${'é✓ long answer text '.repeat(50)}`.slice(0, 1000);
      const answers: Answers = Object.fromEntries(
        Array.from({ length: 40 }, (_, i) => [`q${i}`, { value: long(`v${i}`), comment: long(`c${i}`) }]),
      );
      const { state, event } = submission(newId(), { tool: { value: 'Big' }, ...answers });
      await store.create(state, [event]);
      expect((await store.load(state.id))?.state).toEqual(state);
      expect(await store.events(state.id)).toEqual([event]);
    });
  });
}
