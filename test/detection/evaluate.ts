/**
 * `npm run eval:detection`: the safeguarding library of a pack (default: the shipped default pack)
 * against the labelled evaluation set, printed as tables: precision, recall and F1 per category and
 * overall on each half, false alarms on hard negatives and on everyday chat, the confusion between
 * categories, conversation-level detection, and every miss and false alarm of the held-out half,
 * then the targets. Exit 1 when a held-out target is
 * missed.
 *
 *   npm run eval:detection                        both halves; held-out misses listed
 *   npm run eval:detection -- --split dev         tuning: the development half only, its misses listed
 *   npm run eval:detection -- --pack policies/waes.yaml
 *   npm run eval:detection -- --split dev --label self-harm --entries selfharm-   one group's misses,
 *                                            and the false alarms of entries whose id starts so
 */
import { resolve } from 'node:path';
import { Command } from 'commander';
import { loadPolicyFile } from '../../adapters/policy-files';
import { evaluate, groups, targetResults, type Label, type Prediction, type SplitReport } from './evaluation';

const root = resolve(__dirname, '..', '..', '..');
const pct = (n: number) => `${(n * 100).toFixed(1)}%`.padStart(7);
const out = (s = '') => process.stdout.write(`${s}\n`);

function table(report: SplitReport): void {
  out(`\n${report.split === 'dev' ? 'Development half' : 'Held-out half'}`);
  out(
    `${'category'.padEnd(16)}${'messages'.padStart(9)}${'recall'.padStart(8)}${'detected'.padStart(9)}${'precision'.padStart(10)}${'F1'.padStart(7)}`,
  );
  for (const s of report.scores)
    out(
      `${s.group.padEnd(16)}${String(s.messages).padStart(9)} ${pct(s.recall)} ${pct(s.detected).padStart(8)} ${pct(s.precision).padStart(9)} ${pct(s.f1).padStart(6)}`,
    );
  out(
    `${'all risks'.padEnd(16)}${''.padStart(9)} ${pct(report.overallRecall)} ${pct(report.overallDetected).padStart(8)} ${pct(report.overallPrecision).padStart(9)}`,
  );
  out(`false alarms on ${report.innocent} innocent messages: ${pct(report.falseAlarmRate).trim()}`);
  out(
    `false alarms on ${report.everyday.messages} everyday chat messages: ${pct(report.everyday.falseAlarmRate).trim()}`,
  );
  const c = report.conversations;
  out(
    `conversations: ${c.detected}/${c.risky} risky ones flagged; ${c.falseAlarms}/${c.innocent} innocent ones flagged`,
  );
}

function confusion(report: SplitReport): void {
  const labels: Label[] = [...groups, 'none'];
  const short = (l: string) => l.slice(0, 6).padStart(7);
  out(`\nConfusion (${report.split}): rows are labels, columns the leading predicted category`);
  out(`${''.padEnd(16)}${labels.map(short).join('')}`);
  for (const l of labels)
    out(`${l.padEnd(16)}${labels.map((p) => String(report.confusion[l][p]).padStart(7)).join('')}`);
}

function list(title: string, predictions: readonly Prediction[]): void {
  out(`\n${title} (${predictions.length})`);
  for (const p of predictions) {
    const why = p.findings.map((f) => `${f.entry} "${f.words}"`).join('; ');
    out(`  [${p.item.label}] ${p.item.id}: ${p.item.text}${why ? `  ← ${why}` : ''}`);
  }
}

function main(argv: readonly string[]): number {
  const program = new Command('eval:detection')
    .option('--split <split>', 'dev (tuning) or all', 'all')
    .option('--pack <file>', 'policy pack', 'policies/uk-fe-default.yaml')
    .option('--label <group>', 'list only the misses and misfilings of this group')
    .option('--entries <prefix>', 'list only the false alarms of entries whose id starts with this')
    .parse([...argv], { from: 'user' });
  const opts = program.opts<{ split: 'dev' | 'all'; pack: string; label?: string; entries?: string }>();
  const ofLabel = (p: Prediction) => !opts.label || p.item.label === opts.label;
  const ofEntries = (p: Prediction) =>
    p.findings.some((f) => !opts.entries || f.entry.startsWith(opts.entries));
  const pack = loadPolicyFile(resolve(root, opts.pack));
  const reports = evaluate(pack);
  const shown = opts.split === 'dev' ? reports.filter((r) => r.split === 'dev') : reports;
  out(
    `Safeguarding library of ${opts.pack}: ${pack.detection.library.length} entries, ${pack.detection.conversation.length} conversation rules`,
  );
  for (const r of shown) table(r);
  for (const r of shown) confusion(r);
  const focus = shown.at(-1);
  if (!focus) return 1;
  list(`Misses, ${focus.split} half`, focus.misses.filter(ofLabel));
  list(`Flagged under another category, ${focus.split} half`, focus.misfiled.filter(ofLabel));
  list(`False alarms, ${focus.split} half`, focus.falseAlarms.filter(ofEntries));
  list(`False alarms on everyday chat, ${focus.split} half`, focus.everydayFalseAlarms.filter(ofEntries));
  out(`\nConversations missed (${focus.split}): ${focus.conversations.missed.join(', ') || 'none'}`);
  out(`Innocent conversations flagged (${focus.split}): ${focus.conversations.alarmed.join(', ') || 'none'}`);
  if (opts.split === 'dev') return 0;
  const results = targetResults(focus);
  out('\nTargets on the held-out half');
  for (const t of results)
    out(
      `  ${t.met ? 'met   ' : 'MISSED'} ${t.name}: ${pct(t.value).trim()} (target ${t.name.startsWith('false') ? '≤' : '≥'} ${pct(t.target).trim()})`,
    );
  return results.every((t) => t.met) ? 0 : 1;
}

process.exitCode = main(process.argv.slice(2));
