/**
 * `npm run simulate -- <scenario>`: acts out a chat-monitoring scenario against the running local
 * system (`npm start` in another terminal) through the tenant simulator's Microsoft Graph API, then
 * watches what the app does: a case and its card in the DSL channel, or nothing. It prints what
 * happened and how long it took, and exits 1 if the outcome is not the one the scenario expects.
 */
import { resolve } from 'node:path';
import { Command, CommanderError } from 'commander';
import type { CaseSummary } from '../../core/cases/case-store';
import { storageClients } from '../../adapters/storage-clients';
import { fail, toEsafetyError } from '../../core/errors';
import { silentLogger } from '../../core/logger';
import { compose } from '../../functions/composition-root';
import { queueName } from '../../functions/config';
import { connectToLocalRuntime } from '../local-runtime';
import { casesForChat, scenarios } from './scenarios';
import { ms, poll } from './poll';
import { simulateSharing } from './simulate-sharing';
import { sharingScenarios } from './sharing-scenarios';

const root = resolve(__dirname, '..', '..', '..');

async function main(argv: readonly string[]): Promise<number> {
  let code = 0;
  const program = new Command('simulate')
    .description(
      'Act out a Teams chat scenario through the local tenant simulator and watch the DSL channel.',
    )
    .argument(
      '<scenario>',
      `one of: ${[...Object.keys(scenarios), ...Object.keys(sharingScenarios)].join(', ')}`,
    )
    .addHelpText(
      'after',
      `\nScenarios:\n${Object.entries({ ...scenarios, ...sharingScenarios })
        .map(([name, s]) => `  ${name.padEnd(18)}${s.description}`)
        .join(
          '\n',
        )}\n\nStart the system first (npm start), then run e.g. npm run simulate -- external-contact`,
    )
    .exitOverride()
    .action(async (name: string) => {
      code = await simulate(name);
    });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    throw err;
  }
}

async function simulate(name: string): Promise<number> {
  const sharing = sharingScenarios[name];
  if (sharing) return simulateSharing(root, name, sharing);
  const scenario = scenarios[name] ?? fail('INPUT_INVALID', `No scenario "${name}". Try --help.`);
  const { config, graphCa, scenario: ctx } = connectToLocalRuntime(root);
  const app = compose(config, { root, log: silentLogger, graphCa });
  const say = (s: string) => process.stdout.write(`${s}\n`);
  say(`Scenario ${name}: ${scenario.description}.`);
  const started = performance.now();
  const run = await scenario.run(ctx).catch((err: unknown) => {
    const e = toEsafetyError(err);
    return fail(
      'UPSTREAM_UNAVAILABLE',
      `The tenant simulator refused a step (${e.message}). Is npm start running?`,
    );
  });
  for (const step of run.steps) say(`  ${step}`);
  if (run.webhookStatuses) say(`  The app's webhook answered: ${run.webhookStatuses.join(', ')}.`);
  const chatId = run.chatId ?? '';

  if (run.expect === 'case') {
    const found = await poll(async () => {
      const list = await casesForChat(app.cases, chatId);
      return list.length > 0 ? list : undefined;
    }, 10_000);
    if (!found?.length) {
      say('Result: NO CASE within 10 s (expected one). See the npm start log for why.');
      return 1;
    }
    const c = found[0] as CaseSummary;
    const openedMs = performance.now() - started;
    const post = await poll(async () => (await app.conversations.cardPost(c.id))?.record.post, 10_000);
    const postedMs = performance.now() - started;
    say(
      `Result: case ${c.reference} (${c.category}, ${c.severity}, route ${c.route}) opened ${ms(openedMs)} after the first step.`,
    );
    say(
      post
        ? `        its card was in the ${app.pack.routes[c.route]?.displayName ?? c.route} channel ${ms(postedMs)} after the first step.`
        : '        its card is not posted yet: is a channel registered for the route?',
    );
    if (found.length > 1) {
      say(`        but ${found.length} cases exist for this chat (expected one).`);
      return 1;
    }
    const expected = run.category && (app.pack.detection.categoryMap[run.category] ?? run.category);
    if (expected && c.category !== expected) {
      say(`        but it is filed under ${c.category}, not ${expected}: see the npm start log.`);
      return 1;
    }
    const events = await app.cases.chronology(c.id);
    say(`        ${events.length} event(s) on the case; npx esafety cases show ${c.reference}`);
    return 0;
  }
  // No case expected: wait until the app has processed everything it was sent, then look.
  const queue = storageClients(config.storage.connection).queue(
    queueName(config.storage, 'graph-notifications'),
  );
  await poll(async () => (await queue.getProperties()).approximateMessagesCount === 0 || undefined, 15_000);
  const found = await casesForChat(app.cases, chatId);
  if (found.length > 0) {
    say(`Result: UNEXPECTED case ${found[0]?.reference} for this chat.`);
    return 1;
  }
  say(`Result: no case (as expected), checked ${ms(performance.now() - started)} after the first step.`);
  if (name === 'forged-token')
    say(
      '        The npm start log names each refusal: graph.rejected (token, clientState) and graph.dropped (ciphertext, signature).',
    );
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`simulate: ${toEsafetyError(err).message}\n`);
    process.exitCode = 1;
  },
);
