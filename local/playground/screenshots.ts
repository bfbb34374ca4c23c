/**
 * `npm run screenshots` (with `npm start` running): drives the local Agents Playgrounds in headless
 * Chromium through the first scenario — a member of staff reports a concern, the DSL claims the
 * case card in the DSL channel, the reporter is told — then a stranger messages a learner in a
 * Teams chat (the simulator's Graph API) and the chat-signal card arrives in the DSL channel; a tutor
 * shares a learner record with an Anyone link and the DSL removes it from the sharing card; then a
 * technology risk assessment from `assess` to the approver's decision. It saves the README's
 * screenshots.
 * Needs Debian's chromium (`apt-get install -y chromium`); playwright-core downloads no browser.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { fail, toEsafetyError } from '../../core/errors';
import { connectToLocalRuntime } from '../local-runtime';
import { scenarios } from '../scenarios/scenarios';
import { sharingScenarios } from '../scenarios/sharing-scenarios';
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
    const shared = await sharing(dsl);
    const assessment = await riskAssessment(browser, port);
    const score = await inductionQuiz(browser, port);
    process.stdout.write(
      `Scenario passed for ${reference}, a chat signal, sharing case ${shared}, risk assessment ${assessment} and a quiz (${score}); screenshots in ${out}\n`,
    );
  } finally {
    await browser.close();
  }
}

/**
 * A tutor shares a learner record with an Anyone link (the simulator's Graph API, as OneDrive
 * would); the sharing case card arrives in the DSL channel; Dana opens Sharing… and removes the link.
 */
async function sharing(dsl: Page): Promise<string> {
  const run = await sharingScenarios['anyone-link']?.run(connectToLocalRuntime(root).scenario);
  if (!run) return fail('UNEXPECTED', 'no anyone-link scenario');
  const card = dsl.locator('.ac-adaptiveCard', { hasText: 'Open the file in Microsoft 365' }).last();
  await card.waitFor({ timeout: 15_000 });
  const reference =
    /ES-\d{4}-\d{4}/.exec(await card.innerText())?.[0] ?? fail('UNEXPECTED', 'no reference on the card');
  // The card is updated in place as the share's second signal (no expiry) joins the case: let it
  // settle, or the update would close Sharing… as it opens.
  await dsl.waitForTimeout(3_000);
  await card.hover();
  await card.getByRole('button', { name: 'Sharing…' }).click();
  await topShot(dsl, card, 'dsl-sharing-card');
  await card.getByRole('button', { name: 'Remove the link / access' }).click();
  await dsl
    .getByText(/Removed: \d+ link/)
    .first()
    .waitFor({ timeout: 15_000 });
  await shot(dsl, 'dsl-sharing-removed');
  return reference;
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(out, `${name}.png`) });
}

/** The page with a (tall) card's top at the top of the chat: its title and what matters first. */
async function topShot(page: Page, card: Locator, name: string): Promise<void> {
  // (Runs in the page; this project compiles without the DOM types.)
  await card.evaluate((el) =>
    (el as unknown as { scrollIntoView(o: { block: string }): void }).scrollIntoView({ block: 'start' }),
  );
  await page.waitForTimeout(300);
  await shot(page, name);
}

/**
 * Sam risk-assesses a tool (an "unsure" with a comment), checks the summary and sends it; Ivy, the
 * technology approver, sees the card in the approvals chat and approves it with conditions; Sam's
 * chat shows the decision. Returns the assessment's reference.
 */
async function riskAssessment(browser: Browser, port: (as: string) => number): Promise<string> {
  // The approver's Playground is opened first: its chat history lives in the page.
  const ivy = await browser.newPage({ viewport: { width: 1400, height: 1400 } });
  await ivy.goto(`http://localhost:${port('technology approver')}`, { waitUntil: 'networkidle' });
  await ivy.getByText('Technology approvals').first().click();
  const sam = await browser.newPage({ viewport: { width: 1400, height: 1400 } });
  await sam.goto(`http://localhost:${port('member of staff')}`, { waitUntil: 'networkidle' });
  await sam.locator('[data-lexical-editor="true"][role="textbox"]').click();
  await sam.keyboard.type('assess');
  await sam.keyboard.press('Enter');

  let form = sam.locator('.ac-adaptiveCard').last();
  const part = async (n: number) => {
    form = sam.locator('.ac-adaptiveCard', { hasText: `Part ${n} of 4` }).last();
    await form.waitFor({ timeout: 15_000 });
    await form.hover(); // the Playground re-renders a card on first hover and drops typed input
    await sam.waitForTimeout(500);
  };
  const fill = (label: string, value: string) => form.getByLabel(label, { exact: true }).fill(value);
  const answer = (i: number, value: 'yes' | 'no' | 'unsure') =>
    form.locator(`input[type=radio][value=${value}]`).nth(i).check({ force: true });
  const press = (title: string) => form.getByText(title, { exact: true }).click();

  await part(1);
  await fill('What is the tool or activity called?', 'Padlet');
  await fill('Its web address (optional)', 'https://padlet.com');
  await fill('What will it be used for?', 'Shared mood boards for the Level 3 IT group');
  await fill('Which learners will use it (course or class team, how many)?', 'Level 3 IT, 18 learners');
  await answer(0, 'yes');
  await fill(
    'What personal data will it take or hold (names, emails, photos, work, none)?',
    'Names and the work they post',
  );
  await answer(1, 'no');
  await fill('For how long (this term, the whole course, ongoing)?', 'This term');
  await press('Next');
  await part(2);
  for (const [i, value] of [0, 1, 2, 3, 4].map((i) => [i, i === 2 ? 'unsure' : 'no'] as const))
    await answer(i, value);
  await form
    .getByLabel('Comment or link to evidence (optional)')
    .nth(2)
    .fill('Terms say 13+; checking with IT');
  await topShot(sam, form, 'assess-section');
  await press('Next');
  await part(3);
  await answer(0, 'no');
  await press('Next');
  await part(4);
  for (const i of [0, 1, 2]) await answer(i, 'no');
  await press('Check and send');
  form = sam.locator('.ac-adaptiveCard', { hasText: 'Check and send:' }).last();
  await form.waitFor({ timeout: 15_000 });
  await topShot(sam, form, 'assess-summary');
  await form.hover();
  await sam.waitForTimeout(500);
  await press('Send for approval');
  const receipt = sam.getByText(/Risk assessment sent: RA-/).last();
  await receipt.waitFor({ timeout: 15_000 });
  const reference =
    /RA-\d{4}-[A-Z0-9]{6}/.exec(await receipt.innerText())?.[0] ??
    fail('UNEXPECTED', 'no reference on the receipt');

  const card = ivy.locator('.ac-adaptiveCard', { hasText: reference }).last();
  await card.waitFor({ timeout: 15_000 });
  await topShot(ivy, card, 'assess-approver-card');
  await card.hover();
  await ivy.waitForTimeout(500);
  await card.locator('[role="combobox"]').first().click();
  await ivy.getByRole('option', { name: 'Approve with conditions', exact: true }).click();
  await card
    .getByLabel('Conditions (needed for "approve with conditions")')
    .fill('School accounts only; no learner surnames on boards.');
  await card.getByText('Record decision', { exact: true }).click();
  await ivy.getByText('approved with conditions').first().waitFor({ timeout: 15_000 });
  const told = sam.locator('.ac-adaptiveCard', { hasText: `${reference} approved with conditions` }).last();
  await told.waitFor({ timeout: 15_000 });
  await topShot(sam, told, 'assess-requester-told');
  return reference;
}

/**
 * Tariq (a tutor) starts the induction quiz in the class team with an @mention; Lee takes it in his
 * own Playground (the class card reaches it as it reaches every member in Teams), gets feedback
 * after each answer and his result; `quiz results` lists the class, and the progress card in
 * Tariq's chat shows who has started and finished. Returns Lee's score line.
 */
async function inductionQuiz(browser: Browser, port: (as: string) => number): Promise<string> {
  // Lee's Playground is opened first: its channel history lives in the page.
  const lee = await browser.newPage({ viewport: { width: 1400, height: 1300 } });
  await lee.goto(`http://localhost:${port('learner')}`, { waitUntil: 'networkidle' });
  await lee.getByText('General').first().click();
  const tariq = await browser.newPage({ viewport: { width: 1400, height: 1300 } });
  await tariq.goto(`http://localhost:${port('tutor')}`, { waitUntil: 'networkidle' });
  await tariq.getByText('General').first().click();
  const say = async (text: string) => {
    // In a channel the bot hears only what @mentions it: pick E-Safety from the mention list.
    await tariq.locator('[data-lexical-editor="true"][role="textbox"]').first().click();
    await tariq.keyboard.type('@E-Sa');
    await tariq.getByRole('menuitem', { name: 'E-Safety' }).click();
    await tariq.keyboard.type(` ${text}`);
    await tariq.getByRole('button', { name: 'Post', exact: true }).click();
  };
  await say('quiz start induction');
  const posted = lee.locator('.ac-adaptiveCard', { hasText: 'Pass mark' }).last();
  await posted.waitFor({ timeout: 15_000 });
  await topShot(lee, posted, 'quiz-class-card');
  await posted.hover();
  await lee.waitForTimeout(500);
  await posted.getByText('Take the quiz', { exact: true }).click();
  // Lee's first answer is the first choice, the rest the second: some right, some not.
  for (let n = 1; ; n++) {
    const question = lee.locator('.ac-adaptiveCard', { hasText: `Question ${n} of ` }).last();
    await question.waitFor({ timeout: 15_000 });
    if (n === 3) await topShot(lee, question, 'quiz-question-feedback');
    await question.hover();
    await lee.waitForTimeout(200);
    await question
      .locator('input[type=radio]')
      .nth(n === 1 ? 0 : 1)
      .check({ force: true });
    const finish = question.getByText('Answer and finish', { exact: true });
    if (await finish.isVisible()) {
      await finish.click();
      break;
    }
    await question.getByText('Answer', { exact: true }).click();
  }
  const result = lee.locator('.ac-adaptiveCard', { hasText: 'out of' }).last();
  await result.waitFor({ timeout: 15_000 });
  const score = (
    await result
      .getByText(/out of/)
      .first()
      .innerText()
  ).trim();
  await topShot(lee, result, 'quiz-result');
  await say('quiz results');
  const results = tariq.locator('.ac-adaptiveCard', { hasText: 'class results' }).last();
  await results.waitFor({ timeout: 15_000 });
  await topShot(tariq, results, 'quiz-class-results');
  // Tariq's own progress card, in his chat, updated as Lee started and finished.
  await tariq.getByText('Personal Chat').first().click();
  const progress = tariq.locator('.ac-adaptiveCard', { hasText: '1 started · 1 finished' }).last();
  await progress.waitFor({ timeout: 15_000 });
  await topShot(tariq, progress, 'quiz-tutor-progress');
  return score;
}

main().catch((err: unknown) => {
  process.stderr.write(`screenshots failed: ${toEsafetyError(err).message}\n`);
  process.exit(1);
});
