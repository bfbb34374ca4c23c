/**
 * `npm run screenshots` (with `npm start` running): drives the local Agents Playgrounds in headless
 * Chromium through the first scenario — a member of staff reports a concern, the DSL claims the
 * case card in the DSL channel, the reporter is told — then a stranger messages a learner in a
 * Teams chat (the simulator's Graph API) and the chat-signal card arrives in the DSL channel; it
 * saves the README's screenshots.
 * Needs Debian's chromium (`apt-get install -y chromium`); playwright-core downloads no browser.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { fail, toEsafetyError } from '../../core/errors';
import { connectToLocalRuntime } from '../local-runtime';
import { scenarios } from '../scenarios/scenarios';
import { loadTenant } from '../tenant';

const root = resolve(__dirname, '..', '..', '..');
const out = join(root, 'docs', 'images');

async function main(): Promise<void> {
  const tenant = loadTenant(root);
  const port = (as: string) =>
    tenant.playgrounds.find((p) => p.as.startsWith(as))?.port ??
    fail('CONFIG_INVALID', `no ${as} Playground`);
  mkdirSync(out, { recursive: true });
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  try {
    // The DSL's Playground is opened first: its chat history lives in the page.
    const dsl = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await dsl.goto(`http://localhost:${port('DSL')}`, { waitUntil: 'networkidle' });
    await dsl.getByText('DSL cases').first().click();
    const staff = await browser.newPage({ viewport: { width: 1400, height: 1400 } });
    await staff.goto(`http://localhost:${port('member of staff')}`, { waitUntil: 'networkidle' });
    await staff.locator('[data-lexical-editor="true"][role="textbox"]').click();
    await staff.keyboard.type('report');
    await staff.keyboard.press('Enter');

    const form = staff.locator('.ac-adaptiveCard').last();
    await form.getByText('Send to the safeguarding team').waitFor();
    await form.hover(); // the Playground re-renders a card on first hover and drops typed input
    await staff.waitForTimeout(500);
    const choose = async (i: number, option: string) => {
      const box = form.locator('[role="combobox"]').nth(i);
      await box.click();
      if (!(await staff.getByRole('option', { name: option, exact: true }).isVisible())) await box.click();
      await staff.getByRole('option', { name: option, exact: true }).click();
    };
    await choose(1, 'Harmed or put at risk');
    await choose(2, 'Yes');
    await choose(3, 'Contact — harmful interaction with others');
    await choose(4, 'Contact: Grooming');
    await form
      .locator('textarea')
      .first()
      .fill(
        'Lee showed me messages from an adult he met in a game, asking him to keep their chats secret and to meet up.',
      );
    await form.locator('textarea').nth(1).fill('Reassured Lee; did not promise confidentiality.');
    await staff.keyboard.press('Tab');
    await choose(0, 'A learner');
    await staff.waitForTimeout(300);
    await shot(staff, 'report-card');
    await form.getByText('Send to the safeguarding team').click();
    const receipt = staff.getByText(/Concern received: ES-/).last();
    await receipt.waitFor({ timeout: 15_000 });
    const reference =
      /ES-\d{4}-\d{4}/.exec(await receipt.innerText())?.[0] ??
      fail('UNEXPECTED', 'no reference on the receipt');
    await shot(staff, 'receipt');

    await dsl.getByText(reference).first().waitFor({ timeout: 15_000 });
    await shot(dsl, 'dsl-case-card');
    const card = dsl.locator('.ac-adaptiveCard', { hasText: reference }).last();
    await card.hover();
    await card.getByRole('button', { name: 'Claim' }).click();
    await dsl.getByText('Dana DSL claimed the case').first().waitFor({ timeout: 15_000 });
    await shot(dsl, 'dsl-case-claimed');
    await staff.getByText(`${reference} has been picked up`).first().waitFor({ timeout: 15_000 });
    await shot(staff, 'reporter-told');

    // Chat monitoring: a message sent through the simulator's Graph API becomes a card by itself.
    await scenarios['external-contact']?.run(connectToLocalRuntime(root).scenario);
    const signal = dsl.locator('.ac-adaptiveCard', { hasText: 'Open the message in Teams' }).last();
    await signal.waitFor({ timeout: 15_000 });
    await signal.scrollIntoViewIfNeeded();
    await shot(dsl, 'dsl-chat-signal');
    process.stdout.write(`Scenario passed for ${reference} and a chat signal; screenshots in ${out}\n`);
  } finally {
    await browser.close();
  }
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(out, `${name}.png`) });
}

main().catch((err: unknown) => {
  process.stderr.write(`screenshots failed: ${toEsafetyError(err).message}\n`);
  process.exit(1);
});
