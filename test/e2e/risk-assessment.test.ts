/**
 * A technology risk assessment over HTTP end to end, as Teams drives it: Sam types `assess`, fills
 * in the facts and every section (an "unsure" with a comment, a required answer forgotten, a step
 * back), checks the summary and sends it; the approver's card is posted to the approvals chat with
 * the risk level and its reasons; the approver asks for more information, Sam answers, the approver
 * approves with conditions; Sam's chat shows the decision. Concurrent and unauthorised decisions,
 * a restart halfway through the questionnaire and the audit of the register are checked too.
 */
import { randomBytes } from 'node:crypto';
import { verifyAssessmentChain } from '../../core/assessments/assessment';
import type { App } from '../../functions/composition-root';
import { checkCard } from '../support/card-validator';
import { shownText } from '../support/card-text';
import { uniquePrefix } from '../support/fixtures';
import type { RecordingConnector } from '../support/recording-connector';
import { startStack, type LocalStack } from '../support/local-stack';
import { cardAction, message, type TeamsUser } from '../support/teams-activities';
import { waitFor } from '../support/wait-for';

const sam: TeamsUser = { aadObjectId: '11111111-1111-4111-8111-111111111111', name: 'Sam Staff' };
const ivy: TeamsUser = { aadObjectId: '44444444-4444-4444-8444-444444444444', name: 'Ivy IT' };
const harper: TeamsUser = { aadObjectId: '33333333-3333-4333-8333-333333333333', name: 'Harper HR' };
const tariq: TeamsUser = { aadObjectId: '55555555-5555-4555-8555-555555555555', name: 'Tariq Tutor' };
const approvalsChat = { id: '19:approvals@thread.v2', conversationType: 'groupChat', isGroup: true };

type Card = Record<string, any>;
const textOf = (card: unknown) => shownText(card);
/** The values an input of the card holds (what the person sees typed in). */
function inputValue(card: Card, id: string): unknown {
  let found: unknown;
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (node && typeof node === 'object') {
      const o = node as Card;
      if (o['id'] === id && typeof o['type'] === 'string' && o['type'].startsWith('Input.'))
        found = o['value'];
      Object.values(o).forEach(walk);
    }
  };
  walk(card);
  return found;
}
/** The data of the card's Execute action with this title (what Teams sends when it is pressed). */
function actionData(card: Card, title: string): Card {
  let found: Card | undefined;
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (node && typeof node === 'object') {
      const o = node as Card;
      if (o['type'] === 'Action.Execute' && o['title'] === title) found ??= o;
      Object.values(o).forEach(walk);
    }
  };
  walk(card);
  if (!found) throw new Error(`no "${title}" action on the card:\n${textOf(card)}`);
  return { verb: found['verb'], data: found['data'] };
}

const facts = {
  'q.tool': 'Padlet',
  'q.link': 'https://padlet.com',
  'q.purpose': 'Shared mood boards for the Level 3 IT group',
  'q.learners': 'Level 3 IT, 18 learners',
  'q.under18': 'yes',
  'q.personalData': 'Names and work they post',
  'q.signUp': 'no',
  'q.duration': 'This term',
};
const safeguarding = {
  'q.private-messaging': 'no',
  'q.strangers': 'no',
  'q.age-limit': 'unsure',
  'c.age-limit': 'Terms say 13+, checking with IT',
  'q.moderation': 'no',
  'q.no-reporting': 'no',
};
const dataProtection = { 'q.personal-data': 'no' };
const service = { 'q.filtering-bypass': 'no', 'q.withdrawal': 'no', 'q.accessibility': 'no' };

let stack: LocalStack;
let app: App;
let connector: RecordingConnector;
let post: LocalStack['post'];
const storage = { tablePrefix: uniquePrefix(), fieldKey: randomBytes(32).toString('base64') };
beforeAll(async () => {
  stack = await startStack({ queues: true, routes: true, storage });
  ({ app, connector, post } = stack);
});
afterAll(() => stack?.stop());

async function say(user: TeamsUser, text: string): Promise<Card> {
  connector.clear();
  const res = await post(message(user, connector.url, text));
  expect(res.status).toBe(200);
  const cards = connector.cards();
  expect(cards).toHaveLength(1);
  return cards[0] as Card;
}

async function press(
  user: TeamsUser,
  action: Card,
  inputs: Record<string, unknown> = {},
  conversation?: Record<string, unknown>,
): Promise<Card> {
  const res = await post(
    cardAction(user, connector.url, action['verb'], { ...action['data'], ...inputs }, conversation),
  );
  expect(res.status).toBe(200);
  const card = res.body.value as Card;
  const problems = checkCard(card);
  expect(problems.events).toEqual([]);
  expect(problems.unlabelledInputs).toEqual([]);
  expect(problems.unexpanded).toEqual([]);
  return card;
}

/** Cards the bot sent to a conversation (new or updated), oldest first. */
const cardsIn = (conversationId: string) =>
  connector.calls
    .filter(
      (c) =>
        c.path.startsWith(`/v3/conversations/${encodeURIComponent(conversationId)}/activities`) ||
        c.path.startsWith(`/v3/conversations/${conversationId}/activities`),
    )
    .flatMap((c) => ((c.body['attachments'] as Card[] | undefined) ?? []).map((a) => a['content'] as Card));

describe('a technology risk assessment from request to decision', () => {
  let assessmentId = '';
  let reference = '';

  it('walks Sam through the facts and each section, keeps answers, names what is missing', async () => {
    await say(sam, 'hello'); // the bot keeps Sam's chat, to tell him the decision later
    let card = await say(sam, 'assess');
    expect(textOf(card)).toContain('Part 1 of 4: About the tool');
    expect(checkCard(card).unlabelledInputs).toEqual([]);

    // The purpose is forgotten: the same part comes back, the question named, the rest kept.
    card = await press(sam, actionData(card, 'Next'), { ...facts, 'q.purpose': '' });
    expect(textOf(card)).toContain('Part 1 of 4');
    expect(textOf(card)).toContain('What will it be used for? Please answer this question.');
    expect(inputValue(card, 'q.tool')).toBe('Padlet');
    expect(inputValue(card, 'q.under18')).toBe('yes');

    card = await press(sam, actionData(card, 'Next'), facts);
    expect(textOf(card)).toContain('Part 2 of 4: Safeguarding');
    expect(textOf(card)).toContain('Breaching the terms creates liability'); // the policy's help text
    card = await press(sam, actionData(card, 'Next'), safeguarding);
    expect(textOf(card)).toContain('Part 3 of 4: Data protection');

    // Back to safeguarding: the unsure and its comment are still there.
    card = await press(sam, actionData(card, 'Back'), dataProtection);
    expect(textOf(card)).toContain('Part 2 of 4: Safeguarding');
    expect(inputValue(card, 'q.age-limit')).toBe('unsure');
    expect(inputValue(card, 'c.age-limit')).toBe('Terms say 13+, checking with IT');
    card = await press(sam, actionData(card, 'Next'), safeguarding);
    expect(inputValue(card, 'q.personal-data')).toBe('no'); // kept from before going back
    card = await press(sam, actionData(card, 'Next'), dataProtection);
    card = await press(sam, actionData(card, 'Check and send'), service);

    // The summary: risk level with the reasons, every answer, and Send.
    const summary = textOf(card);
    expect(summary).toContain('Check and send');
    expect(summary).toContain('Risk level: High');
    expect(summary).toContain(
      'Do its terms set a minimum age above that of some of the learners who will use it? Unsure (Terms say 13+, checking with IT)',
    );
    expect(summary).toContain('A safeguarding or data-protection question was answered yes or unsure.');
    expect(summary).toContain('Padlet');

    card = await press(sam, actionData(card, 'Send for approval'));
    expect(textOf(card)).toMatch(/Risk assessment sent: RA-\d{4}-[A-Z0-9]{6}/);
    expect(textOf(card)).toContain('Technology approver (Head of IT and Quality)');
    reference = /RA-\d{4}-[A-Z0-9]{6}/.exec(textOf(card))?.[0] ?? '';
    const state = await app.assessments.resolve(reference);
    assessmentId = state.id;
    expect(state).toMatchObject({ status: 'submitted', risk: 'high', requesterId: sam.aadObjectId });
  });

  it("posts the approver's card, with the risk level and why, to the approvals chat", async () => {
    await waitFor(() => cardsIn(approvalsChat.id).length > 0, "the approver's card");
    const card = cardsIn(approvalsChat.id)[0]!;
    const text = textOf(card);
    expect(text).toContain(`Risk assessment ${reference}: Padlet`);
    expect(text).toContain('Risk level: High');
    expect(text).toContain('Unsure (Terms say 13+, checking with IT)');
    expect(text).toContain('Requested by');
    expect(text).toContain('Sam Staff');
    expect(checkCard(card).events).toEqual([]);
  });

  it('refuses a decision from someone outside the approver role, recording nothing', async () => {
    const card = await press(
      tariq,
      { verb: 'assessment.decide', data: { assessmentId } },
      { decision: 'approve' },
      approvalsChat,
    );
    expect(textOf(card)).toContain('Not allowed');
    expect(await app.assessments.history(assessmentId)).toHaveLength(1);
  });

  it('lets the approver ask for more information, and Sam answer it with his answers kept', async () => {
    connector.clear();
    let card = await press(
      ivy,
      { verb: 'assessment.askInfo', data: { assessmentId } },
      { question: 'Which age does the free plan allow?' },
      approvalsChat,
    );
    expect(textOf(card)).toContain(
      "Waiting for the requester's answer to: Which age does the free plan allow?",
    );
    // Sam is told in his chat, with an Answer button.
    await waitFor(() => cardsIn(`a:personal-${sam.aadObjectId}`).length > 0, "Sam's notice");
    const notice = cardsIn(`a:personal-${sam.aadObjectId}`)[0]!;
    expect(textOf(notice)).toContain('The approver asks: Which age does the free plan allow?');
    card = await press(sam, actionData(notice, 'Answer'));
    expect(inputValue(card, 'q.tool')).toBe('Padlet');
    // Sam checked: the age limit is fine after all.
    card = await press(sam, actionData(card, 'Next'), facts);
    card = await press(sam, actionData(card, 'Next'), {
      ...safeguarding,
      'q.age-limit': 'no',
      'c.age-limit': 'Checked: 13+ with a school account',
    });
    card = await press(sam, actionData(card, 'Next'), dataProtection);
    card = await press(sam, actionData(card, 'Check and send'), service);
    expect(textOf(card)).toContain('Risk level: Low');
    card = await press(sam, actionData(card, 'Send answers'), {
      reply: 'School accounts are allowed from 13.',
    });
    expect(textOf(card)).toContain('Answers sent');
    expect(await app.assessments.get(assessmentId)).toMatchObject({ status: 'submitted', risk: 'low' });
  });

  it('records one decision from ten approvers clicking at once; the others see who decided', async () => {
    connector.clear();
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        press(
          i % 2 === 0 ? ivy : harper,
          { verb: 'assessment.decide', data: { assessmentId } },
          {
            decision: 'approveWithConditions',
            conditions: 'Use school accounts only; no learner surnames on boards.',
            reviewDate: '2027-09-01',
          },
          approvalsChat,
        ),
      ),
    );
    const events = await app.assessments.history(assessmentId);
    expect(events.filter((e) => e.type === 'decided')).toHaveLength(1);
    expect(verifyAssessmentChain(assessmentId, events)).toBeUndefined();
    const refused = results.filter((c) => textOf(c).includes('has already been decided'));
    expect(refused).toHaveLength(9);
    for (const card of results) expect(textOf(card)).toContain('Decision');
  });

  it('tells Sam the decision and the conditions in his chat', async () => {
    await waitFor(
      () =>
        cardsIn(`a:personal-${sam.aadObjectId}`).some((c) => textOf(c).includes('approved with conditions')),
      "the decision in Sam's chat",
    );
    const notice = cardsIn(`a:personal-${sam.aadObjectId}`).find((c) =>
      textOf(c).includes('approved with conditions'),
    )!;
    expect(textOf(notice)).toContain('Use school accounts only; no learner surnames on boards.');
    expect(textOf(notice)).toContain('2027-09-01');
    // And the approver's card in the chat was updated in place to show it.
    await waitFor(
      () => cardsIn(approvalsChat.id).some((c) => textOf(c).includes('approved with conditions')),
      "the approver's card updated",
    );
  });
});

describe('a questionnaire stopped halfway', () => {
  it('resumes where Sam left off, answers kept, after the whole system restarts', async () => {
    const lola: TeamsUser = { aadObjectId: '66666666-6666-4666-8666-666666666662', name: 'Lola Learner' };
    let card = await say(lola, 'assess');
    card = await press(lola, actionData(card, 'Next'), facts);
    card = await press(lola, actionData(card, 'Save and finish later'), { 'q.strangers': 'yes' });
    expect(textOf(card)).toContain('Your answers are kept');

    await stack.stop();
    stack = await startStack({ queues: true, routes: true, storage });
    ({ app, connector, post } = stack);

    card = await say(lola, 'assess');
    expect(textOf(card)).toContain('Part 2 of 4: Safeguarding');
    expect(inputValue(card, 'q.strangers')).toBe('yes');
    card = await press(lola, actionData(card, 'Back'), { 'q.strangers': 'yes' });
    expect(inputValue(card, 'q.tool')).toBe('Padlet');
  });
});

describe('after the decision', () => {
  /** A complete assessment from Sam, sent through the cards; returns the requester's card. */
  async function sendOne(tool: string): Promise<{ card: Card; id: string }> {
    let card = await say(sam, 'assess');
    card = await press(sam, actionData(card, 'Next'), { ...facts, 'q.tool': tool });
    card = await press(sam, actionData(card, 'Next'), safeguarding);
    card = await press(sam, actionData(card, 'Next'), dataProtection);
    card = await press(sam, actionData(card, 'Check and send'), service);
    card = await press(sam, actionData(card, 'Send for approval'));
    const reference = /RA-\d{4}-[A-Z0-9]{6}/.exec(textOf(card))?.[0] ?? '';
    return { card, id: (await app.assessments.resolve(reference)).id };
  }

  it('lets Sam withdraw before a decision; the approver can then no longer decide', async () => {
    const { card, id } = await sendOne('Kahoot');
    const withdrawn = await press(sam, actionData(card, 'Withdraw'));
    expect(textOf(withdrawn)).toContain('withdrawn');
    const refused = await press(
      ivy,
      { verb: 'assessment.decide', data: { assessmentId: id } },
      { decision: 'approve' },
      approvalsChat,
    );
    expect(textOf(refused)).toContain('was withdrawn by its requester');
    expect((await app.assessments.history(id)).map((e) => e.type)).toEqual(['submitted', 'withdrawn']);
  });

  it('asks Sam to review before the review date, with his answers filled in, and links the review', async () => {
    const { id } = await sendOne('Quizlet');
    const soon = new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10);
    await press(
      ivy,
      { verb: 'assessment.decide', data: { assessmentId: id } },
      { decision: 'approve', reviewDate: soon },
      approvalsChat,
    );
    connector.clear();
    // What the morning timer runs: the review date is within the pack's 30 days' notice.
    expect(await app.assessments.requestDueReviews()).toBeGreaterThanOrEqual(1);
    expect(await app.assessments.requestDueReviews()).toBe(0); // asked once only
    await waitFor(
      () => cardsIn(`a:personal-${sam.aadObjectId}`).find((c) => textOf(c).includes('Time to review')),
      'the review reminder in Sam’s chat',
    );
    const reminder = cardsIn(`a:personal-${sam.aadObjectId}`).find((c) =>
      textOf(c).includes('Time to review'),
    )!;
    let card = await press(sam, actionData(reminder, 'Review now'));
    expect(textOf(card)).toContain('Your previous answers are filled in');
    expect(inputValue(card, 'q.tool')).toBe('Quizlet');
    card = await press(sam, actionData(card, 'Next'), { ...facts, 'q.tool': 'Quizlet' });
    card = await press(sam, actionData(card, 'Next'), safeguarding);
    card = await press(sam, actionData(card, 'Next'), dataProtection);
    card = await press(sam, actionData(card, 'Check and send'), service);
    card = await press(sam, actionData(card, 'Send for approval'));
    const review = await app.assessments.resolve(/RA-\d{4}-[A-Z0-9]{6}/.exec(textOf(card))?.[0] ?? '');
    expect(review.reviewOf).toBe(id);
    expect((await app.assessments.get(id)).reviewedBy).toBe(review.id);
    expect(await app.assessments.dueForReview()).not.toContainEqual(expect.objectContaining({ id }));
  });
});
