/**
 * Risk-assessment use cases: fill in a questionnaire a section at a time (saved after every step,
 * so it survives a restart and can be resumed from any device), send it, and act on the sent
 * assessment — the approver decides or asks for more information, the requester answers or
 * withdraws, the review timer asks for a review. Edges (bot, functions, CLI) call these; the rules
 * live here and in assessment.ts.
 */
import { randomUUID } from 'node:crypto';
import { backOff } from 'exponential-backoff';
import type { Directory } from '../auth/authorise';
import type { Clock } from '../clock';
import { fail, isErrorCode, toEsafetyError } from '../errors';
import type { Logger } from '../logger';
import type { PolicyPack } from '../policy/policy-pack';
import {
  firstIncomplete,
  keepAsked,
  questionnaireVersion,
  readSection,
  scoreRisk,
  sectionErrors,
  type Answers,
  type Questionnaire,
} from '../questionnaire/questionnaire';
import {
  assessmentIdFor,
  assessmentReference,
  commandAuthority,
  decideAssessment,
  evolveAssessment,
  reviewDateFrom,
  sealAssessmentEvent,
  type Actor,
  type AssessmentCommand,
  type AssessmentEvent,
  type AssessmentState,
  type RiskFacts,
} from './assessment';
import type { AssessmentStore, Draft, DraftStore } from './assessment-store';

export type PackQuestionnaire = PolicyPack['assessment']['questionnaires'][number];

export interface AssessmentServiceDeps {
  readonly store: AssessmentStore;
  readonly drafts: DraftStore;
  readonly pack: PolicyPack;
  readonly directory: Directory;
  readonly clock: Clock;
  readonly log: Logger;
  /** Told after every committed change (queues the approver's card and the requester's notice). */
  readonly onChange?: (state: AssessmentState, event: AssessmentEvent) => Promise<void>;
}

/** Where a step of the questionnaire leaves the requester. */
export interface DraftView {
  readonly draft: Draft;
  readonly questionnaire: PackQuestionnaire;
  /** Question id → problem, for the section shown. */
  readonly errors: Readonly<Record<string, string>>;
}

export type StepMove = 'next' | 'back' | 'save';

export const summaryStep = 'summary';

export class AssessmentService {
  private readonly log: Logger;

  constructor(private readonly deps: AssessmentServiceDeps) {
    this.log = deps.log.child({ component: 'assessment-service' });
  }

  questionnaire(id: string): PackQuestionnaire {
    return (
      this.deps.pack.assessment.questionnaires.find((q) => q.id === id) ??
      fail('INPUT_INVALID', `There is no "${id}" questionnaire in the policy.`, { questionnaireId: id })
    );
  }

  approverRoleOf(q: PackQuestionnaire): string {
    return q.approverRole ?? this.deps.pack.assessment.approverRole;
  }

  /** `assess`: the person's draft of this questionnaire where they left it, or a new one. */
  async resume(actor: Actor, questionnaireId: string): Promise<DraftView> {
    const questionnaire = this.questionnaire(questionnaireId);
    const found = await this.deps.drafts.get(actor.id, questionnaireId);
    if (found) return this.view(found.draft, {});
    const draft = this.newDraft(questionnaireId, questionnaireId, {});
    return this.view(await this.saveDraft(actor, draft), {}, questionnaire);
  }

  /** The requester answers the approver's question: the assessment's answers, to change and send. */
  async reopenForAnswer(actor: Actor, assessmentId: string): Promise<DraftView> {
    const state = await this.requesterOwn(actor, assessmentId);
    if (state.status !== 'moreInfo')
      fail('ASSESSMENT_TRANSITION_REFUSED', `Nobody is waiting for an answer on ${state.reference}.`, {
        assessmentId,
      });
    return this.reopen(actor, `answer:${assessmentId}`, state, { answering: assessmentId });
  }

  /** A review: a new assessment of the same tool, starting from the previous answers. */
  async reopenForReview(actor: Actor, assessmentId: string): Promise<DraftView> {
    const state = await this.requesterOwn(actor, assessmentId);
    if (state.status !== 'decided' || state.reviewedBy)
      fail('ASSESSMENT_TRANSITION_REFUSED', `${state.reference} has no review waiting.`, { assessmentId });
    return this.reopen(actor, `review:${assessmentId}`, state, { reviewOf: assessmentId });
  }

  private async reopen(
    actor: Actor,
    key: string,
    state: AssessmentState,
    link: Pick<Draft, 'answering' | 'reviewOf'>,
  ): Promise<DraftView> {
    const found = await this.deps.drafts.get(actor.id, key);
    if (found) return this.view(found.draft, {});
    const draft = { ...this.newDraft(key, state.questionnaireId, state.narrative.answers), ...link };
    return this.view(await this.saveDraft(actor, draft), {});
  }

  /**
   * One step: the answers on the card of section `sectionId` are saved whatever the move; `next`
   * goes on only when the section is complete (otherwise the same section comes back with each
   * problem named), `back` goes to the previous section, `save` stays.
   */
  async step(
    actor: Actor,
    key: string,
    sectionId: string,
    move: StepMove,
    data: Readonly<Record<string, unknown>>,
  ): Promise<DraftView> {
    return this.withDraft(actor, key, (draft, questionnaire) => {
      const index = questionnaire.sections.findIndex((s) => s.id === sectionId);
      if (index < 0) {
        // A card from before a pack edit: show where the draft is.
        return { draft, errors: {} };
      }
      const section = questionnaire.sections[index]!;
      const reading = readSection(section, data);
      const others = Object.fromEntries(
        Object.entries(draft.answers).filter(([id]) => !section.questions.some((q) => q.id === id)),
      );
      const answers = { ...others, ...reading.answers };
      const go = (at: string) => ({ draft: { ...draft, answers, at }, errors: {} });
      switch (move) {
        case 'next': {
          if (Object.keys(reading.errors).length > 0)
            return { draft: { ...draft, answers, at: section.id }, errors: reading.errors };
          const next = questionnaire.sections[index + 1];
          return go(next ? next.id : summaryStep);
        }
        case 'back':
          return go(questionnaire.sections[Math.max(0, index - 1)]!.id);
        case 'save':
          return go(section.id);
      }
    });
  }

  /** Shows a section (or the summary) of the draft without changing answers. */
  async show(actor: Actor, key: string, at: string): Promise<DraftView> {
    return this.withDraft(actor, key, (draft, questionnaire) => {
      const known = at === summaryStep || questionnaire.sections.some((s) => s.id === at);
      return { draft: { ...draft, at: known ? at : draft.at }, errors: {} };
    });
  }

  /**
   * Sends the draft: a new assessment (idempotent: the draft's id names it), or the answers to the
   * approver's question. An incomplete draft comes back at its first incomplete section with each
   * problem named, its answers kept.
   */
  async submit(
    actor: Actor,
    key: string,
    reply?: string,
  ): Promise<{ state: AssessmentState } | { incomplete: DraftView }> {
    const found =
      (await this.deps.drafts.get(actor.id, key)) ??
      fail(
        'ASSESSMENT_NOT_FOUND',
        'That questionnaire was already sent or discarded. Type assess to start one.',
      );
    const questionnaire = this.questionnaire(found.draft.questionnaireId);
    const answers = keepAsked(questionnaire, found.draft.answers);
    const gap = firstIncomplete(questionnaire, answers);
    if (gap !== undefined) {
      const section = questionnaire.sections[gap]!;
      const draft = { ...found.draft, at: section.id };
      await this.deps.drafts.put(actor.id, draft, found.token);
      return { incomplete: { draft, questionnaire, errors: sectionErrors(section, answers) } };
    }
    const risk = this.riskOf(questionnaire, answers);
    const narrative = { tool: answers['tool']?.value ?? questionnaire.title, answers };
    let state: AssessmentState;
    if (found.draft.answering) {
      state = (
        await this.act(found.draft.answering, actor, {
          kind: 'answer',
          answers: narrative,
          risk,
          ...(reply && { reply }),
        })
      ).state;
    } else {
      state = await this.open(actor, found.draft, questionnaire, risk, narrative);
    }
    await this.deps.drafts.delete(actor.id, key);
    return { state };
  }

  /** Discards a draft (the requester's "start again"). */
  async discard(actor: Actor, key: string): Promise<void> {
    await this.deps.drafts.delete(actor.id, key);
  }

  private riskOf(questionnaire: Questionnaire, answers: Answers): RiskFacts {
    const { level, score, reasons } = scoreRisk(questionnaire, answers);
    return { risk: level, score, reasons, questionnaireVersion: questionnaireVersion(questionnaire) };
  }

  private async open(
    actor: Actor,
    draft: Draft,
    questionnaire: PackQuestionnaire,
    risk: RiskFacts,
    narrative: { tool: string; answers: Answers },
  ): Promise<AssessmentState> {
    const { store, clock, pack } = this.deps;
    const id = assessmentIdFor(draft.id);
    const existing = await store.load(id);
    if (existing) return existing.state;
    const at = clock.now().toISOString();
    const submitted = sealAssessmentEvent(
      undefined,
      id,
      {
        type: 'submitted',
        data: {
          reference: assessmentReference(id, at),
          questionnaireId: questionnaire.id,
          approverRole: this.approverRoleOf(questionnaire),
          route: questionnaire.route ?? pack.assessment.route,
          ...risk,
          ...(draft.reviewOf !== undefined && { reviewOf: draft.reviewOf }),
        },
        narrative,
      },
      actor,
      at,
    );
    const { created, snapshot } = await store.create(evolveAssessment(undefined, submitted), [submitted]);
    if (created) {
      this.log.info(
        { assessmentId: id, risk: risk.risk, event: 'assessment.submitted' },
        'risk assessment submitted',
      );
      await this.notify(snapshot.state, submitted);
      if (draft.reviewOf !== undefined)
        await this.act(draft.reviewOf, { id: 'system:assessments' }, { kind: 'reviewed', by: id }).catch(
          (err: unknown) =>
            this.log.warn(
              {
                assessmentId: draft.reviewOf,
                code: toEsafetyError(err).code,
                event: 'assessment.reviewLinkFailed',
              },
              'previous assessment not marked reviewed',
            ),
        );
    }
    return snapshot.state;
  }

  /**
   * Applies a command after checking who may give it: the approver role's members decide and ask,
   * the requester answers and withdraws. On a concurrent write the command is decided again on the
   * fresh state, so ten approvers deciding at once make one decision and nine refusals naming it.
   */
  async act(
    id: string,
    actor: Actor,
    command: AssessmentCommand,
  ): Promise<{ state: AssessmentState; event: AssessmentEvent }> {
    const { store, clock } = this.deps;
    const first = await this.get(id);
    await this.authorise(first, actor, command);
    const result = await backOff(
      async () => {
        const snap = await store.load(id);
        if (!snap)
          return fail('ASSESSMENT_NOT_FOUND', 'That assessment does not exist.', { assessmentId: id });
        const body = decideAssessment(snap.state, command);
        const event = sealAssessmentEvent(snap.state, id, body, actor, clock.now().toISOString());
        const state = evolveAssessment(snap.state, event);
        await store.commit(id, snap.token, state, [event]);
        return { state, event };
      },
      {
        numOfAttempts: 40,
        startingDelay: 5,
        maxDelay: 250,
        jitter: 'full',
        retry: (err: unknown) => isErrorCode(err, 'ASSESSMENT_CONFLICT'),
      },
    );
    this.log.info(
      { assessmentId: id, seq: result.event.seq, type: result.event.type, event: 'assessment.acted' },
      'assessment updated',
    );
    await this.notify(result.state, result.event);
    return result;
  }

  private async authorise(state: AssessmentState, actor: Actor, command: AssessmentCommand): Promise<void> {
    const authority = commandAuthority(command);
    if (authority === 'approver' && actor.id === state.requesterId)
      fail('NOT_AUTHORISED', 'You cannot decide your own risk assessment: another approver must.', {
        assessmentId: state.id,
        actorId: actor.id,
      });
    if (authority === 'approver' && !(await this.mayDecide(state, actor.id))) {
      const role = this.deps.pack.roles[state.approverRole]?.displayName ?? state.approverRole;
      fail('NOT_AUTHORISED', `Only the ${role} can decide or ask about a risk assessment.`, {
        assessmentId: state.id,
        actorId: actor.id,
      });
    }
    if (authority === 'requester' && actor.id !== state.requesterId)
      fail('NOT_AUTHORISED', 'Only the person who sent this assessment can do that.', {
        assessmentId: state.id,
        actorId: actor.id,
      });
    if (authority === 'system' && !actor.id.startsWith('system:'))
      fail('NOT_AUTHORISED', 'That step is taken by the system.', { assessmentId: state.id });
  }

  /** Members of the assessment's approver role. */
  async mayDecide(state: Pick<AssessmentState, 'approverRole'>, userId: string): Promise<boolean> {
    const groupId = this.deps.pack.roles[state.approverRole]?.groupId;
    return groupId !== undefined && this.deps.directory.isMember(userId, groupId);
  }

  /** The requester or an approver may see an assessment. */
  async maySee(state: AssessmentState, userId: string): Promise<boolean> {
    return state.requesterId === userId || this.mayDecide(state, userId);
  }

  async get(id: string): Promise<AssessmentState> {
    return (
      (await this.deps.store.load(id))?.state ??
      fail('ASSESSMENT_NOT_FOUND', 'That assessment does not exist.', { assessmentId: id })
    );
  }

  history(id: string): Promise<AssessmentEvent[]> {
    return this.deps.store.events(id);
  }

  list(): Promise<AssessmentState[]> {
    return this.deps.store.list();
  }

  /** Accepts a reference (`RA-2026-7KQ3MX`) or an id. */
  async resolve(refOrId: string): Promise<AssessmentState> {
    const wanted = refOrId.toUpperCase();
    if (!/^RA-/.test(wanted)) return this.get(refOrId);
    const found = (await this.list()).filter((s) => s.reference === wanted);
    if (found.length > 1)
      fail('INPUT_INVALID', `${wanted} names ${found.length} assessments; use the id (--json shows it).`, {
        ref: wanted,
      });
    return found[0] ?? fail('ASSESSMENT_NOT_FOUND', `No assessment ${refOrId}.`, { ref: refOrId });
  }

  /** Approved assessments whose review date falls within the pack's notice period and not yet asked. */
  async dueForReview(): Promise<AssessmentState[]> {
    const noticeMs = this.deps.pack.assessment.reviewNoticeDays * 86_400_000;
    const horizon = new Date(this.deps.clock.now().getTime() + noticeMs).toISOString().slice(0, 10);
    return (await this.list()).filter(
      (s) =>
        s.status === 'decided' &&
        s.decision !== 'reject' &&
        s.reviewDate !== undefined &&
        s.reviewDate <= horizon &&
        !s.reviewRequestedAt &&
        !s.reviewedBy,
    );
  }

  /**
   * The review timer: asks the requester (and the approver's card) to review every assessment
   * that `dueForReview` finds; each is asked once. Returns how many were asked.
   */
  async requestDueReviews(): Promise<number> {
    let asked = 0;
    for (const state of await this.dueForReview()) {
      try {
        await this.act(state.id, { id: 'system:assessment-reviews' }, { kind: 'reviewDue' });
        asked++;
      } catch (err) {
        // Asked meanwhile by another run: nothing to do.
        if (!isErrorCode(err, 'ASSESSMENT_TRANSITION_REFUSED')) throw err;
      }
    }
    if (asked > 0) this.log.info({ asked, event: 'assessment.reviewsRequested' }, 'reviews asked for');
    return asked;
  }

  /** The default review date of a decision made now: the pack's period ahead. */
  defaultReviewDate(): string {
    return reviewDateFrom(this.deps.clock.now(), this.deps.pack.assessment.reviewAfterMonths);
  }

  private async requesterOwn(actor: Actor, id: string): Promise<AssessmentState> {
    const state = await this.get(id);
    if (state.requesterId !== actor.id)
      fail('NOT_AUTHORISED', 'Only the person who sent this assessment can do that.', {
        assessmentId: id,
        actorId: actor.id,
      });
    return state;
  }

  private newDraft(key: string, questionnaireId: string, answers: Answers): Draft {
    const now = this.deps.clock.now().toISOString();
    const questionnaire = this.questionnaire(questionnaireId);
    return {
      key,
      id: randomUUID(),
      questionnaireId,
      at: questionnaire.sections[0]!.id,
      answers: keepAsked(questionnaire, answers),
      startedAt: now,
      updatedAt: now,
    };
  }

  private async saveDraft(actor: Actor, draft: Draft): Promise<Draft> {
    const token = await this.deps.drafts.put(actor.id, draft);
    if (token !== undefined) return draft;
    // Started at the same moment on another device: use that one.
    return (await this.deps.drafts.get(actor.id, draft.key))?.draft ?? draft;
  }

  /** Read-modify-write of a draft by compare-and-swap (two devices at once never lose a step). */
  private async withDraft(
    actor: Actor,
    key: string,
    change: (
      draft: Draft,
      questionnaire: PackQuestionnaire,
    ) => { draft: Draft; errors: Record<string, string> },
  ): Promise<DraftView> {
    for (let attempt = 0; attempt < 10; attempt++) {
      const found =
        (await this.deps.drafts.get(actor.id, key)) ??
        fail(
          'ASSESSMENT_NOT_FOUND',
          'That questionnaire was already sent or discarded. Type assess to start one.',
        );
      const questionnaire = this.questionnaire(found.draft.questionnaireId);
      const { draft, errors } = change(found.draft, questionnaire);
      const saved = { ...draft, updatedAt: this.deps.clock.now().toISOString() };
      if ((await this.deps.drafts.put(actor.id, saved, found.token)) !== undefined)
        return { draft: saved, questionnaire, errors };
    }
    return fail('ASSESSMENT_CONFLICT', 'The questionnaire kept changing; try again.', { key });
  }

  private view(draft: Draft, errors: Record<string, string>, questionnaire?: PackQuestionnaire): DraftView {
    return { draft, questionnaire: questionnaire ?? this.questionnaire(draft.questionnaireId), errors };
  }

  private async notify(state: AssessmentState, event: AssessmentEvent): Promise<void> {
    try {
      await this.deps.onChange?.(state, event);
    } catch (err) {
      this.log.error(
        {
          assessmentId: state.id,
          seq: event.seq,
          code: toEsafetyError(err).code,
          event: 'assessment.followUpFailed',
        },
        'follow-up not queued',
      );
    }
  }
}
