/**
 * Measures the safeguarding library against the labelled evaluation set in this folder
 * (`messages.jsonl`, `conversations.jsonl`, `everyday.jsonl`), split into a development half (tune
 * on it) and a held-out half (report on it, never tune on it). `messages.jsonl` holds two sets
 * written apart: the first (ids by category, `sh-001` …) and a fresh one (`x-…`) written later by
 * others without sight of the library or the first set, whose development half was the check of
 * how well the library generalises while it was rewritten around concepts; and a third (`y-…`),
 * written later still by two more writers who saw nothing of the project, held out whole: it was
 * measured once, sealed, when the statistical layer was added (2026-12-02), and is never tuned on.
 *
 * A message is flagged when any library entry that flags (not indicator-only) matches it. Its
 * predicted groups are the evaluation groups of those entries' categories. For each label:
 * - `recall`: share of its messages whose predicted groups include the label (flagged, and filed
 *   where a DSL would look for it);
 * - `detected`: share flagged at all (the message reaches a DSL, whatever the category);
 * - `precision`: of the messages predicted as this group, the share that carry this label.
 * False alarms: share of innocent (`none`) messages flagged at all — the hard negatives of
 * `messages.jsonl` (the risky words in innocent use) and, apart, the ordinary college chat of
 * `everyday.jsonl` (written without sight of the library).
 *
 * Conversations: messages are read in order through the library and the pack's conversation rules
 * (indicators remembered as the ledger does); a conversation is flagged when any message flags or
 * a conversation rule fires.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { SafeguardingLibrary, type Finding } from '../../core/detection/safeguarding-library';
import { indicatorWindowMs, reachedRules } from '../../core/detection/conversation-rules';
import { noteIndicatorRuns, runStarts, type IndicatorRuns } from '../../core/intake/signal-ledger';
import type { PolicyPack } from '../../core/policy/policy-pack';

export const groups = [
  'grooming',
  'sexual-imagery',
  'bullying',
  'self-harm',
  'extremism',
  'exploitation',
  'commerce',
  'personal-data',
  'violence',
] as const;
export type Group = (typeof groups)[number];
export type Label = Group | 'none';

/** The default pack's categories, by evaluation group. */
const groupOf: Record<string, Group> = {
  grooming: 'grooming',
  'sexual-exploitation': 'grooming',
  'youth-produced-sexual-imagery': 'sexual-imagery',
  cyberbullying: 'bullying',
  'offensive-communication': 'bullying',
  'self-harm': 'self-harm',
  radicalisation: 'extremism',
  'extremist-material': 'extremism',
  'hate-violence': 'extremism',
  'criminal-exploitation': 'exploitation',
  gambling: 'commerce',
  'scams-fraud': 'commerce',
  oversharing: 'personal-data',
  'data-breach': 'personal-data',
  'violence-threats': 'violence',
};

const label = z.enum([...groups, 'none']);
const split = z.enum(['dev', 'holdout']);
const messageSchema = z.object({
  id: z.string(),
  text: z.string(),
  label,
  split,
  note: z.string().optional(),
});
const conversationSchema = z.object({
  id: z.string(),
  label,
  split,
  messages: z.array(z.object({ from: z.string(), text: z.string() })).min(1),
});
const everydaySchema = z
  .object({ id: z.string(), split, from: z.string(), text: z.string() })
  .transform(({ id, split, text }) => ({ id, split, text, label: 'none' as const }));
export type EvalMessage = z.output<typeof messageSchema>;
export type EvalConversation = z.output<typeof conversationSchema>;
export type Split = z.output<typeof split>;

function readJsonl<T>(file: string, schema: z.ZodType<T>): T[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => schema.parse(JSON.parse(l)));
}

export function loadEvaluationSet(dir = __dirname.replace(/dist[\\/]/, '')) {
  return {
    messages: readJsonl(join(dir, 'messages.jsonl'), messageSchema),
    conversations: readJsonl(join(dir, 'conversations.jsonl'), conversationSchema),
    everyday: readJsonl(join(dir, 'everyday.jsonl'), everydaySchema),
  };
}

export interface Prediction {
  readonly item: EvalMessage;
  readonly findings: readonly Finding[];
  readonly predicted: readonly Group[];
}

export interface GroupScore {
  readonly group: Group;
  readonly messages: number;
  readonly recall: number;
  readonly detected: number;
  readonly precision: number;
  readonly f1: number;
}

export interface SplitReport {
  readonly split: Split;
  readonly scores: readonly GroupScore[];
  /** Risky messages flagged at all. */
  readonly overallDetected: number;
  /** Risky messages flagged under their own group. */
  readonly overallRecall: number;
  readonly overallPrecision: number;
  readonly falseAlarmRate: number;
  readonly innocent: number;
  /** Label → leading predicted group (or none) → count. */
  readonly confusion: Record<Label, Record<Label, number>>;
  /** Ordinary college chat flagged at all. */
  readonly everyday: { readonly messages: number; readonly falseAlarmRate: number };
  readonly everydayFalseAlarms: readonly Prediction[];
  readonly misses: readonly Prediction[];
  readonly falseAlarms: readonly Prediction[];
  /** Risky messages flagged under another group only. */
  readonly misfiled: readonly Prediction[];
  readonly conversations: {
    readonly risky: number;
    readonly detected: number;
    readonly innocent: number;
    readonly falseAlarms: number;
    readonly missed: readonly string[];
    readonly alarmed: readonly string[];
  };
}

const ratio = (n: number, d: number) => (d === 0 ? 1 : n / d);
const severityRank = { low: 0, medium: 1, high: 2, critical: 3 } as const;

export function predict(library: SafeguardingLibrary, item: EvalMessage): Prediction {
  const findings = library.findings(item.text).filter((f) => f.signal);
  const ordered = [...findings].sort((a, b) => severityRank[b.severity] - severityRank[a.severity]);
  const predicted = [...new Set(ordered.map((f) => groupOf[f.category]).filter((g): g is Group => !!g))];
  return { item, findings, predicted };
}

function conversationFlags(library: SafeguardingLibrary, pack: PolicyPack, c: EvalConversation): boolean {
  const rules = pack.detection.conversation;
  const windowMs = indicatorWindowMs(rules);
  let runs: IndicatorRuns = {};
  let now = Date.parse('2026-11-23T18:00:00Z');
  for (const m of c.messages) {
    now += 10 * 60_000;
    const findings = library.findings(m.text);
    if (findings.some((f) => f.signal && groupOf[f.category])) return true;
    const indicators = findings.flatMap((f) => (f.indicator ? [f.indicator] : []));
    if (indicators.length === 0) continue;
    runs = noteIndicatorRuns(runs, indicators, new Date(now), windowMs);
    if (reachedRules(rules, runStarts(runs), new Date(now)).length > 0) return true;
  }
  return false;
}

export function evaluate(pack: PolicyPack, set = loadEvaluationSet()): SplitReport[] {
  const library = new SafeguardingLibrary(pack);
  return (['dev', 'holdout'] as const).map((s) => {
    const predictions = set.messages.filter((m) => m.split === s).map((m) => predict(library, m));
    const risky = predictions.filter((p) => p.item.label !== 'none');
    const innocent = predictions.filter((p) => p.item.label === 'none');
    const scores = groups.map((group): GroupScore => {
      const mine = predictions.filter((p) => p.item.label === group);
      const hit = mine.filter((p) => p.predicted.includes(group)).length;
      const claimed = predictions.filter((p) => p.predicted.includes(group));
      const recall = ratio(hit, mine.length);
      const precision = ratio(claimed.filter((p) => p.item.label === group).length, claimed.length);
      return {
        group,
        messages: mine.length,
        recall,
        detected: ratio(mine.filter((p) => p.predicted.length > 0).length, mine.length),
        precision,
        f1: recall + precision === 0 ? 0 : (2 * recall * precision) / (recall + precision),
      };
    });
    const labels: Label[] = [...groups, 'none'];
    const confusion = Object.fromEntries(
      labels.map((l) => [l, Object.fromEntries(labels.map((p) => [p, 0]))]),
    ) as Record<Label, Record<Label, number>>;
    for (const p of predictions) confusion[p.item.label][p.predicted[0] ?? 'none']++;
    const flaggedRight = risky.filter((p) => p.predicted.includes(p.item.label as Group)).length;
    const flaggedAny = predictions.filter((p) => p.predicted.length > 0);
    const conversations = set.conversations.filter((c) => c.split === s);
    const convRisky = conversations.filter((c) => c.label !== 'none');
    const convInnocent = conversations.filter((c) => c.label === 'none');
    const missed = convRisky.filter((c) => !conversationFlags(library, pack, c)).map((c) => c.id);
    const alarmed = convInnocent.filter((c) => conversationFlags(library, pack, c)).map((c) => c.id);
    const everyday = set.everyday.filter((m) => m.split === s).map((m) => predict(library, m));
    const everydayFalseAlarms = everyday.filter((p) => p.predicted.length > 0);
    return {
      split: s,
      scores,
      overallDetected: ratio(risky.filter((p) => p.predicted.length > 0).length, risky.length),
      overallRecall: ratio(flaggedRight, risky.length),
      overallPrecision: ratio(flaggedAny.filter((p) => p.item.label !== 'none').length, flaggedAny.length),
      falseAlarmRate: ratio(innocent.filter((p) => p.predicted.length > 0).length, innocent.length),
      innocent: innocent.length,
      confusion,
      everyday: {
        messages: everyday.length,
        falseAlarmRate: ratio(everydayFalseAlarms.length, everyday.length),
      },
      everydayFalseAlarms,
      misses: risky.filter((p) => p.predicted.length === 0),
      misfiled: risky.filter((p) => p.predicted.length > 0 && !p.predicted.includes(p.item.label as Group)),
      falseAlarms: innocent.filter((p) => p.predicted.length > 0),
      conversations: {
        risky: convRisky.length,
        detected: convRisky.length - missed.length,
        innocent: convInnocent.length,
        falseAlarms: alarmed.length,
        missed,
        alarmed,
      },
    };
  });
}

/** The targets the held-out half must meet. */
export const targets = {
  overallRecall: 0.9,
  groupRecall: { 'self-harm': 0.95, grooming: 0.95 } as Partial<Record<Group, number>>,
  falseAlarmRate: 0.03,
} as const;

export function targetResults(
  report: SplitReport,
): { name: string; value: number; target: number; met: boolean }[] {
  const byGroup = new Map(report.scores.map((s) => [s.group, s]));
  return [
    {
      name: 'recall, all risks',
      value: report.overallRecall,
      target: targets.overallRecall,
      met: report.overallRecall >= targets.overallRecall,
    },
    ...Object.entries(targets.groupRecall).map(([group, target]) => {
      const value = byGroup.get(group as Group)?.recall ?? 0;
      return { name: `recall, ${group}`, value, target, met: value >= target };
    }),
    {
      name: 'false alarms on innocent messages',
      value: report.falseAlarmRate,
      target: targets.falseAlarmRate,
      met: report.falseAlarmRate <= targets.falseAlarmRate,
    },
    {
      name: 'false alarms on everyday chat',
      value: report.everyday.falseAlarmRate,
      target: targets.falseAlarmRate,
      met: report.everyday.falseAlarmRate <= targets.falseAlarmRate,
    },
  ];
}
