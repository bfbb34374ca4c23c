import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse, stringify } from 'yaml';
import { FieldCipher } from '../../adapters/field-cipher';
import { TableAssessmentStore } from '../../adapters/table-assessment-store';
import { TableDraftStore } from '../../adapters/table-draft-store';
import { runCli } from '../../cli/esafety';
import type { Actor, AssessmentState } from '../../core/assessments/assessment';
import { AssessmentService } from '../../core/assessments/assessment-service';
import { silentLogger } from '../../core/logger';
import { compose } from '../../functions/composition-root';
import { loadConfig } from '../../functions/config';
import {
  defaultPack,
  dslA,
  policyPath,
  report,
  repoRoot,
  staff,
  steppingClock,
  testClients,
  testStorage,
  uniquePrefix,
} from '../support/fixtures';

function setup() {
  const prefix = uniquePrefix();
  const env = {
    ESAFETY_STORAGE_CONNECTION_STRING: testStorage(),
    ESAFETY_TABLE_PREFIX: prefix,
    ESAFETY_FIELD_KEY: randomBytes(32).toString('base64'),
    ESAFETY_LOG_LEVEL: 'silent',
  };
  const run = async (...args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(args, { out: (s) => out.push(s), err: (s) => err.push(s), env, cwd: repoRoot });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };
  const app = compose(loadConfig(env), { root: repoRoot });
  const raw = testClients().table(`${prefix}cases`);
  return { run, app, raw, env };
}

async function seeded() {
  const s = setup();
  const grooming = await s.app.cases.open(
    report({ description: 'Adult asked learner to keep chats secret.' }),
    staff,
    'a',
  );
  const gambling = await s.app.cases.open(report({ category: 'gambling', subjectName: 'Gabe' }), staff, 'b');
  await s.app.cases.act(grooming.state.id, dslA, { kind: 'claim' });
  await s.app.cases.act(grooming.state.id, dslA, {
    kind: 'addNote',
    note: 'Spoke with the learner and their carer.',
  });
  return { ...s, grooming: grooming.state, gambling: gambling.state };
}

describe('esafety CLI', () => {
  it('lists open cases for people, most severe first, and as JSON for machines', async () => {
    const { run, grooming, gambling } = await seeded();
    const table = await run('cases', 'list');
    expect(table.code).toBe(0);
    const lines = table.out.split('\n');
    expect(lines[0]).toMatch(/^REFERENCE\s+STATUS\s+SEVERITY/);
    expect(lines[1]).toContain(grooming.reference); // high before medium
    expect(lines[2]).toContain(gambling.reference);
    expect(table.out).toContain('2 cases');
    const json = await run('cases', 'list', '--json');
    expect(JSON.parse(json.out)).toEqual([
      expect.objectContaining({ reference: grooming.reference, status: 'inProgress', severity: 'high' }),
      expect.objectContaining({ reference: gambling.reference, status: 'open' }),
    ]);
  });

  it('shows one case with its chronology, and names a missing case', async () => {
    const { run, grooming } = await seeded();
    const shown = await run('cases', 'show', grooming.reference);
    expect(shown.code).toBe(0);
    expect(shown.out).toContain('claimed by Dana DSL');
    expect(shown.out).toContain('Spoke with the learner and their carer.');
    const missing = await run('cases', 'show', 'ES-2026-0999');
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('CASE_NOT_FOUND');
  });

  it('exports the whole chronology as JSON with its hash chain', async () => {
    const { run, grooming } = await seeded();
    const exported = await run('cases', 'export', grooming.reference);
    const data = JSON.parse(exported.out) as {
      case: { reference: string };
      events: { seq: number; prevHash: string; hash: string }[];
    };
    expect(data.case.reference).toBe(grooming.reference);
    expect(data.events.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(data.events[1]?.prevHash).toBe(data.events[0]?.hash);
  });

  it('verifies the audit chain, then exits 1 naming the case and event after a direct edit in storage', async () => {
    const { run, raw, grooming } = await seeded();
    const clean = await run('audit', 'verify');
    expect(clean).toMatchObject({
      code: 0,
      out: 'Verified 2 cases and 4 events: every chronology is intact.',
    });

    await raw.updateEntity(
      { partitionKey: grooming.id, rowKey: 'e0000000002', actorId: 'someone-else' },
      'Merge',
    );
    const tampered = await run('audit', 'verify');
    expect(tampered.code).toBe(1);
    expect(tampered.out).toContain(`TAMPERED ${grooming.reference} case ${grooming.id} event 2:`);
    const json = JSON.parse((await run('audit', 'verify', '--json')).out) as { findings: unknown[] };
    expect(json.findings).toEqual([expect.objectContaining({ caseId: grooming.id, seq: 2 })]);
  });

  describe('policy validate', () => {
    const dir = mkdtempSync(join(tmpdir(), 'esafety-policy-'));
    // The default pack's safeguarding library, which it includes from files next to it.
    cpSync(join(dirname(policyPath('uk-fe-default')), 'library'), join(dir, 'library'), { recursive: true });
    const variant = (name: string, edit: (p: any) => void) => {
      const data = parse(readFileSync(policyPath('uk-fe-default'), 'utf8'));
      edit(data);
      const file = join(dir, name);
      writeFileSync(file, stringify(data));
      return file;
    };

    it('accepts every shipped pack', async () => {
      const { run } = setup();
      const result = await run(
        'policy',
        'validate',
        ...['uk-fe-default', 'momentum', 'waes', 'skills4stem', 'babington', 'ucen-manchester'].map(
          policyPath,
        ),
      );
      expect(result.code).toBe(0);
      expect(result.out.split('\n').every((l) => l.startsWith('ok'))).toBe(true);
    });

    it('exits 1 naming the file, line and path of a route to an undefined role and an unanswered question', async () => {
      const { run } = setup();
      const badRoute = variant('bad-route.yaml', (p) => (p.routes.staff.roles = ['nobody']));
      const noAnswer = variant('no-answer.yaml', (p) => delete p.quizzes[0].questions[2].answer);
      const result = await run('policy', 'validate', policyPath('uk-fe-default'), badRoute, noAnswer);
      expect(result.code).toBe(1);
      expect(result.out).toMatch(
        /bad-route\.yaml:\d+:\d+ routes\.staff\.roles\[0\]: route "staff" names undefined role "nobody"/,
      );
      expect(result.out).toMatch(/no-answer\.yaml:\d+:\d+ quizzes\[0\]\.questions\[2\]\.answer: /);
      expect(result.out).toMatch(/^ok\s+.*uk-fe-default\.yaml/m);
    });

    it('names a file that does not exist', async () => {
      const { run } = setup();
      const result = await run('policy', 'validate', join(dir, 'missing.yaml'));
      expect(result.code).toBe(1);
      expect(result.out).toContain('file not found');
    });
  });

  it('rebuilds the indexes', async () => {
    const { run } = await seeded();
    expect(await run('index', 'rebuild')).toMatchObject({ code: 0, out: 'Rebuilt indexes for 2 cases.' });
  });

  it('exits 2 on a usage error and 1 naming a malformed setting', async () => {
    const { run } = setup();
    expect((await run('cases', 'list', '--status', 'sideways')).code).toBe(2);
    const out: string[] = [];
    const code = await runCli(['cases', 'list'], {
      out: (s) => out.push(s),
      err: (s) => out.push(s),
      env: { ESAFETY_FIELD_KEY: 'short' },
      cwd: repoRoot,
    });
    expect(code).toBe(1);
    expect(out.join('\n')).toContain('ESAFETY_FIELD_KEY');
  });

  it('purges closed cases whose retention period has run, keeps held ones, and lists the purge log', async () => {
    const s = setup();
    // Cases opened and closed in 2012, by an app whose clock says so.
    const past = compose(loadConfig(s.env), {
      root: repoRoot,
      clock: { now: () => new Date('2012-03-01T09:00:00Z') },
    });
    const old = (await past.cases.open(report({ category: 'gambling' }), staff, 'old')).state;
    const held = (await past.cases.open(report({ category: 'gambling' }), staff, 'held')).state;
    for (const c of [old, held])
      await past.cases.act(c.id, dslA, { kind: 'close', outcome: 'noFurtherAction' });
    await past.cases.act(held.id, dslA, { kind: 'setRetentionHold', held: true });
    const recent = (await s.app.cases.open(report(), staff, 'recent')).state;
    await s.app.cases.act(recent.id, dslA, { kind: 'close', outcome: 'noFurtherAction' });

    const dry = await s.run('cases', 'purge', '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.out).toContain(old.reference);
    expect(dry.out).not.toContain(held.reference);
    expect(dry.out).toContain('1 would be deleted (dry run: nothing was).');
    expect((await s.run('cases', 'show', old.reference)).code).toBe(0);

    const done = await s.run('cases', 'purge');
    expect(done.out).toContain('1 deleted; each is in the purge log.');
    expect((await s.run('cases', 'show', old.reference)).err).toContain('CASE_NOT_FOUND');
    for (const kept of [held, recent]) expect((await s.run('cases', 'show', kept.reference)).code).toBe(0);
    const log = await s.run('cases', 'purged', '--json');
    expect(JSON.parse(log.out)).toEqual([
      expect.objectContaining({ reference: old.reference, category: 'gambling' }),
    ]);
    expect((await s.run('audit', 'verify')).code).toBe(0);
  });
});

// ——— Technology risk assessments: the register, one assessment, the inspector's export, the audit ———

const approver: Actor = { id: 'cccccccc-cccc-4ccc-8ccc-cccccccccccc', name: 'Avery Approver' };
const robin: Actor = { id: '22222222-2222-4222-8222-222222222222', name: 'Robin Requester' };
const technology = defaultPack.assessment.questionnaires.find((q) => q.id === 'technology')!;

/** `YYYY-MM-DD`, `days` from today (the CLI's clock is the real one). */
const fromToday = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

/** Assessments made through the service on the CLI's own tables (same prefix, same field key). */
function assessing(s: ReturnType<typeof setup>) {
  const config = loadConfig(s.env);
  const tables = { clients: testClients(), tablePrefix: s.env.ESAFETY_TABLE_PREFIX };
  const cipher = new FieldCipher(config.fieldKeys.current);
  const approverGroup = s.app.pack.roles[s.app.pack.assessment.approverRole]!.groupId;
  const service = new AssessmentService({
    store: new TableAssessmentStore({ ...tables, cipher, log: silentLogger }),
    drafts: new TableDraftStore({ ...tables, cipher }),
    pack: s.app.pack,
    directory: {
      isMember: (user, group) => Promise.resolve(user === approver.id && group === approverGroup),
    },
    clock: steppingClock(`${fromToday(-40)}T09:00:00.000Z`),
    log: silentLogger,
  });
  /** Every section answered: text questions filled in, yes/no questions "no" unless in `yes`. */
  const assess = async (
    actor: Actor,
    tool: string,
    options: { yes?: readonly string[]; comments?: Readonly<Record<string, string>> } = {},
  ): Promise<AssessmentState> => {
    await service.resume(actor, 'technology');
    for (const section of technology.sections) {
      const data: Record<string, string> = {};
      for (const q of section.questions) {
        if (q.kind === 'url') data[`q.${q.id}`] = 'https://example.org/tool';
        else if (q.kind === 'yesNoUnsure') data[`q.${q.id}`] = options.yes?.includes(q.id) ? 'yes' : 'no';
        else data[`q.${q.id}`] = q.id === 'tool' ? tool : `Our ${q.id}`;
        const comment = options.comments?.[q.id];
        if (comment !== undefined) data[`c.${q.id}`] = comment;
      }
      await service.step(actor, 'technology', section.id, 'next', data);
    }
    const sent = await service.submit(actor, 'technology');
    if (!('state' in sent)) throw new Error('fixture: the questionnaire was incomplete');
    return sent.state;
  };
  const decide = async (
    state: AssessmentState,
    decision: 'approve' | 'approveWithConditions' | 'reject',
    reviewDate: string,
    conditions?: string,
  ) =>
    (
      await service.act(state.id, approver, {
        kind: 'decide',
        decision,
        reviewDate,
        ...(conditions !== undefined && { conditions }),
      })
    ).state;
  return { service, assess, decide };
}

/** Five assessments, oldest first: due, waiting, not due yet, rejected, overdue. */
async function register() {
  const s = setup();
  const { service, assess, decide } = assessing(s);
  const padlet = await decide(
    await assess(staff, 'Padlet, "walls" edition', {
      yes: ['strangers'],
      comments: { strangers: 'Public walls let anyone comment' },
    }),
    'approveWithConditions',
    fromToday(10),
    'Private walls only.\nNo learner accounts.',
  );
  const quizlet = await assess(robin, 'Quizlet');
  const kahoot = await decide(await assess(robin, 'Kahoot'), 'approve', fromToday(200));
  const tiktok = await decide(await assess(staff, '=TikTok', { yes: ['age-limit'] }), 'reject', fromToday(1));
  const oldTool = await decide(await assess(robin, 'Old Forum'), 'approve', fromToday(-5));
  return { ...s, service, assess, decide, padlet, quizlet, kahoot, tiktok, oldTool };
}

/** A small RFC 4180 reader, to check the export round-trips. */
function readCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  const endField = () => {
    row.push(field);
    field = '';
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted && c === '"' && text[i + 1] === '"') {
      field += '"';
      i++;
    } else if (c === '"') {
      quoted = !quoted;
    } else if (quoted) {
      field += c;
    } else if (c === ',') {
      endField();
    } else if (c === '\r' && text[i + 1] === '\n') {
      endField();
      rows.push(row);
      row = [];
      i++;
    } else {
      field += c;
    }
  }
  if (field !== '' || row.length > 0) {
    endField();
    rows.push(row);
  }
  return rows;
}

describe('esafety assessments', () => {
  // One register for these tests (making assessments through the questionnaire is many writes);
  // only the last test changes it.
  let r: Awaited<ReturnType<typeof register>>;
  beforeAll(async () => {
    r = await register();
  }, 120_000);

  describe('list', () => {
    it('shows the register newest first, filtered by status, and as JSON', async () => {
      const { run, padlet, quizlet, kahoot, tiktok, oldTool } = r;
      const table = await run('assessments', 'list');
      expect(table.code).toBe(0);
      const lines = table.out.split('\n');
      expect(lines[0]).toMatch(
        /^REFERENCE\s+TOOL\s+REQUESTER\s+QUESTIONNAIRE\s+RISK\s+STATUS\s+DECISION\s+REVIEW\s+SUBMITTED$/,
      );
      expect(lines.slice(1, 6).map((l) => l.split(/\s+/)[0])).toEqual(
        [oldTool, tiktok, kahoot, quizlet, padlet].map((a) => a.reference),
      );
      expect(lines.find((l) => l.startsWith(padlet.reference))).toMatch(
        /Padlet, "walls" edition\s+Sam Staff\s+technology\s+high\s+decided\s+approved with conditions\s+\d{4}-\d{2}-\d{2}\s/,
      );
      expect(lines.find((l) => l.startsWith(quizlet.reference))).toMatch(
        /Quizlet\s+Robin Requester\s+technology\s+low\s+submitted\s+\d{4}-/,
      );
      expect(lines.find((l) => l.startsWith(tiktok.reference))).toContain('not approved');
      expect(lines.find((l) => l.startsWith(oldTool.reference))).toContain(`${oldTool.reviewDate} (overdue)`);
      expect(lines.at(-1)).toBe('5 assessments');

      const waiting = await run('assessments', 'list', '--status', 'submitted');
      expect(waiting.out).toContain(quizlet.reference);
      expect(waiting.out).not.toContain(padlet.reference);
      expect(waiting.out.split('\n').at(-1)).toBe('1 assessment');
      expect((await run('assessments', 'list', '--status', 'sideways')).code).toBe(2);

      const json = JSON.parse((await run('assessments', 'list', '--json')).out) as AssessmentState[];
      expect(json.map((a) => a.reference)).toEqual(
        [oldTool, tiktok, kahoot, quizlet, padlet].map((a) => a.reference),
      );
      expect(json[4]).toMatchObject({
        status: 'decided',
        decision: 'approveWithConditions',
        narrative: { tool: 'Padlet, "walls" edition', requesterName: 'Sam Staff' },
      });
    });
  });

  describe('show', () => {
    it('shows every fact, the risk and its reasons, the answers by section, the decision and the chronology', async () => {
      const { run, padlet } = r;
      const shown = await run('assessments', 'show', padlet.reference);
      expect(shown.code).toBe(0);
      const out = shown.out;
      expect(out.split('\n')[0]).toBe(`${padlet.reference}  Padlet, "walls" edition`);
      expect(out).toContain(`Id:            ${padlet.id}`);
      expect(out).toContain('Questionnaire: New technology or online platform (technology, version ');
      expect(out).toContain(`Requester:     Sam Staff (${staff.id})`);
      expect(out).toContain(
        'Approver:      Technology approver (Head of IT and Quality) (approver); route approvals',
      );
      expect(out).toContain('Status:        decided: approved with conditions');
      expect(out).toMatch(
        new RegExp(`Decided: +\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2} by Avery Approver \\(${approver.id}\\)`),
      );
      expect(out).toContain(`Review by:     ${padlet.reviewDate}`);
      expect(out).toContain('Conditions:    Private walls only.\n               No learner accounts.');
      expect(out).toContain('Risk: high (score 3)');
      expect(out).toContain(
        '  - Can people outside the college contact learners through it? — yes (Public walls let anyone comment) [+3]',
      );
      expect(out).toContain(
        '  - A safeguarding or data-protection question was answered yes or unsure. (policy rule safeguarding-or-data: high)',
      );
      expect(out).toContain(
        'Answers:\n  About the tool\n    What is the tool or activity called?  Padlet, "walls" edition',
      );
      expect(out).toContain('    Its web address  https://example.org/tool');
      expect(out).toContain('  Safeguarding\n');
      expect(out).toContain(
        '    Can people outside the college contact learners through it?  yes — Public walls let anyone comment',
      );
      expect(out).toContain('  Data protection\n');
      expect(out).toMatch(/#1 \d{4}-\d{2}-\d{2} \d{2}:\d{2} {2}Sam Staff: submitted \(risk high, score 3\)/);
      expect(out).toMatch(
        new RegExp(
          `#2 \\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2} {2}Avery Approver: approved with conditions, review by ${padlet.reviewDate}; conditions: Private walls only\\. No learner accounts\\.`,
        ),
      );
    });

    it('shows a waiting assessment by lower-case reference, as JSON, and names a missing one', async () => {
      const { run, quizlet } = r;
      const shown = await run('assessments', 'show', quizlet.reference.toLowerCase());
      expect(shown.code).toBe(0);
      expect(shown.out).toContain('Status:        waiting for a decision');
      expect(shown.out).toContain('Risk: low (score 0)\n  No answer raised the risk.');
      expect(shown.out).not.toContain('Decided:');

      const json = JSON.parse((await run('assessments', 'show', quizlet.id, '--json')).out) as {
        assessment: AssessmentState;
        events: { seq: number; type: string; hash: string }[];
      };
      expect(json.assessment).toMatchObject({ reference: quizlet.reference, status: 'submitted' });
      expect(json.events.map((e) => [e.seq, e.type])).toEqual([[1, 'submitted']]);

      const missing = await run('assessments', 'show', 'RA-2026-ZZZZZ');
      expect(missing.code).toBe(1);
      expect(missing.err).toContain('ASSESSMENT_NOT_FOUND');
    });
  });

  describe('export', () => {
    it('writes the register as CSV with a header row and RFC 4180 quoting, to standard output or a file', async () => {
      const { run, padlet, tiktok } = r;
      const printed = await run('assessments', 'export');
      expect(printed.code).toBe(0);
      const rows = readCsv(`${printed.out}\r\n`);
      const [header, ...records] = rows;
      expect(header).toEqual([
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
      ]);
      expect(records).toHaveLength(5);
      expect(records.every((r) => r.length === header!.length)).toBe(true);
      const field = (r: string[], name: string) => r[header!.indexOf(name)];
      const p = records.find((r) => r[0] === padlet.reference)!;
      expect(field(p, 'tool')).toBe('Padlet, "walls" edition');
      expect(field(p, 'conditions')).toBe('Private walls only.\nNo learner accounts.');
      expect(field(p, 'decision')).toBe('approved with conditions');
      expect(field(p, 'decidedBy')).toBe('Avery Approver');
      expect(field(p, 'risk')).toBe('high');
      expect(field(p, 'riskReasons')).toContain(
        'Can people outside the college contact learners through it? — yes',
      );
      expect(printed.out).toContain('"Padlet, ""walls"" edition"');
      // What staff typed never runs as a spreadsheet formula.
      const t = records.find((r) => r[0] === tiktok.reference)!;
      expect(field(t, 'tool')).toBe("'=TikTok");
      expect([field(t, 'decision'), field(t, 'reviewDate')]).toEqual(['not approved', '']);

      const dir = mkdtempSync(join(tmpdir(), 'esafety-export-'));
      const written = await run('assessments', 'export', '--out', join(dir, 'register.csv'));
      expect(written).toMatchObject({
        code: 0,
        out: `Exported 5 assessments to ${join(dir, 'register.csv')}.`,
      });
      const file = readFileSync(join(dir, 'register.csv'), 'utf8');
      expect(file.endsWith('\r\n')).toBe(true);
      expect(readCsv(file)).toEqual(rows);
    });

    it('writes the register as JSON', async () => {
      const { run, padlet, oldTool } = r;
      const dir = mkdtempSync(join(tmpdir(), 'esafety-export-'));
      const written = await run(
        'assessments',
        'export',
        '--format',
        'json',
        '--out',
        join(dir, 'register.json'),
      );
      expect(written.code).toBe(0);
      const data = JSON.parse(readFileSync(join(dir, 'register.json'), 'utf8')) as {
        exportedAt: string;
        assessments: Record<string, unknown>[];
      };
      expect(Date.parse(data.exportedAt)).not.toBeNaN();
      expect(data.assessments.map((a) => a['reference'])[0]).toBe(oldTool.reference);
      expect(data.assessments.find((a) => a['reference'] === padlet.reference)).toMatchObject({
        id: padlet.id,
        tool: 'Padlet, "walls" edition',
        questionnaire: 'New technology or online platform',
        requester: 'Sam Staff',
        risk: 'high',
        score: 3,
        status: 'decided',
        decision: 'approved with conditions',
        conditions: 'Private walls only.\nNo learner accounts.',
        reviewDate: padlet.reviewDate,
      });
      const printed = JSON.parse((await run('assessments', 'export', '--format', 'json')).out) as {
        assessments: unknown[];
      };
      expect(printed.assessments).toHaveLength(5);
      expect((await run('assessments', 'export', '--format', 'xml')).code).toBe(2);
    });
  });

  describe('list --due', () => {
    it('--due lists approved assessments reviewable within the notice period or overdue, until reviewed', async () => {
      const { run, service, padlet, quizlet, kahoot, tiktok, oldTool } = r;
      const due = await run('assessments', 'list', '--due');
      expect(due.code).toBe(0);
      const lines = due.out.split('\n');
      expect(lines.slice(1, 3).map((l) => l.split(/\s+/)[0])).toEqual([oldTool.reference, padlet.reference]);
      expect(lines[1]).toContain(`${oldTool.reviewDate} (overdue)`);
      expect(lines[2]).toContain(padlet.reviewDate);
      expect(lines[2]).not.toContain('overdue');
      for (const not of [quizlet, kahoot, tiktok]) expect(due.out).not.toContain(not.reference);
      expect(lines.at(-1)).toBe('2 assessments due for review');

      const json = JSON.parse((await run('assessments', 'list', '--due', '--json')).out) as {
        reference: string;
        overdue: boolean;
      }[];
      expect(json.map((a) => [a.reference, a.overdue])).toEqual([
        [oldTool.reference, true],
        [padlet.reference, false],
      ]);

      // Robin reviews the overdue one: a new assessment of the same tool marks the old one reviewed.
      await service.reopenForReview(robin, oldTool.id);
      const sent = await service.submit(robin, `review:${oldTool.id}`);
      if (!('state' in sent)) throw new Error('fixture: review incomplete');
      const after = await run('assessments', 'list', '--due');
      expect(after.out).not.toContain(oldTool.reference);
      expect(after.out).toContain(padlet.reference);
      expect((await run('assessments', 'list')).out).toContain(`${oldTool.reviewDate} (reviewed)`);

      const none = setup();
      expect(await none.run('assessments', 'list', '--due')).toMatchObject({
        code: 0,
        out: expect.stringMatching(/^No assessment is due for review by \d{4}-\d{2}-\d{2}\.$/),
      });
    }, 90_000);
  });
});

describe('esafety audit verify, with risk assessments', () => {
  it('verifies cases and assessments, then names an edited assessment event and an edited head', async () => {
    const s = await seeded();
    const { assess, decide } = assessing(s);
    const padlet = await decide(await assess(staff, 'Padlet'), 'approve', fromToday(100));
    const quizlet = await assess(robin, 'Quizlet');
    const clean = await s.run('audit', 'verify');
    expect(clean).toMatchObject({
      code: 0,
      out: [
        'Verified 2 cases and 4 events: every chronology is intact.',
        'Verified 2 risk assessments and 3 events: every chronology is intact.',
      ].join('\n'),
    });
    expect(JSON.parse((await s.run('audit', 'verify', '--json')).out)).toEqual({
      casesChecked: 2,
      eventsChecked: 4,
      findings: [],
      assessments: { checked: 2, events: 3, findings: [] },
    });

    const raw = testClients().table(`${s.env.ESAFETY_TABLE_PREFIX}assessments`);
    await raw.updateEntity(
      { partitionKey: padlet.id, rowKey: 'e0000000002', actorId: 'someone-else' },
      'Merge',
    );
    await raw.updateEntity({ partitionKey: quizlet.id, rowKey: 'head', risk: 'high' }, 'Merge');
    const tampered = await s.run('audit', 'verify');
    expect(tampered.code).toBe(1);
    expect(tampered.out).toContain(
      `TAMPERED ${padlet.reference} assessment ${padlet.id} event 2: hash does not match the event content (edited)`,
    );
    expect(tampered.out).toContain(
      `TAMPERED ${quizlet.reference} assessment ${quizlet.id}: assessment head does not match its chronology (edited)`,
    );
    expect(tampered.out).toContain('Verified 2 cases and 4 events: every chronology is intact.');
    expect(tampered.out).toContain('2 of 2 risk assessments failed verification.');
    const json = JSON.parse((await s.run('audit', 'verify', '--json')).out) as {
      findings: unknown[];
      assessments: { checked: number; events: number; findings: unknown[] };
    };
    expect(json.findings).toEqual([]);
    expect(json.assessments).toMatchObject({ checked: 2, events: 3 });
    expect(json.assessments.findings).toHaveLength(2);
    expect(json.assessments.findings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ assessmentId: padlet.id, reference: padlet.reference, seq: 2 }),
        { assessmentId: quizlet.id, reference: quizlet.reference, reason: expect.stringContaining('head') },
      ]),
    );
  }, 90_000);

  it('exits 1 for an assessment finding even when every case is intact', async () => {
    const s = setup();
    const { assess } = assessing(s);
    const only = await assess(staff, 'Padlet');
    await testClients()
      .table(`${s.env.ESAFETY_TABLE_PREFIX}assessments`)
      .deleteEntity(only.id, 'e0000000001');
    const result = await s.run('audit', 'verify');
    expect(result.code).toBe(1);
    expect(result.out).toContain(`TAMPERED ${only.reference} assessment ${only.id} event 1:`);
    expect(result.out).toContain('Verified 0 cases and 0 events: every chronology is intact.');
  }, 60_000);
});
