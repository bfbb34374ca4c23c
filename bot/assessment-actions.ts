/**
 * Risk-assessment card actions: the requester's steps through the questionnaire (`assessment.step`,
 * `assessment.show`, `assessment.submit`, `assessment.reopen`, `assessment.withdraw`) and the
 * approver's (`assessment.decide`, `assessment.askInfo`, `assessment.refresh`). Card data is parsed
 * with a schema and only ever names things that are then looked up; who may act comes from the
 * activity and the policy pack's roles (core/assessments/assessment-service.ts).
 *
 * The draft a card belongs to travels as `draft` in action data, never `key`: the Agents Playground's
 * renderer throws on an action whose data has a `key` property, so such a button does nothing.
 */
import { z } from 'zod';
import type { AdaptiveCard } from '../cards/adaptive-card';
import { approverCard, draftCard, requesterCard } from '../cards/assessment/assessment-cards';
import { messageCard } from '../cards/message/message';
import { verbs } from '../cards/verbs';
import { decisions, type Actor, type AssessmentState } from '../core/assessments/assessment';
import { summaryStep } from '../core/assessments/assessment-service';
import { toEsafetyError } from '../core/errors';
import type { Logger } from '../core/logger';
import type { BotDeps } from './turn';

type Data = Record<string, unknown>;

const assessmentVerbs = [
  verbs.assessmentStart,
  verbs.assessmentStep,
  verbs.assessmentShow,
  verbs.assessmentSubmit,
  verbs.assessmentDecide,
  verbs.assessmentAskInfo,
  verbs.assessmentWithdraw,
  verbs.assessmentReopen,
  verbs.assessmentRefresh,
] as const;
type AssessmentVerb = (typeof assessmentVerbs)[number];

export function isAssessmentVerb(verb: unknown): verb is AssessmentVerb {
  return (assessmentVerbs as readonly unknown[]).includes(verb);
}

const id = z.string().regex(/^[a-z0-9]{1,64}$/i, 'not an assessment id');
const draftKey = z.string().regex(/^(?:[a-z][a-zA-Z0-9-]*|(?:answer|review):[a-z0-9]{1,64})$/, 'not a draft');
const sectionId = z.string().regex(/^[a-z][a-zA-Z0-9-]*$/);
const text = (max: number) =>
  z
    .string()
    .trim()
    .max(max, `Keep it under ${max} characters.`)
    .optional()
    .transform((v) => (v === '' ? undefined : v));

const schemas = {
  start: z.object({ questionnaireId: sectionId.default('technology') }),
  step: z.object({
    draft: draftKey,
    section: sectionId,
    move: z.enum(['next', 'back', 'save']),
  }),
  show: z.object({ draft: draftKey, section: z.union([sectionId, z.literal(summaryStep)]) }),
  submit: z.object({ draft: draftKey, reply: text(1000) }),
  decide: z.object({
    assessmentId: id,
    decision: z.enum(decisions, 'Choose a decision: approve, approve with conditions, or do not approve.'),
    conditions: text(1000),
    reviewDate: z
      .string()
      .trim()
      .regex(/^(\d{4}-\d{2}-\d{2})?$/, 'Give the review date as a date.')
      .optional(),
    note: text(1000),
  }),
  askInfo: z.object({
    assessmentId: id,
    question: z.string().trim().min(1, 'Write the question for the requester.').max(1000),
  }),
  withdraw: z.object({ assessmentId: id }),
  reopen: z.object({ assessmentId: id, purpose: z.enum(['answer', 'review']) }),
  refresh: z.object({ assessmentId: id }),
};

/** The first problem a schema found, in words a person can act on. */
function problemOf(error: z.ZodError): string {
  return error.issues[0]?.message ?? 'That card is not complete.';
}

const notRecognised = () =>
  messageCard('That card is out of date', ['Type **assess** to carry on with your risk assessment.'], {
    tone: 'attention',
  });

export async function onAssessmentAction(
  deps: BotDeps,
  log: Logger,
  actor: Actor,
  verb: AssessmentVerb,
  data: Data,
): Promise<AdaptiveCard> {
  const { assessments, pack } = deps;
  switch (verb) {
    case verbs.assessmentStart: {
      const parsed = schemas.start.safeParse(data);
      if (!parsed.success) return notRecognised();
      return draftCard(await assessments.resume(actor, parsed.data.questionnaireId), pack);
    }
    case verbs.assessmentStep: {
      const parsed = schemas.step.safeParse(data);
      if (!parsed.success) return notRecognised();
      const { draft, section, move } = parsed.data;
      const view = await assessments.step(actor, draft, section, move, data);
      if (move === 'save')
        return messageCard('Saved', [
          'Your answers are kept. Type **assess** here (on any device) to carry on where you left off.',
        ]);
      if (Object.keys(view.errors).length > 0)
        log.info(
          { event: 'assessment.stepInvalid', questions: Object.keys(view.errors).join(',') },
          'section returned for correction',
        );
      return draftCard(view, pack);
    }
    case verbs.assessmentShow: {
      const parsed = schemas.show.safeParse(data);
      if (!parsed.success) return notRecognised();
      return draftCard(await assessments.show(actor, parsed.data.draft, parsed.data.section), pack);
    }
    case verbs.assessmentSubmit: {
      const parsed = schemas.submit.safeParse(data);
      if (!parsed.success) return notRecognised();
      const result = await assessments.submit(actor, parsed.data.draft, parsed.data.reply);
      if ('incomplete' in result) {
        log.info(
          {
            event: 'assessment.submitIncomplete',
            questions: Object.keys(result.incomplete.errors).join(','),
          },
          'assessment returned for missing answers',
        );
        return draftCard(result.incomplete, pack);
      }
      return requesterCard(result.state, pack, result.state.version > 1 ? 'answered' : 'submitted');
    }
    case verbs.assessmentReopen: {
      const parsed = schemas.reopen.safeParse(data);
      if (!parsed.success) return notRecognised();
      const { assessmentId, purpose } = parsed.data;
      const view =
        purpose === 'answer'
          ? await assessments.reopenForAnswer(actor, assessmentId)
          : await assessments.reopenForReview(actor, assessmentId);
      return draftCard(view, pack);
    }
    case verbs.assessmentWithdraw: {
      const parsed = schemas.withdraw.safeParse(data);
      if (!parsed.success) return notRecognised();
      const { state } = await assessments.act(parsed.data.assessmentId, actor, { kind: 'withdraw' });
      return requesterCard(state, pack, 'withdrawn');
    }
    case verbs.assessmentDecide:
    case verbs.assessmentAskInfo:
    case verbs.assessmentRefresh:
      return approverAction(deps, log, actor, verb, data);
  }
}

async function approverAction(
  deps: BotDeps,
  log: Logger,
  actor: Actor,
  verb: typeof verbs.assessmentDecide | typeof verbs.assessmentAskInfo | typeof verbs.assessmentRefresh,
  data: Data,
): Promise<AdaptiveCard> {
  const { assessments, pack } = deps;
  const target = schemas.refresh.safeParse(data);
  if (!target.success) return notRecognised();
  const state = await assessments.get(target.data.assessmentId);
  if (!(await assessments.mayDecide(state, actor.id))) {
    log.warn({ event: 'assessment.refused', assessmentId: state.id }, 'approver action refused');
    const role = pack.roles[state.approverRole]?.displayName ?? state.approverRole;
    return messageCard('Not allowed', [`Only the ${role} can see and decide risk assessments.`], {
      tone: 'attention',
    });
  }
  const show = async (s: AssessmentState, notice?: string) =>
    approverCard(s, await assessments.history(s.id), pack, {
      defaultReviewDate: assessments.defaultReviewDate(),
      ...(notice !== undefined && { notice }),
    });
  if (verb === verbs.assessmentRefresh) return show(state);
  const parsed =
    verb === verbs.assessmentDecide ? schemas.decide.safeParse(data) : schemas.askInfo.safeParse(data);
  if (!parsed.success) return show(state, problemOf(parsed.error));
  try {
    const p = parsed.data;
    const result =
      'decision' in p
        ? await assessments.act(state.id, actor, {
            kind: 'decide',
            decision: p.decision,
            reviewDate: p.reviewDate || assessments.defaultReviewDate(),
            ...(p.conditions !== undefined && { conditions: p.conditions }),
            ...(p.note !== undefined && { note: p.note }),
          })
        : await assessments.act(state.id, actor, { kind: 'requestInfo', question: p.question });
    return show(result.state);
  } catch (err) {
    const e = toEsafetyError(err);
    if (e.code !== 'ASSESSMENT_TRANSITION_REFUSED' && e.code !== 'ASSESSMENT_CONFLICT') throw e;
    log.info(
      {
        event: 'assessment.refusedTransition',
        assessmentId: state.id,
        reason: typeof e.details['reason'] === 'string' ? e.details['reason'] : undefined,
      },
      'action refused',
    );
    // Show it as it now is, with why: e.g. the approver who decided first.
    return show(await assessments.get(state.id), e.message);
  }
}
