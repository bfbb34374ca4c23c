/**
 * `esafety` — the admin CLI. Reads the same configuration as the app (functions/config.ts).
 *
 *   esafety cases list [--status active|closed|all] [--json]
 *   esafety cases show <ref> [--json]
 *   esafety cases export <ref>
 *   esafety cases purge [--dry-run] [--json]
 *   esafety cases purged [--json]
 *   esafety assessments list [--due] [--status submitted|moreInfo|decided|withdrawn|all] [--json]
 *   esafety assessments show <ref> [--json]
 *   esafety assessments export [--out <file>] [--format csv|json]
 *   esafety detection stats [--since YYYY-MM-DD] [--json]
 *   esafety training report [--class <id>] [--quiz <id>] [--overdue] [--json|--csv]
 *   esafety audit verify [--json]            (cases and risk assessments)
 *   esafety policy validate <files…> [--json]
 *   esafety index rebuild
 *   esafety subscriptions list [--json]
 *   esafety subscriptions renew [--json]
 *   esafety poison list|replay [--json]
 *   esafety sharing status [--json]
 *   esafety sharing sweep [--since <time>] [--json]
 *   esafety doctor [--json]
 *
 * Locally, while `npm start` runs, the CLI finds Microsoft Graph (the tenant simulator) through
 * `<data dir>/local-runtime.json`, which `npm start` writes; in Azure it uses the app settings.
 *
 * Exit codes: 0 success; 1 a check failed or the request was refused; 2 usage error.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import {
  assessmentStatuses,
  decisionText,
  type AssessmentEvent,
  type AssessmentState,
} from '../core/assessments/assessment';
import { verifyAllAssessments } from '../core/assessments/assessment-audit';
import type { PackQuestionnaire } from '../core/assessments/assessment-service';
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
import type { PolicyPack } from '../core/policy/policy-pack';
import {
  findQuestion,
  questionnaireVersion,
  type Answers,
  type RiskReason,
} from '../core/questionnaire/questionnaire';
import { FieldCipher } from '../adapters/field-cipher';
import { parsePolicyFile } from '../adapters/policy-files';
import { storageClients } from '../adapters/storage-clients';
import { TableAssessmentStore } from '../adapters/table-assessment-store';
import { compose, type App } from '../functions/composition-root';
import { poisonedQueues } from '../functions/registrations';
import { poisonState, replayPoison } from '../adapters/poison-queue';
import { loadConfig } from '../functions/config';
import { localDataDir, readLocalRuntimeFile } from '../functions/local-runtime-file';
import { doctorLines, runDoctor, type DoctorCheck } from './doctor';
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
  /** Locally, the tenant simulator's certificate (from npm start's runtime file). */
  let graphCa: string | undefined;
  const getApp = () => {
    if (app) return app;
    const env = { ESAFETY_LOG_LEVEL: 'warn', ...io.env };
    const config = loadConfig(env);
    // Locally, while npm start runs, its tenant simulator and storage (unless Graph is set here).
    const runtime =
      config.mode === 'local' && !config.graph
        ? readLocalRuntimeFile(localDataDir(config, io.cwd))
        : undefined;
    graphCa = runtime?.graphCa;
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
    .command('training')
    .description('The training record: induction quizzes and staff refreshers.')
    .command('report')
    .description('Who has passed, not passed yet, is in progress or has not started, per class and quiz.')
    .option('--class <id>', 'one class (its team channel or group chat id)')
    .option('--quiz <id>', 'one quiz (e.g. induction, staff-refresher)')
    .option(
      '--overdue',
      'only people overdue: a staff quiz not passed by its due date, or a pass older than its refresh period',
    )
    .option('--json', 'machine-readable output')
    .option('--csv', 'CSV for a spreadsheet or an inspector (a header row, RFC 4180)')
    .action(
      async (opts: { class?: string; quiz?: string; overdue?: boolean; json?: boolean; csv?: boolean }) => {
        const rows = (
          await getApp().quizzes.report({
            ...(opts.class !== undefined && { classId: opts.class }),
            ...(opts.quiz !== undefined && { quizId: opts.quiz }),
          })
        ).filter((r) => !opts.overdue || r.overdue);
        if (opts.csv) {
          const records = rows.map((r) => ({
            quiz: r.quizId,
            quizTitle: r.quizTitle,
            version: r.version,
            class: r.className,
            classId: r.classId,
            runStarted: r.startedAt,
            person: r.name ?? '',
            personId: r.personId,
            state: r.state,
            best: r.best ?? '',
            outOf: r.outOf,
            passMark: r.passMark,
            attempts: r.attempts,
            finishedAt: r.finishedAt ?? '',
            dueAt: r.dueAt ?? '',
            validUntil: r.validUntil ?? '',
            overdue: r.overdue ? 'yes' : 'no',
          }));
          const columns = Object.keys(records[0] ?? { quiz: '' }) as (keyof (typeof records)[number])[];
          io.out(toCsv(columns, records).replace(/\r\n$/, ''));
          return;
        }
        const stateText = {
          passed: 'passed',
          failed: 'not passed yet',
          inProgress: 'in progress',
          notStarted: 'not started',
        };
        print(!!opts.json, rows, () =>
          rows.length === 0
            ? 'No quiz has been run yet.'
            : [
                formatTable(
                  [
                    'QUIZ',
                    'CLASS OR GROUP',
                    'STARTED',
                    'PERSON',
                    'STATE',
                    'BEST',
                    'ATTEMPTS',
                    'FINISHED',
                    'DUE',
                  ],
                  rows.map((r) => [
                    r.quizId,
                    oneLine(r.className || r.classId),
                    shortTime(r.startedAt),
                    oneLine(r.name ?? r.personId),
                    stateText[r.state],
                    r.best !== undefined ? `${r.best}/${r.outOf}` : '',
                    String(r.attempts),
                    shortTime(r.finishedAt),
                    r.overdue
                      ? `OVERDUE${r.dueAt ? ` (${r.dueAt.slice(0, 10)})` : ''}`
                      : (r.validUntil ?? r.dueAt ?? '').slice(0, 10),
                  ]),
                ),
                `${rows.length} ${rows.length === 1 ? 'record' : 'records'}: ${rows.filter((r) => r.state === 'passed').length} passed, ${rows.filter((r) => r.overdue).length} overdue`,
              ].join('\n'),
        );
      },
    );

  const assessments = program
    .command('assessments')
    .description('The technology risk assessment register: list, show and export.');
  assessments
    .command('list')
    .description('The register, newest submission first.')
    .option(
      '--due',
      "only approved assessments whose review date is within the policy's notice period or past, not yet reviewed",
    )
    .addOption(
      new Option('--status <status>', 'which assessments')
        .choices([...assessmentStatuses, 'all'])
        .default('all'),
    )
    .option('--json', 'machine-readable output')
    .action(async (opts: { due?: boolean; status: string; json?: boolean }) => {
      const a = getApp();
      const today = a.clock.now().toISOString().slice(0, 10);
      const horizon = daysAfter(today, a.pack.assessment.reviewNoticeDays);
      const list = newestFirst(await a.assessments.list()).filter(
        (s) => (opts.status === 'all' || s.status === opts.status) && (!opts.due || reviewDue(s, horizon)),
      );
      const rows = list.map((s) => ({
        ...s,
        ...(opts.due && { overdue: (s.reviewDate ?? '') < today }),
      }));
      const what = opts.due ? 'due for review' : '';
      print(!!opts.json, rows, () =>
        list.length === 0
          ? opts.due
            ? `No assessment is due for review by ${horizon}.`
            : 'No assessment in the register.'
          : [
              formatTable(
                [
                  'REFERENCE',
                  'TOOL',
                  'REQUESTER',
                  'QUESTIONNAIRE',
                  'RISK',
                  'STATUS',
                  'DECISION',
                  'REVIEW',
                  'SUBMITTED',
                ],
                rows.map((s) => [
                  s.reference,
                  oneLine(s.narrative.tool),
                  oneLine(requesterOf(s)),
                  s.questionnaireId,
                  s.risk,
                  s.status,
                  s.decision ? decisionText[s.decision] : '',
                  reviewCell(s, today),
                  shortTime(s.submittedAt),
                ]),
              ),
              `${list.length} ${list.length === 1 ? 'assessment' : 'assessments'}${what ? ` ${what}` : ''}`,
            ].join('\n'),
      );
    });
  assessments
    .command('show <ref>')
    .description(
      'One assessment (by reference such as RA-2026-7KQ3M, or id): facts, risk and why, answers, decision, chronology.',
    )
    .option('--json', 'machine-readable output')
    .action(async (ref: string, opts: { json?: boolean }) => {
      const a = getApp();
      const state = await a.assessments.resolve(ref);
      const events = await a.assessments.history(state.id);
      const links = [
        state.reviewOf,
        state.reviewedBy,
        ...events.map((e) => e.type === 'reviewed' && e.data.by),
      ];
      const references = await referencesOf(
        links.filter((id): id is string => typeof id === 'string'),
        (id) => a.assessments.get(id),
      );
      print(!!opts.json, { assessment: state, events }, () =>
        describeAssessment(state, events, a.pack, references),
      );
    });
  assessments
    .command('export')
    .description('The register for an inspector, as CSV (a header row, RFC 4180) or JSON.')
    .option('--out <file>', 'write to this file instead of standard output')
    .addOption(new Option('--format <format>', 'file format').choices(['csv', 'json']).default('csv'))
    .action(async (opts: { out?: string; format: 'csv' | 'json' }) => {
      const a = getApp();
      const list = newestFirst(await a.assessments.list());
      const references = new Map(list.map((s) => [s.id, s.reference]));
      const records = list.map((s) => registerRecord(s, a.pack, references));
      const text =
        opts.format === 'json'
          ? JSON.stringify({ exportedAt: new Date().toISOString(), assessments: records }, null, 2)
          : toCsv(registerColumns, records);
      if (opts.out === undefined) {
        // Standard output ends the last line itself.
        io.out(text.replace(/\r\n$/, ''));
        return;
      }
      const file = resolve(io.cwd, opts.out);
      try {
        writeFileSync(file, opts.format === 'json' ? `${text}\n` : text);
      } catch (err) {
        fail('INPUT_INVALID', `Could not write ${file}: ${(err as Error).message}`, { file }, err);
      }
      io.out(`Exported ${records.length} ${records.length === 1 ? 'assessment' : 'assessments'} to ${file}.`);
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
    .description('Audit the case and risk assessment records.')
    .command('verify')
    .description(
      'Recompute every case and risk assessment chronology hash chain; exit 1 naming any record and event that does not fit.',
    )
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      const a = getApp();
      const report = await verifyAllCases(a.store);
      const assessed = await verifyAllAssessments(assessmentStore(a));
      if (report.findings.length > 0 || assessed.findings.length > 0) exitCode = 1;
      const json = {
        ...report,
        assessments: {
          checked: assessed.assessmentsChecked,
          events: assessed.eventsChecked,
          findings: assessed.findings,
        },
      };
      const plural = (n: number, one: string) => `${n} ${n === 1 ? one : `${one}s`}`;
      print(!!opts.json, json, () =>
        [
          ...report.findings.map(
            (f) =>
              `TAMPERED ${f.reference ?? '(no head)'} case ${f.caseId}${f.seq === undefined ? '' : ` event ${f.seq}`}: ${f.reason}`,
          ),
          ...assessed.findings.map(
            (f) =>
              `TAMPERED ${f.reference ?? '(no head)'} assessment ${f.assessmentId}${f.seq === undefined ? '' : ` event ${f.seq}`}: ${f.reason}`,
          ),
          report.findings.length === 0
            ? `Verified ${report.casesChecked} cases and ${report.eventsChecked} events: every chronology is intact.`
            : `${report.findings.length} of ${report.casesChecked} cases failed verification.`,
          // A register with no assessments keeps the case line alone, as before assessments existed.
          ...(assessed.assessmentsChecked === 0
            ? []
            : [
                assessed.findings.length === 0
                  ? `Verified ${plural(assessed.assessmentsChecked, 'risk assessment')} and ${plural(assessed.eventsChecked, 'event')}: every chronology is intact.`
                  : `${assessed.findings.length} of ${plural(assessed.assessmentsChecked, 'risk assessment')} failed verification.`,
              ]),
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

  const poison = program
    .command('poison')
    .description('Messages the Functions host gave up on (the `-poison` queues), and replaying them.');
  const poisonClients = () => storageClients(getApp().config.storage.connection);
  poison
    .command('list')
    .description('How many messages wait in each poison queue, and since when.')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      const states = await poisonState(poisonClients(), poisonedQueues(getApp().config.storage));
      print(!!opts.json, states, () =>
        formatTable(
          ['Queue', 'Waiting', 'Oldest'],
          states.map((s) => [`${s.queue}-poison`, String(s.waiting), shortTime(s.oldest)]),
        ),
      );
    });
  poison
    .command('replay')
    .description(
      'Put every poisoned message back on its queue (processing is idempotent); malformed ones, and ones replayed 3 times, stay.',
    )
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      const reports = await replayPoison(poisonClients(), poisonedQueues(getApp().config.storage));
      print(!!opts.json, reports, () =>
        reports.map((r) => `${r.queue}: ${r.replayed} replayed, ${r.kept} kept for an operator.`).join('\n'),
      );
    });

  program
    .command('doctor')
    .description(
      'Check this deployment (or the running local system) and say what to fix, one line each; exit 1 if anything needs fixing.',
    )
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      let checks: DoctorCheck[];
      try {
        checks = await runDoctor(getApp(), {
          ...(graphCa && { ca: graphCa }),
          // App Service sets IDENTITY_ENDPOINT where a managed identity can be asked for tokens.
          onAzure: io.env['IDENTITY_ENDPOINT'] !== undefined,
        });
      } catch (err) {
        // The app could not even be put together: the configuration or the policy pack.
        const e = toEsafetyError(err);
        checks = [
          {
            check: 'configuration',
            ok: false,
            detail: e.message.replace(/\n\s*/g, '; '),
            fix: 'Set the settings named (local.settings.example.json documents each), or fix the policy pack',
          },
        ];
      }
      if (checks.some((c) => !c.ok)) exitCode = 1;
      print(!!opts.json, checks, () => doctorLines(checks).join('\n'));
    });

  const sharingApp = () =>
    getApp().sharing ??
    fail(
      'CONFIG_INVALID',
      'Sharing is not watched: set ESAFETY_GRAPH_* (locally, start the system with npm start first).',
    );
  const sharing = program
    .command('sharing')
    .description('The watch on OneDrive and SharePoint sharing: the audit sweep and the watched drives.');
  sharing
    .command('status')
    .description("The audit sweep's watermark, the watched drives' subscriptions and delta links.")
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      const s = sharingApp();
      const app = getApp();
      const [sweep, links] = await Promise.all([s.state.lastSweep(), s.state.deltaLinks()]);
      const drives = app.pack.sharing.sensitiveDrives;
      const subs = app.monitoring ? await app.monitoring.subscriptions.list() : [];
      const rows = drives.map((d) => {
        const sub = subs.find(
          (x) => x.resource.replace(/^\//, '').toLowerCase() === `drives/${d.id}/root`.toLowerCase(),
        );
        return {
          driveId: d.id,
          name: d.name,
          subscription: sub ? { id: sub.id, expires: sub.expirationDateTime } : undefined,
          deltaSavedAt: links.find((l) => l.driveId === d.id)?.savedAt,
        };
      });
      print(!!opts.json, { sweep, drives: rows }, () =>
        [
          sweep
            ? `Audit sweep: watermark ${shortTime(sweep.until)} (last ran ${shortTime(sweep.ranAt)}: ${sweep.records} records in ${sweep.windows} ${sweep.windows === 1 ? 'query' : 'queries'}, ${sweep.items} files, ${sweep.risky} risky shares, ${sweep.dropped} not risky).`
            : 'Audit sweep: not run yet.',
          rows.length === 0
            ? 'No drives are watched through the fast path (sharing.sensitiveDrives in the policy pack).'
            : formatTable(
                ['Drive', 'Name', 'Subscription expires', 'Delta link saved'],
                rows.map((r) => [
                  r.driveId,
                  r.name,
                  r.subscription
                    ? shortTime(r.subscription.expires)
                    : 'none (run esafety subscriptions renew)',
                  r.deltaSavedAt ? shortTime(r.deltaSavedAt) : 'not yet',
                ]),
              ),
        ].join('\n'),
      );
    });
  sharing
    .command('sweep')
    .description('Sweep the audit log for risky sharing now.')
    .option('--since <time>', 'start of the window (ISO 8601); default: the watermark less the overlap')
    .option('--json', 'machine-readable output')
    .action(async (opts: { since?: string; json?: boolean }) => {
      const since = opts.since === undefined ? undefined : new Date(opts.since);
      if (since && Number.isNaN(since.getTime()))
        fail('INPUT_INVALID', `--since must be a time such as 2026-12-03T09:00:00Z, not "${opts.since}".`);
      const record = await sharingApp().watch.sweep(silentLogger, since ? { since } : {});
      print(
        !!opts.json,
        record,
        () =>
          `Swept ${shortTime(record.from)} to ${shortTime(record.until)}: ${record.records} records, ${record.items} files, ${record.risky} risky shares, ${record.dropped} not risky.`,
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

// ——— Risk assessments: the register's words, for people and for an inspector's file ———

/** The assessment store the audit reads: the app's tables, prefix and field keys. */
function assessmentStore(app: App): TableAssessmentStore {
  const { storage, fieldKeys } = app.config;
  return new TableAssessmentStore({
    clients: storageClients(storage.connection),
    tablePrefix: storage.tablePrefix,
    cipher: new FieldCipher(fieldKeys.current, fieldKeys.previous),
    log: app.log,
  });
}

/** `YYYY-MM-DD` plus `days`. */
function daysAfter(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

function newestFirst(list: readonly AssessmentState[]): AssessmentState[] {
  return [...list].sort(
    (a, b) => b.submittedAt.localeCompare(a.submittedAt) || a.reference.localeCompare(b.reference),
  );
}

/** Approved (with or without conditions), not yet reviewed, review date by `horizon` or past. */
function reviewDue(s: AssessmentState, horizon: string): boolean {
  return (
    s.status === 'decided' &&
    s.decision !== 'reject' &&
    s.reviewDate !== undefined &&
    s.reviewDate <= horizon &&
    !s.reviewedBy
  );
}

function reviewCell(s: AssessmentState, today: string): string {
  if (s.status !== 'decided' || s.decision === 'reject' || !s.reviewDate) return '';
  if (s.reviewedBy) return `${s.reviewDate} (reviewed)`;
  return s.reviewDate < today ? `${s.reviewDate} (overdue)` : s.reviewDate;
}

const requesterOf = (s: AssessmentState) => s.narrative.requesterName ?? s.requesterId;

/** Collapses what someone wrote onto one line (a table cell, a chronology entry). */
const oneLine = (text: string) => text.replace(/\s+/g, ' ').trim();

/** Continuation lines indented under a label. */
const indented = (text: string, pad: string) => text.trim().split(/\r?\n/).join(`\n${pad}`);

async function referencesOf(
  ids: readonly string[],
  get: (id: string) => Promise<AssessmentState>,
): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  for (const id of new Set(ids)) {
    const state = await get(id).catch(() => undefined);
    if (state) found.set(id, state.reference);
  }
  return found;
}

const answerWords: Record<string, string> = { yes: 'yes', no: 'no', unsure: 'unsure' };

function questionnaireIn(pack: PolicyPack, id: string): PackQuestionnaire | undefined {
  return pack.assessment.questionnaires.find((q) => q.id === id);
}

/** A risk reason as a person reads it: the question, the answer and its comment, or the rule's reason. */
function reasonText(questionnaire: PackQuestionnaire | undefined, r: RiskReason, answers: Answers): string {
  if (r.kind === 'rule') {
    const rule = questionnaire?.risk.rules.find((x) => x.id === r.ruleId);
    return `${oneLine(rule?.reason ?? r.ruleId)} (policy rule ${r.ruleId}: ${r.level})`;
  }
  const question = questionnaire && findQuestion(questionnaire, r.questionId)?.question;
  const comment = answers[r.questionId]?.comment;
  return (
    `${oneLine(question?.text ?? r.questionId)} — ${answerWords[r.answer] ?? r.answer}` +
    `${comment ? ` (${oneLine(comment)})` : ''} [+${r.weight}]`
  );
}

function answerText(questionnaire: PackQuestionnaire, questionId: string, answers: Answers): string {
  const a = answers[questionId];
  if (!a || a.value === '') return a?.comment ? `— (${oneLine(a.comment)})` : '—';
  const q = findQuestion(questionnaire, questionId)?.question;
  const value = q?.kind === 'choice' ? (q.options?.find((o) => o.id === a.value)?.text ?? a.value) : a.value;
  return `${oneLine(value)}${a.comment ? ` — ${oneLine(a.comment)}` : ''}`;
}

function actorOf(e: AssessmentEvent): string {
  return e.actorName ?? (e.actorId.startsWith('system:') ? 'E-Safety (system)' : e.actorId);
}

function eventWhat(e: AssessmentEvent, references: ReadonlyMap<string, string>): string {
  const ref = (id: string) => references.get(id) ?? id;
  switch (e.type) {
    case 'submitted':
      return (
        `submitted (risk ${e.data.risk}, score ${e.data.score})` +
        (e.data.reviewOf ? `, reviewing ${ref(e.data.reviewOf)}` : '')
      );
    case 'infoRequested':
      return `asked for more information: ${oneLine(e.narrative.question)}`;
    case 'answered':
      return (
        `answered (risk ${e.data.risk}, score ${e.data.score})` +
        (e.narrative.reply ? `: ${oneLine(e.narrative.reply)}` : '')
      );
    case 'decided':
      return (
        `${decisionText[e.data.decision]}, review by ${e.data.reviewDate}` +
        (e.narrative.conditions ? `; conditions: ${oneLine(e.narrative.conditions)}` : '') +
        (e.narrative.note ? `; note: ${oneLine(e.narrative.note)}` : '')
      );
    case 'withdrawn':
      return `withdrew it${e.narrative.note ? `: ${oneLine(e.narrative.note)}` : ''}`;
    case 'reviewDue':
      return `review asked for (due ${e.data.reviewDate})`;
    case 'reviewed':
      return `reviewed by ${ref(e.data.by)}`;
  }
}

/** `esafety assessments show`: every fact, the risk and why, every answer, the decision, the chronology. */
function describeAssessment(
  s: AssessmentState,
  events: readonly AssessmentEvent[],
  pack: PolicyPack,
  references: ReadonlyMap<string, string>,
): string {
  const questionnaire = questionnaireIn(pack, s.questionnaireId);
  const ref = (id: string) => (references.has(id) ? `${references.get(id)} (${id})` : id);
  const changed =
    questionnaire && questionnaireVersion(questionnaire) !== s.questionnaireVersion
      ? '; the policy has changed this questionnaire since'
      : '';
  const role = pack.roles[s.approverRole]?.displayName;
  const status = {
    submitted: 'waiting for a decision',
    moreInfo: 'more information asked for',
    decided: `decided: ${decisionText[s.decision ?? 'approve']}`,
    withdrawn: 'withdrawn by the requester',
  }[s.status];
  const lines = [
    `${s.reference}  ${oneLine(s.narrative.tool)}`,
    `Id:            ${s.id}`,
    `Questionnaire: ${questionnaire ? oneLine(questionnaire.title) : '(no longer in the policy)'} (${s.questionnaireId}, version ${s.questionnaireVersion}${changed})`,
    `Requester:     ${s.narrative.requesterName ? `${s.narrative.requesterName} (${s.requesterId})` : s.requesterId}`,
    `Submitted:     ${shortTime(s.submittedAt)}`,
    `Updated:       ${shortTime(s.updatedAt)} (event ${s.version}, hash ${s.lastHash.slice(0, 16)}…)`,
    `Approver:      ${role ? `${role} (${s.approverRole})` : s.approverRole}; route ${s.route}`,
    `Status:        ${status}`,
  ];
  if (s.status === 'decided') {
    lines.push(
      `Decided:       ${shortTime(s.decidedAt)} by ${s.narrative.deciderName ? `${s.narrative.deciderName} (${s.decidedBy ?? ''})` : (s.decidedBy ?? '')}`,
    );
    if (s.decision !== 'reject' && s.reviewDate) lines.push(`Review by:     ${s.reviewDate}`);
    if (s.narrative.conditions)
      lines.push(`Conditions:    ${indented(s.narrative.conditions, '               ')}`);
    if (s.narrative.decisionNote)
      lines.push(`Note:          ${indented(s.narrative.decisionNote, '               ')}`);
  }
  if (s.status === 'moreInfo' && s.narrative.question)
    lines.push(`Question:      ${indented(s.narrative.question, '               ')}`);
  if (s.reviewRequestedAt) lines.push(`Review asked:  ${shortTime(s.reviewRequestedAt)}`);
  if (s.reviewedBy) lines.push(`Reviewed by:   ${ref(s.reviewedBy)}`);
  if (s.reviewOf) lines.push(`Reviews:       ${ref(s.reviewOf)}`);

  lines.push('', `Risk: ${s.risk} (score ${s.score})`);
  if (s.reasons.length === 0) lines.push('  No answer raised the risk.');
  for (const r of s.reasons) lines.push(`  - ${reasonText(questionnaire, r, s.narrative.answers)}`);

  lines.push('', 'Answers:');
  if (questionnaire) {
    for (const section of questionnaire.sections) {
      lines.push(`  ${oneLine(section.title)}`);
      for (const q of section.questions)
        lines.push(`    ${oneLine(q.text)}  ${answerText(questionnaire, q.id, s.narrative.answers)}`);
    }
  } else {
    for (const [id, a] of Object.entries(s.narrative.answers))
      lines.push(`  ${id}  ${oneLine(a.value) || '—'}${a.comment ? ` — ${oneLine(a.comment)}` : ''}`);
  }

  lines.push('', 'Chronology:');
  for (const e of events)
    lines.push(`  #${e.seq} ${shortTime(e.at)}  ${oneLine(actorOf(e))}: ${eventWhat(e, references)}`);
  return lines.join('\n');
}

/** The register's columns for an inspector, in order. */
const registerColumns = [
  'reference',
  'id',
  'tool',
  'questionnaire',
  'questionnaireVersion',
  'requester',
  'requesterId',
  'submittedAt',
  'risk',
  'score',
  'riskReasons',
  'status',
  'decision',
  'conditions',
  'decidedBy',
  'decidedById',
  'decidedAt',
  'reviewDate',
  'reviewRequestedAt',
  'reviewOf',
  'reviewedBy',
  'updatedAt',
] as const;

type RegisterRecord = Record<(typeof registerColumns)[number], string | number>;

function registerRecord(
  s: AssessmentState,
  pack: PolicyPack,
  references: ReadonlyMap<string, string>,
): RegisterRecord {
  const questionnaire = questionnaireIn(pack, s.questionnaireId);
  const ref = (id: string | undefined) => (id === undefined ? '' : (references.get(id) ?? id));
  return {
    reference: s.reference,
    id: s.id,
    tool: s.narrative.tool,
    questionnaire: questionnaire?.title ?? s.questionnaireId,
    questionnaireVersion: s.questionnaireVersion,
    requester: s.narrative.requesterName ?? '',
    requesterId: s.requesterId,
    submittedAt: s.submittedAt,
    risk: s.risk,
    score: s.score,
    riskReasons: s.reasons.map((r) => reasonText(questionnaire, r, s.narrative.answers)).join('; '),
    status: s.status,
    decision: s.decision ? decisionText[s.decision] : '',
    conditions: s.narrative.conditions ?? '',
    decidedBy: s.narrative.deciderName ?? '',
    decidedById: s.decidedBy ?? '',
    decidedAt: s.decidedAt ?? '',
    // A rejection has nothing to review (its decision still records a date).
    reviewDate: s.decision === 'reject' ? '' : (s.reviewDate ?? ''),
    reviewRequestedAt: s.reviewRequestedAt ?? '',
    reviewOf: ref(s.reviewOf),
    reviewedBy: ref(s.reviewedBy),
    updatedAt: s.updatedAt,
  };
}

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break, quotes doubled.
 * Text that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR first) is prefixed
 * with `'` (OWASP's advice on CSV injection), since tool names and conditions are what staff typed.
 */
export function csvField(value: string | number): string {
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A header row and one row per record, CRLF line breaks (RFC 4180). */
export function toCsv<K extends string>(
  columns: readonly K[],
  records: readonly Record<K, string | number>[],
): string {
  return [columns, ...records.map((r) => columns.map((c) => r[c]))]
    .map((row) => row.map(csvField).join(','))
    .join('\r\n')
    .concat('\r\n');
}
