/**
 * `esafety` — the admin CLI. Reads the same configuration as the app (functions/config.ts).
 *
 *   esafety cases list [--status active|closed|all] [--json]
 *   esafety cases show <ref> [--json]
 *   esafety cases export <ref>
 *   esafety cases purge [--dry-run] [--json]
 *   esafety cases purged [--json]
 *   esafety detection stats [--since YYYY-MM-DD] [--json]
 *   esafety audit verify [--json]
 *   esafety policy validate <files…> [--json]
 *   esafety index rebuild
 *   esafety subscriptions list [--json]
 *   esafety subscriptions renew [--json]
 *
 * Locally, while `npm start` runs, the CLI finds Microsoft Graph (the tenant simulator) through
 * `<data dir>/local-runtime.json`, which `npm start` writes; in Azure it uses the app settings.
 *
 * Exit codes: 0 success; 1 a check failed or the request was refused; 2 usage error.
 */
import { resolve } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { verifyAllCases } from '../core/cases/audit';
import { fail, toEsafetyError } from '../core/errors';
import { silentLogger } from '../core/logger';
import {
  reauthorizeSubscription,
  reconcileSubscriptions,
  type Subscription,
} from '../core/monitoring/subscriptions';
import type { PurgeRecord } from '../core/cases/case-store';
import { describeEvent, eventDetail, packNames } from '../core/cases/case-words';
import { purgeExpiredCases } from '../core/cases/retention-purge';
import { detectionStats, type RuleStats } from '../core/detection/detection-stats';
import { parsePolicyFile } from '../adapters/policy-files';
import { compose, type App } from '../functions/composition-root';
import { loadConfig } from '../functions/config';
import { localDataDir, readLocalRuntimeFile } from '../functions/local-runtime-file';
import { formatTable, shortTime } from './table';

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let exitCode = 0;
  let app: App | undefined;
  const getApp = () => {
    if (app) return app;
    const env = { ESAFETY_LOG_LEVEL: 'warn', ...io.env };
    const config = loadConfig(env);
    // Locally, while npm start runs, its tenant simulator and storage (unless Graph is set here).
    const runtime =
      config.mode === 'local' && !config.graph
        ? readLocalRuntimeFile(localDataDir(config, io.cwd))
        : undefined;
    app = compose(loadConfig({ ...runtime?.env, ...env }), {
      root: io.cwd,
      ...(runtime && { graphCa: runtime.graphCa }),
    });
    return app;
  };
  const monitoring = () =>
    getApp().monitoring ??
    fail(
      'CONFIG_INVALID',
      'Chat monitoring is not configured: set ESAFETY_GRAPH_* and ESAFETY_GRAPH_NOTIFICATION_CERT/KEY (locally, start the system with npm start first).',
    );
  const print = (json: boolean, value: unknown, human: () => string) =>
    io.out(json ? JSON.stringify(value, null, 2) : human());

  const program = new Command('esafety')
    .description('Administer E-Safety for Teams: cases, audit, policy packs.')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .showHelpAfterError();

  const cases = program.command('cases').description('List, show and export safeguarding cases.');
  cases
    .command('list')
    .description('Cases from the index, most severe first.')
    .addOption(
      new Option('--status <status>', 'which cases').choices(['active', 'closed', 'all']).default('active'),
    )
    .option('--json', 'machine-readable output')
    .action(async (opts: { status: 'active' | 'closed' | 'all'; json?: boolean }) => {
      const list = await getApp().cases.list({ status: opts.status });
      const order = ['critical', 'high', 'medium', 'low'];
      list.sort(
        (a, b) =>
          order.indexOf(a.severity) - order.indexOf(b.severity) || a.openedAt.localeCompare(b.openedAt),
      );
      print(!!opts.json, list, () =>
        [
          formatTable(
            ['REFERENCE', 'STATUS', 'SEVERITY', 'CATEGORY', 'SUBJECT', 'ROUTE', 'OPENED', 'UPDATED'],
            list.map((c) => [
              c.reference,
              c.status,
              c.severity,
              c.category,
              c.subjectType,
              c.route,
              shortTime(c.openedAt),
              shortTime(c.updatedAt),
            ]),
          ),
          `${list.length} ${list.length === 1 ? 'case' : 'cases'}`,
        ].join('\n'),
      );
    });
  cases
    .command('show <ref>')
    .description('One case (by reference such as ES-2026-0042, or id) with its chronology.')
    .option('--json', 'machine-readable output')
    .action(async (ref: string, opts: { json?: boolean }) => {
      const a = getApp();
      const state = await a.cases.resolve(ref);
      const events = await a.cases.chronology(state.id);
      const names = packNames(a.pack, state.subjectType);
      print(!!opts.json, { case: state, events }, () =>
        [
          `${state.reference}  ${state.status}  ${state.severity}  ${state.area}/${state.category}  route ${state.route}`,
          `Subject: ${state.subjectType}${state.narrative.subjectName ? ` — ${state.narrative.subjectName}` : ''} (under 18: ${state.under18})`,
          `Opened ${shortTime(state.openedAt)} by ${state.narrative.reporterName ?? state.reporterId}` +
            (state.assigneeId ? `; claimed by ${state.narrative.assigneeName ?? state.assigneeId}` : ''),
          '',
          'Chronology:',
          ...events.map((e) => {
            const detail = eventDetail(e);
            return `  #${e.seq} ${shortTime(e.at)} ${describeEvent(e, names)}${detail ? ` — ${detail}` : ''}`;
          }),
        ].join('\n'),
      );
    });
  cases
    .command('export <ref>')
    .description('The full chronology as JSON, with hashes, for a referral or a records request.')
    .action(async (ref: string) => {
      const a = getApp();
      const state = await a.cases.resolve(ref);
      const events = await a.cases.chronology(state.id);
      io.out(JSON.stringify({ exportedAt: new Date().toISOString(), case: state, events }, null, 2));
    });
  const describePurges = (list: readonly PurgeRecord[]) =>
    formatTable(
      ['REFERENCE', 'CATEGORY', 'ROUTE', 'CLOSED', 'KEPT (MONTHS)', 'DELETED'],
      list.map((r) => [
        r.reference,
        r.category,
        r.route,
        shortTime(r.closedAt),
        String(r.keptMonths),
        shortTime(r.purgedAt),
      ]),
    );
  cases
    .command('purge')
    .description(
      'Delete closed cases whose retention period has run (the timer does this nightly); held cases are kept.',
    )
    .option('--dry-run', 'only list what would be deleted')
    .option('--json', 'machine-readable output')
    .action(async (opts: { dryRun?: boolean; json?: boolean }) => {
      const a = getApp();
      const purged = await purgeExpiredCases(a, { dryRun: !!opts.dryRun });
      print(!!opts.json, purged, () =>
        purged.length === 0
          ? 'No closed case has reached the end of its retention period.'
          : [
              describePurges(purged),
              opts.dryRun
                ? `${purged.length} would be deleted (dry run: nothing was).`
                : `${purged.length} deleted; each is in the purge log.`,
            ].join('\n'),
      );
    });
  cases
    .command('purged')
    .description('The purge log: every case deleted under the retention policy (no narrative is kept).')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      const log = await getApp().store.purgeLog();
      print(!!opts.json, log, () => (log.length === 0 ? 'No case has been purged.' : describePurges(log)));
    });

  program
    .command('detection')
    .description('What chat monitoring flagged, and what DSLs made of it.')
    .command('stats')
    .description(
      'Per detection rule and category: flags, cases, confirmed, dismissed as not a concern (by reason) and open.',
    )
    .option('--since <date>', 'only cases opened on or after this date (YYYY-MM-DD)')
    .option('--json', 'machine-readable output')
    .action(async (opts: { since?: string; json?: boolean }) => {
      const since = opts.since === undefined ? undefined : Date.parse(`${opts.since}T00:00:00Z`);
      if (since !== undefined && Number.isNaN(since))
        fail('INPUT_INVALID', `--since ${opts.since} is not a date (YYYY-MM-DD).`);
      const a = getApp();
      const monitored = (await a.cases.list({ status: 'all' })).filter(
        (c) => c.source !== 'staffReport' && (since === undefined || Date.parse(c.openedAt) >= since),
      );
      const stats = detectionStats(await Promise.all(monitored.map((c) => a.cases.chronology(c.id))));
      const reasons = (r: RuleStats | Omit<RuleStats, 'rule'>) =>
        Object.entries(r.dismissedFor)
          .filter(([, n]) => n > 0)
          .map(([why, n]) => `${why} ${n}`)
          .join(', ');
      const row = (name: string, r: Omit<RuleStats, 'rule'>) => [
        name,
        r.category,
        String(r.flags),
        String(r.cases),
        String(r.confirmed),
        String(r.dismissed),
        reasons(r),
        String(r.open),
      ];
      const head = ['RULE', 'CATEGORY', 'FLAGS', 'CASES', 'CONFIRMED', 'DISMISSED', 'WHY DISMISSED', 'OPEN'];
      print(!!opts.json, stats, () =>
        stats.cases === 0
          ? 'No monitoring case in this period.'
          : [
              `${stats.cases} monitoring ${stats.cases === 1 ? 'case' : 'cases'}${opts.since ? ` since ${opts.since}` : ''}.`,
              '',
              formatTable(
                head,
                stats.rules.map((r) => row(r.rule, r)),
              ),
              '',
              formatTable(
                head.slice(1),
                stats.categories.map((c) => row('', c).slice(1)),
              ),
            ].join('\n'),
      );
    });

  program
    .command('audit')
    .description('Audit the case records.')
    .command('verify')
    .description(
      'Recompute every case chronology hash chain; exit 1 naming any case and event that does not fit.',
    )
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      const report = await verifyAllCases(getApp().store);
      if (report.findings.length > 0) exitCode = 1;
      print(!!opts.json, report, () =>
        report.findings.length === 0
          ? `Verified ${report.casesChecked} cases and ${report.eventsChecked} events: every chronology is intact.`
          : [
              ...report.findings.map(
                (f) =>
                  `TAMPERED ${f.reference ?? '(no head)'} case ${f.caseId}${f.seq === undefined ? '' : ` event ${f.seq}`}: ${f.reason}`,
              ),
              `${report.findings.length} of ${report.casesChecked} cases failed verification.`,
            ].join('\n'),
      );
    });

  program
    .command('policy')
    .description('Policy packs.')
    .command('validate <files...>')
    .description('Validate policy pack YAML files; exit 1 naming the path of each problem.')
    .option('--json', 'machine-readable output')
    .action((files: string[], opts: { json?: boolean }) => {
      const results = files.map((f) => ({ file: f, result: parsePolicyFile(resolve(io.cwd, f)) }));
      if (results.some((r) => !r.result.ok)) exitCode = 1;
      print(
        !!opts.json,
        results.map(({ file, result }) =>
          result.ok
            ? { file, ok: true, organisation: result.pack.organisation.id }
            : { file, ok: false, issues: result.issues },
        ),
        () =>
          results
            .map(({ file, result }) =>
              result.ok
                ? `ok      ${file} (${result.pack.organisation.name})`
                : [
                    `invalid ${file}`,
                    ...result.issues.map(
                      (i) =>
                        `  ${i.source}${i.line === undefined ? '' : `:${i.line}:${i.column ?? 1}`} ${i.path || '(document)'}: ${i.message}`,
                    ),
                  ].join('\n'),
            )
            .join('\n'),
      );
    });

  program
    .command('index')
    .description('Case indexes.')
    .command('rebuild')
    .description('Rebuild the index tables from the case chronologies.')
    .action(async () => {
      const n = await getApp().store.rebuildIndexes();
      io.out(`Rebuilt indexes for ${n} cases.`);
    });

  const subscriptions = program
    .command('subscriptions')
    .description('The Microsoft Graph subscriptions that watch Teams messages.');
  const describeSubscriptions = (list: readonly Subscription[]) =>
    list.length === 0
      ? 'No subscriptions. Run `esafety subscriptions renew` to create them.'
      : formatTable(
          ['Id', 'Resource', 'Expires', 'Notification URL'],
          list.map((x) => [x.id, x.resource, shortTime(x.expirationDateTime), x.notificationUrl]),
        );
  subscriptions
    .command('list')
    .description("This app's subscriptions as Microsoft Graph reports them.")
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      const list = await monitoring().subscriptions.list();
      print(!!opts.json, list, () => describeSubscriptions(list));
    });
  subscriptions
    .command('renew')
    .description(
      'Create what the policy pack asks for, remove strays, and renew every subscription now (the timer does this every 30 minutes).',
    )
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      const m = monitoring();
      const report = await reconcileSubscriptions(m.subscriptions, m.plan, m.clock, silentLogger);
      for (const id of report.kept) await reauthorizeSubscription(m.subscriptions, id, m.clock);
      const list = await m.subscriptions.list();
      print(
        !!opts.json,
        { ...report, renewed: [...report.renewed, ...report.kept], kept: [], subscriptions: list },
        () =>
          [
            `Created ${report.created.length}, renewed ${report.renewed.length + report.kept.length}, removed ${report.removed.length}.`,
            describeSubscriptions(list),
          ].join('\n'),
      );
    });

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    const e = toEsafetyError(err);
    io.err(`error ${e.code}: ${e.message}`);
    return 1;
  }
}

/** Entry point for `bin/esafety.js`. */
export function main(): void {
  const io: CliIo = {
    out: (s) => process.stdout.write(`${s}\n`),
    err: (s) => process.stderr.write(`${s}\n`),
    env: process.env,
    cwd: process.cwd(),
  };
  void runCli(process.argv.slice(2), io).then((code) => {
    process.exitCode = code;
  });
}
