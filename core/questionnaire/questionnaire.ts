/**
 * The questionnaire engine shared by technology risk assessments and induction quizzes: a
 * questionnaire is policy-pack data (sections of questions, each with a kind, whether it must be
 * answered, help text from the policy and, for risk questions, the answer that raises risk and its
 * weight). This file reads a section's answers from card input (each problem named per question),
 * finds what is still missing, and scores the answers: pure functions, no I/O.
 */
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';

export const questionKinds = ['yesNoUnsure', 'choice', 'text', 'date', 'url'] as const;
export type QuestionKind = (typeof questionKinds)[number];

export const yesNoUnsure = ['yes', 'no', 'unsure'] as const;

export interface Choice {
  readonly id: string;
  readonly text: string;
}

export interface Question {
  readonly id: string;
  readonly kind: QuestionKind;
  readonly text: string;
  /** What the policy says about it, shown with the question. */
  readonly help?: string;
  readonly required: boolean;
  /** `choice` questions: the choices. */
  readonly options?: readonly Choice[];
  /** Risk questions: the answer that raises risk ("yes", or "no" for "is there a way to report?") and how much. */
  readonly risk?: { readonly answer: string; readonly weight: number };
}

export interface Section {
  readonly id: string;
  readonly title: string;
  readonly intro?: string;
  readonly questions: readonly Question[];
}

export interface RiskRule {
  readonly id: string;
  readonly level: 'medium' | 'high';
  /** Shown to the requester and the approver when the rule applies. */
  readonly reason: string;
  /** Every listed question has one of the listed answers. */
  readonly when?: Readonly<Record<string, readonly string[]>>;
  /** Any risk-raising answer in one of these sections. */
  readonly anyRiskIn?: readonly string[];
}

export interface RiskScale {
  /** Total weight of risk-raising answers from which the level is medium, and high. */
  readonly mediumFrom: number;
  readonly highFrom: number;
  /** Whether "unsure" counts as raising risk until someone checks (the cautious default). */
  readonly unsureCounts: boolean;
  readonly rules: readonly RiskRule[];
}

export interface Questionnaire {
  readonly id: string;
  readonly title: string;
  readonly intro?: string;
  readonly sections: readonly Section[];
  readonly risk?: RiskScale;
}

export interface Answer {
  readonly value: string;
  /** A comment or a link to evidence (yes/no/unsure questions). */
  readonly comment?: string;
}

export type Answers = Readonly<Record<string, Answer>>;

/** Card input ids: the answer to question `q` is `q.<id>`, its comment `c.<id>`. */
export const answerInput = (questionId: string) => `q.${questionId}`;
export const commentInput = (questionId: string) => `c.${questionId}`;

/** What a card keeps inside Teams' 28 KB when every answer of a long questionnaire is at its limit. */
export const limits = { text: 500, comment: 500 } as const;

export interface SectionReading {
  /** Every answer given in the section, well-formed or not, so a returned card keeps it. */
  readonly answers: Answers;
  /** Question id → what is wrong with its answer. Empty when the section is complete. */
  readonly errors: Readonly<Record<string, string>>;
}

const isoDate = /^\d{4}-\d{2}-\d{2}$/;

function problemWith(q: Question, value: string): string | undefined {
  if (value === '') return q.required ? 'Please answer this question.' : undefined;
  switch (q.kind) {
    case 'yesNoUnsure':
      return (yesNoUnsure as readonly string[]).includes(value) ? undefined : 'Choose yes, no or unsure.';
    case 'choice':
      return q.options?.some((o) => o.id === value) ? undefined : 'Choose one of the options.';
    case 'date':
      // Round-tripped, so a day the month does not have (2026-02-30) is refused, not rolled over.
      return isoDate.test(value) && isRealDate(value) ? undefined : 'Give a date (YYYY-MM-DD).';
    case 'url':
      return /^https?:\/\/[^\s/$.?#][^\s]*$/i.test(value) && value.length <= 500
        ? undefined
        : 'Give a web address starting with https:// or http://';
    case 'text':
      return value.length <= limits.text ? undefined : `Keep this to ${limits.text} characters or fewer.`;
  }
}

function isRealDate(value: string): boolean {
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

const textOf = (v: unknown) => (typeof v === 'string' ? v.trim() : '');

/** Reads one section's answers from card data (`q.<id>`, `c.<id>`), naming each problem. */
export function readSection(section: Section, data: Readonly<Record<string, unknown>>): SectionReading {
  const answers: Record<string, Answer> = {};
  const errors: Record<string, string> = {};
  for (const q of section.questions) {
    const value = textOf(data[answerInput(q.id)]);
    const comment = textOf(data[commentInput(q.id)]);
    if (value !== '' || comment !== '') answers[q.id] = { value, ...(comment !== '' && { comment }) };
    const problem = problemWith(q, value);
    if (problem) errors[q.id] = problem;
    else if (comment.length > limits.comment)
      errors[q.id] = `Keep the comment to ${limits.comment} characters or fewer.`;
  }
  return { answers, errors };
}

/** The problems of a section with the answers held so far (a section never visited is all missing). */
export function sectionErrors(section: Section, answers: Answers): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const q of section.questions) {
    const problem = problemWith(q, answers[q.id]?.value ?? '');
    if (problem) errors[q.id] = problem;
  }
  return errors;
}

/** The first section that is not complete, or undefined when every required answer is there and valid. */
export function firstIncomplete(questionnaire: Questionnaire, answers: Answers): number | undefined {
  const i = questionnaire.sections.findIndex((s) => Object.keys(sectionErrors(s, answers)).length > 0);
  return i < 0 ? undefined : i;
}

/** Only the answers to questions the questionnaire asks (a pack edit may have removed some). */
export function keepAsked(questionnaire: Questionnaire, answers: Answers): Answers {
  const asked = new Set(questionnaire.sections.flatMap((s) => s.questions.map((q) => q.id)));
  return Object.fromEntries(Object.entries(answers).filter(([id]) => asked.has(id)));
}

export function findQuestion(
  questionnaire: Questionnaire,
  questionId: string,
): { section: Section; question: Question } | undefined {
  for (const section of questionnaire.sections) {
    const question = section.questions.find((q) => q.id === questionId);
    if (question) return { section, question };
  }
  return undefined;
}

export const riskLevels = ['low', 'medium', 'high'] as const;
export type RiskLevel = (typeof riskLevels)[number];

/** Why the level is what it is: an answer that raised risk, or a rule of the pack that applied. */
export type RiskReason =
  | {
      readonly kind: 'answer';
      readonly questionId: string;
      readonly answer: string;
      readonly weight: number;
    }
  | { readonly kind: 'rule'; readonly ruleId: string; readonly level: 'medium' | 'high' };

export interface RiskScore {
  readonly level: RiskLevel;
  /** Total weight of the risk-raising answers. */
  readonly score: number;
  readonly reasons: readonly RiskReason[];
}

const rank: Record<RiskLevel, number> = { low: 0, medium: 1, high: 2 };

/** The pack's rule applied to the answers: weights add up to a level; rules can only raise it. */
export function scoreRisk(questionnaire: Questionnaire, answers: Answers): RiskScore {
  const scale = questionnaire.risk;
  if (!scale) return { level: 'low', score: 0, reasons: [] };
  const reasons: RiskReason[] = [];
  const risky = new Set<string>();
  let score = 0;
  for (const section of questionnaire.sections) {
    for (const q of section.questions) {
      const value = answers[q.id]?.value;
      if (!q.risk || value === undefined) continue;
      if (value === q.risk.answer || (value === 'unsure' && scale.unsureCounts)) {
        score += q.risk.weight;
        risky.add(section.id);
        reasons.push({ kind: 'answer', questionId: q.id, answer: value, weight: q.risk.weight });
      }
    }
  }
  let level: RiskLevel = score >= scale.highFrom ? 'high' : score >= scale.mediumFrom ? 'medium' : 'low';
  for (const rule of scale.rules) {
    const answered = Object.entries(rule.when ?? {}).every(([id, values]) =>
      values.includes(answers[id]?.value ?? ''),
    );
    const sections = rule.anyRiskIn === undefined || rule.anyRiskIn.some((s) => risky.has(s));
    if (!answered || !sections) continue;
    reasons.push({ kind: 'rule', ruleId: rule.id, level: rule.level });
    if (rank[rule.level] > rank[level]) level = rule.level;
  }
  return { level, score, reasons };
}

/** Names a questionnaire's content: an attempt or assessment records it, so a pack edit is visible. */
export function questionnaireVersion(questionnaire: Questionnaire): string {
  return createHash('sha256')
    .update(canonicalize(questionnaire) ?? '', 'utf8')
    .digest('hex')
    .slice(0, 12);
}
