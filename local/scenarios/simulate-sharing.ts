/**
 * `npm run simulate -- <sharing scenario>` against the running local system: makes the shares in
 * the tenant simulator, then watches what the app does — a case and its card in the route's
 * channel through the fast path, or nothing — and checks the rest of what issue 12 promises: the
 * audit sweep seeing the same share adds nothing, a burst of shares is one case, and "Remove the
 * link / access" on the card takes the link away in the simulator.
 */
import { randomUUID } from 'node:crypto';
import { storageClients } from '../../adapters/storage-clients';
import { verbs } from '../../cards/verbs';
import type { CaseSummary } from '../../core/cases/case-store';
import { fail, toEsafetyError } from '../../core/errors';
import { silentLogger } from '../../core/logger';
import { compose, type App } from '../../functions/composition-root';
import { queueName } from '../../functions/config';
import { connectToLocalRuntime } from '../local-runtime';
import { ms, poll } from './poll';
import { learnerRecords, type SharingScenario } from './sharing-scenarios';

const dana = { id: 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', name: 'Dana DSL' };

export async function simulateSharing(
  root: string,
  name: string,
  scenario: SharingScenario,
): Promise<number> {
  const { config, graphCa, scenario: ctx } = connectToLocalRuntime(root);
  const app = compose(config, { root, log: silentLogger, graphCa });
  const sharing = app.sharing ?? fail('CONFIG_INVALID', 'Sharing is not watched: is Graph configured?');
  const say = (s: string) => process.stdout.write(`${s}\n`);
  say(`Scenario ${name}: ${scenario.description}.`);
  const startedAt = new Date();
  const started = performance.now();
  const run = await scenario
    .run(ctx)
    .catch((err: unknown) =>
      fail(
        'UPSTREAM_UNAVAILABLE',
        `The tenant simulator refused a step (${toEsafetyError(err).message}). Is npm start running?`,
      ),
    );
  for (const step of run.steps) say(`  ${step}`);
  const sweepSince = new Date(startedAt.getTime() - 60_000);

  if (run.expect === 'noCase') {
    const queue = storageClients(config.storage.connection).queue(
      queueName(config.storage, 'graph-notifications'),
    );
    await poll(async () => (await queue.getProperties()).approximateMessagesCount === 0 || undefined, 15_000);
    const swept = await sharing.watch.sweep(silentLogger, { since: sweepSince });
    const found = await casesHolding(app, run.permissionIds);
    if (found.length > 0) {
      say(`Result: UNEXPECTED case ${found[0]?.reference} for this share.`);
      return 1;
    }
    say(
      `Result: no case (as expected). The audit sweep read ${swept.records} sharing records: ${swept.risky} risky, ${swept.dropped} not risky under the policy.`,
    );
    return 0;
  }

  const first = run.permissionIds[0] ?? fail('UNEXPECTED', 'The scenario made no share.');
  const c = await poll(async () => (await casesHolding(app, [first]))[0], 15_000);
  if (!c) {
    say('Result: NO CASE within 15 s (expected one). See the npm start log for why.');
    return 1;
  }
  const openedMs = performance.now() - started;
  const post = await poll(async () => (await app.conversations.cardPost(c.id))?.record.post, 10_000);
  const postedMs = performance.now() - started;
  say(
    `Result: case ${c.reference} (${c.category}, ${c.severity}, route ${c.route}) opened ${ms(openedMs)} after the share (fast path: the library's subscription and delta).`,
  );
  say(
    post
      ? `        its card was in the ${app.pack.routes[c.route]?.displayName ?? c.route} channel ${ms(postedMs)} after the share.`
      : '        its card is not posted yet: is a channel registered for the route?',
  );
  if (run.resynced)
    say(
      "        The library's delta answered 410; the app read it again from the start (sharing.resynced in the log).",
    );
  if (run.permissionIds.length > 1) {
    const all = await poll(async () => {
      const held = await sharing.state.permissionsOf(c.id);
      return run.permissionIds.every((id) => held.some((p) => p.permissionId === id)) ? held : undefined;
    }, 120_000);
    const cases = await casesHolding(app, run.permissionIds);
    say(
      all
        ? `        all ${run.permissionIds.length} shares are on ${cases.length === 1 ? 'that one case' : `${cases.length} cases`} (its card counts ${new Set(all.map((p) => p.itemId)).size} files), ${ms(performance.now() - started)} after the scenario began.`
        : `        but not every share reached the case within 2 minutes (${cases.length} case(s) so far).`,
    );
    if (!all || cases.length !== 1) return 1;
  }
  // The same shares, seen by the audit sweep: nothing added.
  const before = (await app.cases.get(c.id))?.version;
  const swept = await sharing.watch.sweep(silentLogger, { since: sweepSince });
  const after = (await app.cases.get(c.id))?.version;
  const cases = await casesHolding(app, run.permissionIds);
  say(
    `        The audit sweep then read ${swept.records} sharing ${swept.records === 1 ? 'record' : 'records'}: still ${cases.length === 1 ? 'one case' : `${cases.length} cases`}, ${before === after ? 'nothing added' : 'but the case changed'}.`,
  );
  if (cases.length !== 1 || before !== after) return 1;
  if (run.removeFromCard) return removeFromCard(app, c, run.permissionIds, say);
  say(`        npx esafety cases show ${c.reference}`);
  return 0;
}

/** Sharing cases holding any of these permissions (newest first). */
async function casesHolding(app: App, permissionIds: readonly string[]): Promise<CaseSummary[]> {
  const wanted = new Set(permissionIds);
  const found: CaseSummary[] = [];
  for (const c of await app.cases.list({ status: 'all' })) {
    if (c.source !== 'sharingSignal') continue;
    const held = (await app.sharing?.state.permissionsOf(c.id)) ?? [];
    if (held.some((p) => wanted.has(p.permissionId))) found.push(c);
  }
  return found;
}

/** Dana presses "Remove the link / access" on the case card, as Teams sends it to the bot. */
async function removeFromCard(
  app: App,
  c: CaseSummary,
  permissionIds: readonly string[],
  say: (s: string) => void,
): Promise<number> {
  const url = `${app.config.monitoring?.publicUrl ?? 'http://127.0.0.1:7071'}/api/messages`;
  const tenantId = app.config.graph?.tenantId ?? '';
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      type: 'invoke',
      name: 'adaptiveCard/action',
      id: `f:${randomUUID()}`,
      timestamp: new Date().toISOString(),
      channelId: 'msteams',
      serviceUrl: 'http://127.0.0.1:1/',
      from: { id: `29:${dana.id}`, name: dana.name, aadObjectId: dana.id },
      recipient: { id: '28:esafety-bot', name: 'E-Safety' },
      conversation: { id: '19:dsl@thread.tacv2', conversationType: 'channel', isGroup: true, tenantId },
      channelData: { tenant: { id: tenantId } },
      value: {
        action: {
          type: 'Action.Execute',
          id: randomUUID(),
          verb: verbs.sharingRemoveAccess,
          data: { caseId: c.id },
        },
        trigger: 'manual',
      },
    }),
  });
  const answer = JSON.stringify(await res.json().catch(() => ({})));
  say(
    `  Dana DSL pressed "Remove the link / access" on the card of ${c.reference}: the bot answered ${res.status}.`,
  );
  const notice = /Removed: [^"]*|could not be removed[^"]*/.exec(answer)?.[0];
  if (notice) say(`        The card now says: ${notice}`);
  const held = (await app.sharing?.state.permissionsOf(c.id)) ?? [];
  const still: string[] = [];
  for (const p of held.filter((x) => permissionIds.includes(x.permissionId))) {
    const listed = (await app.sharing?.graph.sharesOf(p, 'delta')) ?? [];
    if (listed.some((s) => s.permissionId === p.permissionId)) still.push(p.permissionId);
  }
  const last = (await app.cases.chronology(c.id)).at(-1);
  say(
    still.length === 0
      ? `        The simulator no longer lists the link on the file in ${learnerRecords}; the case record ends with: ${last?.type ?? 'nothing'}.`
      : `        but ${still.length} permission(s) are still listed.`,
  );
  return still.length === 0 && last?.type === 'accessRemoved' ? 0 : 1;
}
