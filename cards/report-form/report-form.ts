/**
 * The report form (`incident.submit`). Its input ids are core's `reportFields`, the same names the
 * parser (core/reports/report-form.ts) reads; a form with a problem comes back with what was typed
 * and the problem named on its field.
 */
import type { PolicyPack } from '../../core/policy/policy-pack';
import { reportFields, type ReportErrors, type ReportValues } from '../../core/reports/report-form';
import { capitalise, expand, type AdaptiveCard } from '../adaptive-card';
import { plain } from '../markdown';
import { verbs } from '../verbs';
import template from './report-form.json';

export interface ReportFormOptions {
  readonly values?: ReportValues;
  readonly errors?: ReportErrors;
  /** `execute` in chat (Universal Actions); `submit` inside a message-extension dialog. */
  readonly mode?: 'execute' | 'submit';
  /** Where a pre-filled report came from, shown to the reporter (a message author's name …). */
  readonly source?: string;
}

export function reportFormCard(pack: PolicyPack, options: ReportFormOptions = {}): AdaptiveCard {
  const values = Object.fromEntries(
    reportFields.map((f) => [f, options.values?.[f] ?? (f === 'immediateRisk' ? 'false' : '')]),
  );
  const execute = (options.mode ?? 'execute') === 'execute';
  return expand(template, {
    fields: Object.fromEntries(reportFields.map((f) => [f, f])),
    values,
    errors: options.errors ?? {},
    hasErrors: Object.keys(options.errors ?? {}).length > 0,
    source: options.source === undefined ? '' : plain(options.source),
    areas: pack.taxonomy.map((a) => ({ title: a.name, value: a.area })),
    items: pack.taxonomy.flatMap((a) =>
      a.items.map((i) => ({ title: `${capitalise(a.area)}: ${i.name}`, value: i.id })),
    ),
    imageCategories: plain(
      pack.taxonomy
        .flatMap((a) => a.items.filter((i) => i.sexualImagery).map((i) => i.name.toLowerCase()))
        .join('; ') || 'any',
    ),
    execute,
    verb: verbs.incidentSubmit,
    submitData: execute ? {} : { verb: verbs.incidentSubmit },
  });
}
