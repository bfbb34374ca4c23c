/**
 * The risk-assessment cards: one section of the questionnaire at a time (answers kept, problems
 * named per question), the summary to check before sending, the requester's card (receipt,
 * decision, question, review reminder) and the approver's live card. Every text a person wrote is
 * made inert with `plain`; the questions and help come from the policy pack.
 */
import {
  decisionText,
  type AssessmentEvent,
  type AssessmentState,
  type AssessmentStatus,
} from '../../core/assessments/assessment';
import {
  summaryStep,
  type DraftView,
  type PackQuestionnaire,
} from '../../core/assessments/assessment-service';
import type { PolicyPack } from '../../core/policy/policy-pack';
import {
  answerInput,
  commentInput,
  findQuestion,
  scoreRisk,
  type Answers,
  type RiskLevel,
  type RiskReason,
} from '../../core/questionnaire/questionnaire';
import { expand, ukTime, type AdaptiveCard } from '../adaptive-card';
import { plain } from '../markdown';
import { verbs } from '../verbs';
import approverTemplate from './approver.json';
import requesterTemplate from './requester.json';
import sectionTemplate from './section.json';
import summaryTemplate from './summary.json';

const cardVerbs = {
  step: verbs.assessmentStep,
  show: verbs.assessmentShow,
  submit: verbs.assessmentSubmit,
  decide: verbs.assessmentDecide,
  askInfo: verbs.assessmentAskInfo,
  withdraw: verbs.assessmentWithdraw,
  reopen: verbs.assessmentReopen,
  refresh: verbs.assessmentRefresh,
};

export const riskText: Record<RiskLevel, string> = { low: 'Low', medium: 'Medium', high: 'High' };
const riskStyle: Record<RiskLevel, string> = { low: 'good', medium: 'warning', high: 'attention' };
const answerText: Record<string, string> = { yes: 'Yes', no: 'No', unsure: 'Unsure' };

const statusText: Record<AssessmentStatus, string> = {
  submitted: 'Waiting for a decision',
  moreInfo: 'More information asked for',
  decided: 'Decided',
  withdrawn: 'Withdrawn by the requester',
};

/** One section of the draft (or the summary when the draft is there). */
export function draftCard(view: DraftView, pack: PolicyPack): AdaptiveCard {
  return view.draft.at === summaryStep ? summaryCard(view, pack) : sectionCard(view);
}

function sectionCard(view: DraftView): AdaptiveCard {
  const { draft, questionnaire, errors } = view;
  const index = Math.max(
    0,
    questionnaire.sections.findIndex((s) => s.id === draft.at),
  );
  const section = questionnaire.sections[index]!;
  const last = index === questionnaire.sections.length - 1;
  return expand(sectionTemplate, {
    title: plain(questionnaire.title),
    step: index + 1,
    steps: questionnaire.sections.length,
    sectionTitle: plain(section.title),
    intro: plain((index === 0 ? questionnaire.intro : section.intro) ?? section.intro ?? ''),
    reviewing: index === 0 && draft.reviewOf !== undefined,
    hasErrors: Object.keys(errors).length > 0,
    questions: section.questions.map((q) => ({
      kind: q.kind,
      input: answerInput(q.id),
      commentInput: commentInput(q.id),
      label: `${q.text}${q.required ? '' : ' (optional)'}`,
      help: plain(q.help ?? ''),
      value: draft.answers[q.id]?.value ?? '',
      comment: draft.answers[q.id]?.comment ?? '',
      options: (q.options ?? []).map((o) => ({ id: o.id, text: o.text })),
      error: errors[q.id] ? `${q.text} ${errors[q.id]}` : '',
    })),
    draft: draft.key,
    sectionId: section.id,
    hasBack: index > 0,
    nextTitle: last ? 'Check and send' : 'Next',
    verbs: cardVerbs,
  });
}

function summaryCard(view: DraftView, pack: PolicyPack): AdaptiveCard {
  const { draft, questionnaire } = view;
  const risk = scoreRisk(questionnaire, draft.answers);
  const approverRole = questionnaire.approverRole ?? pack.assessment.approverRole;
  return expand(summaryTemplate, {
    title: plain(questionnaire.title),
    riskText: riskText[risk.level],
    riskStyle: riskStyle[risk.level],
    reasons: reasonLines(questionnaire, risk.reasons, draft.answers),
    sections: answeredSections(questionnaire, draft.answers),
    answering: draft.answering !== undefined,
    approver: plain(pack.roles[approverRole]?.displayName ?? 'the approver'),
    sendTitle: draft.answering !== undefined ? 'Send answers' : 'Send for approval',
    draft: draft.key,
    verbs: cardVerbs,
  });
}

/** The requester's card: the receipt when sent, and each later notice (decision, question, review). */
export function requesterCard(
  state: AssessmentState,
  pack: PolicyPack,
  change: 'submitted' | 'infoRequested' | 'decided' | 'reviewDue' | 'withdrawn' | 'answered',
): AdaptiveCard {
  const questionnaire = questionnaireOf(pack, state.questionnaireId);
  const approver = plain(pack.roles[state.approverRole]?.displayName ?? 'the approver');
  const headline: Record<typeof change, string> = {
    submitted: `Risk assessment sent: ${state.reference}`,
    answered: `Answers sent: ${state.reference}`,
    infoRequested: `More information needed: ${state.reference}`,
    decided: `${state.reference} ${decisionText[state.decision ?? 'approve']}`,
    reviewDue: `Time to review ${state.reference}`,
    withdrawn: `${state.reference} withdrawn`,
  };
  const next: Record<typeof change, string> = {
    submitted: `It has gone to ${approver}. You will be told here when they decide or if they need more information.`,
    answered: `Your answers have gone back to ${approver}.`,
    infoRequested: 'Press Answer: your answers are filled in, change what you need and send them back.',
    decided:
      state.decision === 'reject'
        ? 'Do not use it with learners. You can send a new assessment if something changes.'
        : 'Keep to any conditions. You will be asked to review it before the review date.',
    reviewDue: 'Press Review now: your previous answers are filled in; check each one and send it again.',
    withdrawn: 'Nothing more will happen with it.',
  };
  return expand(requesterTemplate, {
    headline: headline[change],
    reference: state.reference,
    tool: plain(state.narrative.tool),
    riskText: riskText[state.risk],
    statusText: statusText[state.status],
    reviewDate: state.status === 'decided' && state.decision !== 'reject' ? (state.reviewDate ?? '') : '',
    reasons: questionnaire ? reasonLines(questionnaire, state.reasons, state.narrative.answers) : [],
    conditions: plain(state.narrative.conditions ?? ''),
    note: plain(state.narrative.decisionNote ?? ''),
    question: state.status === 'moreInfo' ? plain(state.narrative.question ?? '') : '',
    next: next[change],
    canAnswer: state.status === 'moreInfo',
    canReview: change === 'reviewDue' && state.status === 'decided' && !state.reviewedBy,
    canWithdraw: state.status === 'submitted' || state.status === 'moreInfo',
    assessmentId: state.id,
    verbs: cardVerbs,
  });
}

export interface ApproverCardOptions {
  /** Shown at the top: why an action was refused, say. */
  readonly notice?: string;
  /** Default review date for the decision input. */
  readonly defaultReviewDate: string;
}

/** The approver's live card: everything needed to decide, and the decision controls while undecided. */
export function approverCard(
  state: AssessmentState,
  events: readonly AssessmentEvent[],
  pack: PolicyPack,
  options: ApproverCardOptions,
): AdaptiveCard {
  const questionnaire = questionnaireOf(pack, state.questionnaireId);
  const decided = state.status === 'decided';
  return expand(approverTemplate, {
    reference: state.reference,
    tool: plain(state.narrative.tool),
    questionnaireTitle: plain(questionnaire?.title ?? state.questionnaireId),
    notice: plain(options.notice ?? ''),
    requester: plain(state.narrative.requesterName ?? 'a member of staff'),
    submitted: ukTime(state.submittedAt),
    statusText: statusText[state.status],
    decisionText: decided ? decisionText[state.decision ?? 'approve'] : '',
    reviewDate: decided && state.decision !== 'reject' ? (state.reviewDate ?? '') : '',
    riskText: riskText[state.risk],
    riskStyle: riskStyle[state.risk],
    reasons: questionnaire ? reasonLines(questionnaire, state.reasons, state.narrative.answers) : [],
    conditions: plain(state.narrative.conditions ?? ''),
    question: state.status === 'moreInfo' ? plain(state.narrative.question ?? '') : '',
    sections: questionnaire ? answeredSections(questionnaire, state.narrative.answers) : [],
    chronology: events.map((e) => ({ line: `${ukTime(e.at)} · ${eventLine(e)}` })),
    open: state.status === 'submitted',
    defaultReviewDate: options.defaultReviewDate,
    assessmentId: state.id,
    verbs: cardVerbs,
  });
}

function eventLine(e: AssessmentEvent): string {
  const who = plain(e.actorName ?? (e.actorId.startsWith('system:') ? 'E-Safety' : 'someone'));
  switch (e.type) {
    case 'submitted':
      return `${who} sent it (risk ${e.data.risk})`;
    case 'infoRequested':
      return `${who} asked: ${plain(e.narrative.question)}`;
    case 'answered':
      return `${who} answered${e.narrative.reply ? `: ${plain(e.narrative.reply)}` : ''} (risk ${e.data.risk})`;
    case 'decided':
      return `${who}: ${decisionText[e.data.decision]}, review by ${e.data.reviewDate}`;
    case 'withdrawn':
      return `${who} withdrew it`;
    case 'reviewDue':
      return `Review asked for (due ${e.data.reviewDate})`;
    case 'reviewed':
      return 'Reviewed by a newer assessment';
  }
}

function questionnaireOf(pack: PolicyPack, id: string): PackQuestionnaire | undefined {
  return pack.assessment.questionnaires.find((q) => q.id === id);
}

function answerLine(value: string | undefined, comment: string | undefined): string {
  const shown = value === undefined || value === '' ? '—' : plain(answerText[value] ?? value);
  return comment ? `${shown} · ${plain(comment)}` : shown;
}

function answeredSections(questionnaire: PackQuestionnaire, answers: Answers) {
  return questionnaire.sections.map((s) => ({
    id: s.id,
    title: plain(s.title),
    answers: s.questions.map((q) => {
      const a = answers[q.id];
      const value = q.kind === 'choice' ? q.options?.find((o) => o.id === a?.value)?.text : a?.value;
      return { question: plain(q.text), answer: answerLine(value, a?.comment) };
    }),
  }));
}

/** Each reason as a line a person reads: the question and the answer, or the pack rule's reason. */
export function reasonLines(
  questionnaire: PackQuestionnaire,
  reasons: readonly RiskReason[],
  answers: Answers,
): { line: string }[] {
  return reasons.map((r) => {
    if (r.kind === 'rule') {
      const rule = questionnaire.risk.rules.find((x) => x.id === r.ruleId);
      return {
        line: `${plain(rule?.reason ?? r.ruleId)} (${riskText[r.level].toLowerCase()} by the policy's rule)`,
      };
    }
    const found = findQuestion(questionnaire, r.questionId);
    // The comment in full is with the answers; here its start, so the card stays inside Teams' size limit.
    const comment = answers[r.questionId]?.comment;
    const short = comment && comment.length > 120 ? `${comment.slice(0, 119)}…` : comment;
    return {
      line: `${plain(found?.question.text ?? r.questionId)} ${answerText[r.answer] ?? plain(r.answer)}${short ? ` (${plain(short)})` : ''}`,
    };
  });
}
