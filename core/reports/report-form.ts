/**
 * Parsing a staff member's report (the `incident.submit` card data) into a case to open.
 * Card data is untrusted input: every field is checked, and every problem is named on its field
 * so the card can come back with the values kept and the problem shown where it is.
 */
import { z } from 'zod';
import type { Clock } from '../clock';
import { subjectParts } from '../cases/case-events';
import type { OpenCaseInput } from '../cases/case-service';
import { riskAreas, subjectTypes, type PolicyPack } from '../policy/policy-pack';
import { findCategory } from '../policy/routing';

/** The inputs of the report card: the `incident.submit` contract (docs/architecture.md, "Card actions"). */
export const reportFields = [
  'subjectType',
  'subjectName',
  'subjectPart',
  'under18',
  'category',
  'subcategory',
  'description',
  'occurredAt',
  'platform',
  'immediateRisk',
  'actionsTaken',
] as const;
export type ReportField = (typeof reportFields)[number];

export type ReportValues = Partial<Record<ReportField, string>>;
export type ReportErrors = Partial<Record<ReportField, string>>;

export type ReportParseResult =
  | { readonly ok: true; readonly input: OpenCaseInput }
  | { readonly ok: false; readonly errors: ReportErrors; readonly values: ReportValues };

const optionalText = (max: number, what: string) =>
  z
    .string()
    .trim()
    .max(max, `${what} must be at most ${max} characters.`)
    .optional()
    .transform((s) => (s ? s : undefined));

const schema = z.object({
  subjectType: z.enum(subjectTypes, { error: 'Say who the concern is about.' }),
  subjectName: optionalText(200, 'The name'),
  // Optional on the form (not choosing means not known); sanctions then stay off the card.
  subjectPart: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z
      .enum(subjectParts, { error: 'Choose whether they were harmed, did it, both, or not known.' })
      .default('unknown'),
  ),
  under18: z.enum(['yes', 'no', 'unknown'], {
    error: 'Say whether they are under 18 (or that you do not know).',
  }),
  category: z.enum(riskAreas, { error: 'Choose the kind of risk.' }),
  subcategory: z
    .string({ error: 'Choose what the concern is about.' })
    .min(1, 'Choose what the concern is about.'),
  description: z
    .string({ error: 'Describe what happened.' })
    .trim()
    .min(1, 'Describe what happened.')
    .max(4000, 'Keep the description under 4,000 characters; add more as a note later.'),
  occurredAt: z
    .string()
    .trim()
    .optional()
    .transform((s) => (s ? s : undefined))
    .refine((s) => s === undefined || /^\d{4}-\d{2}-\d{2}$/.test(s), 'Give the date as YYYY-MM-DD.'),
  platform: optionalText(200, 'Where it happened'),
  immediateRisk: z
    .enum(['true', 'false'], { error: 'Say whether someone is at immediate risk.' })
    .default('false'),
  actionsTaken: optionalText(2000, 'Actions taken'),
});

/** Keeps what the person typed (strings only) so the card can be shown again with it. */
export function reportValues(data: Readonly<Record<string, unknown>>): ReportValues {
  const values: ReportValues = {};
  for (const f of reportFields) {
    const v = data[f];
    if (typeof v === 'string' || typeof v === 'boolean') values[f] = String(v);
  }
  return values;
}

export function parseReport(
  data: Readonly<Record<string, unknown>>,
  pack: PolicyPack,
  clock: Clock,
): ReportParseResult {
  const values = reportValues(data);
  const errors: ReportErrors = {};
  const parsed = schema.safeParse(values);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = issue.path[0] as ReportField;
      errors[field] ??= issue.message;
    }
  }
  const item = values.subcategory ? findCategory(pack, values.subcategory) : undefined;
  if (values.subcategory && !item)
    errors.subcategory = 'That is not a category in the policy; choose one from the list.';
  if (item && values.category && item.area !== values.category && !errors.category) {
    errors.subcategory = `"${item.name}" is a ${item.area} risk; choose ${item.area} as the kind of risk, or another category.`;
  }
  if (
    parsed.success &&
    parsed.data.occurredAt &&
    parsed.data.occurredAt > clock.now().toISOString().slice(0, 10)
  ) {
    errors.occurredAt = 'The date is in the future.';
  }
  if (!parsed.success || !item || Object.keys(errors).length > 0) return { ok: false, errors, values };

  const d = parsed.data;
  return {
    ok: true,
    input: {
      source: 'staffReport',
      subjectType: d.subjectType,
      ...(d.subjectName !== undefined && { subjectName: d.subjectName }),
      subjectPart: d.subjectPart,
      under18: d.under18,
      category: item.id,
      description: d.description,
      ...(d.actionsTaken !== undefined && { actionsTaken: d.actionsTaken }),
      ...(d.occurredAt !== undefined && { occurredAt: d.occurredAt }),
      ...(d.platform !== undefined && { platform: d.platform }),
      immediateRisk: d.immediateRisk === 'true',
    },
  };
}
