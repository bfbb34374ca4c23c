import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse, stringify } from 'yaml';
import { runCli } from '../../cli/esafety';
import { compose } from '../../functions/composition-root';
import { loadConfig } from '../../functions/config';
import {
  dslA,
  policyPath,
  report,
  repoRoot,
  staff,
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
