/**
 * The whole stack over HTTP, as Teams drives it: activities POSTed to /api/messages on the dev host,
 * CloudAdapter → bot → core → Azurite, replies captured by a recording Bot Connector.
 */
import type { App } from '../../functions/composition-root';
import { checkCard } from '../support/card-validator';
import { shownLinks, shownText } from '../support/card-text';
import type { RecordingConnector } from '../support/recording-connector';
import { startStack, type LocalStack } from '../support/local-stack';
import {
  cardAction,
  dslChannel,
  message,
  messageExtension,
  type TeamsUser,
  groomingReport,
} from '../support/teams-activities';

const sam: TeamsUser = { aadObjectId: '11111111-1111-4111-8111-111111111111', name: 'Sam Staff' };
const dana: TeamsUser = { aadObjectId: 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', name: 'Dana DSL' };
const devi: TeamsUser = { aadObjectId: 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb', name: 'Devi Deputy' };
const harper: TeamsUser = { aadObjectId: '33333333-3333-4333-8333-333333333333', name: 'Harper HR' };
const tariq: TeamsUser = { aadObjectId: '55555555-5555-4555-8555-555555555555', name: 'Tariq Tutor' };

let stack: LocalStack;
let app: App;
let connector: RecordingConnector;
let post: LocalStack['post'];
beforeAll(async () => {
  stack = await startStack({ queues: false });
  ({ app, connector, post } = stack);
});
afterAll(() => stack.stop());
beforeEach(() => connector.clear());

/** Sends a card action and returns the card Teams would show in place of the old one. */
async function act(user: TeamsUser, verb: string, data: Record<string, unknown>) {
  const res = await post(cardAction(user, connector.url, verb, data, dslChannel));
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive' });
  return res.body.value as Record<string, any>;
}

async function report(user: TeamsUser, data: Record<string, unknown>) {
  const res = await post(cardAction(user, connector.url, 'incident.submit', data));
  expect(res.status).toBe(200);
  return res.body.value as Record<string, any>;
}

/** What the person sees on the card (rendered as Teams renders it), plus the card's input ids and verbs. */
const textOf = (card: unknown) => `${shownText(card)}\n${JSON.stringify(card)}`;
const referenceIn = (card: unknown) => /ES-\d{4}-\d{4}/.exec(textOf(card))?.[0] ?? '';

async function newCase() {
  const receipt = await report(sam, groomingReport);
  const reference = referenceIn(receipt);
  const state = await app.cases.resolve(reference);
  return { reference, caseId: state.id };
}

describe('reporting a concern in personal chat', () => {
  it('answers "report" with the report form, through the Bot Connector', async () => {
    const res = await post(message(sam, connector.url, 'report'));
    expect(res.status).toBe(200);
    const [card] = connector.cards();
    expect(textOf(card)).toContain('Report an e-safety concern');
    expect(connector.calls[0]?.path).toMatch(/^\/v3\/conversations\/.+\/activities/);
    expect(checkCard(card as object).events).toEqual([]);
  });

  it('opens a case on submit and returns a receipt with the reference and what happens next', async () => {
    const receipt = await report(sam, groomingReport);
    expect(textOf(receipt)).toMatch(/Concern received: ES-\d{4}-\d{4}/);
    expect(textOf(receipt)).toContain('What happens next');
    const state = await app.cases.resolve(referenceIn(receipt));
    expect(state).toMatchObject({
      route: 'dsl',
      category: 'grooming',
      reporterId: sam.aadObjectId,
      status: 'open',
    });
  });

  it.each([
    ['a missing description', { description: '' }, 'Describe what happened.'],
    ['an unknown category', { subcategory: 'not-a-category' }, 'not a category in the policy'],
  ])('returns the form with %s named on its field, and opens no case', async (_what, change, problem) => {
    const before = (await app.cases.list({ status: 'all' })).length;
    const card = await report(sam, { ...groomingReport, ...change });
    expect(textOf(card)).toContain(problem);
    expect(textOf(card)).toContain('Report an e-safety concern');
    expect(textOf(card)).toContain('Lee Learner'); // what was typed is kept
    expect((await app.cases.list({ status: 'all' })).length).toBe(before);
  });

  it('sends a concern about a member of staff to the staff route, for HR and the DSL, never the learners’ DSL route', async () => {
    const receipt = await report(sam, {
      ...groomingReport,
      subjectType: 'staff',
      category: 'conduct',
      subcategory: 'inappropriate-staff-contact',
    });
    expect(textOf(receipt)).toContain('Staff concerns (HR and Principal');
    const state = await app.cases.resolve(referenceIn(receipt));
    expect(state.route).toBe('staff');
    // Only the route's roles see or act on it: a tutor (and the deputies) may not.
    expect(textOf(await act(tariq, 'case.claim', { caseId: state.id }))).toContain('Not allowed');
    expect(textOf(await act(devi, 'case.refresh', { caseId: state.id }))).toContain('Not allowed');
    expect(await app.cases.chronology(state.id)).toHaveLength(1);
    expect(textOf(await act(harper, 'case.claim', { caseId: state.id }))).toContain(
      'Harper HR claimed the case',
    );
    // The DSL is on the route too, so a concern that a tutor grooms a learner reaches safeguarding.
    expect(textOf(await act(dana, 'case.refresh', { caseId: state.id }))).toContain(
      'Harper HR claimed the case',
    );
  });
});

describe('acting on case cards', () => {
  it('lets a DSL claim a case: the returned card shows who claimed it', async () => {
    const { caseId } = await newCase();
    const card = await act(dana, 'case.claim', { caseId });
    expect(textOf(card)).toContain('Dana DSL claimed the case');
    expect(textOf(card)).toContain('In progress');
    expect(checkCard(card).events).toEqual([]);
  });

  it('lets exactly one of two DSLs claiming at the same moment win; the other sees the winner', async () => {
    const { caseId } = await newCase();
    const [a, b] = await Promise.all([
      act(dana, 'case.claim', { caseId }),
      act(devi, 'case.claim', { caseId }),
    ]);
    const cards = [textOf(a), textOf(b)];
    const refused = cards.filter((c) => c.includes('has already been claimed by'));
    expect(refused).toHaveLength(1);
    const winner = (await app.cases.get(caseId))?.narrative.assigneeName;
    expect(refused[0]).toContain(`claimed by ${winner}`);
    expect((await app.cases.chronology(caseId)).filter((e) => e.type === 'claimed')).toHaveLength(1);
  });

  it('refuses a user outside the DSL group and records nothing', async () => {
    const { caseId } = await newCase();
    const card = await act(tariq, 'case.claim', { caseId });
    expect(textOf(card)).toContain('Not allowed');
    expect(await app.cases.chronology(caseId)).toHaveLength(1);
  });

  it.each([
    ['an unknown case id', { caseId: 'c0000000000000000000000000000000' }, 'does not exist'],
    ['a malformed case id', { caseId: '../../etc/passwd' }, 'does not name a case'],
    ['no case id', {}, 'does not name a case'],
  ])('names the problem with %s and changes nothing', async (_what, data, problem) => {
    const card = await act(dana, 'case.claim', data);
    expect(textOf(card)).toContain(problem);
  });

  it('records a note, a referral and parent contact, then closes with an outcome and reopens', async () => {
    const { caseId } = await newCase();
    await act(dana, 'case.claim', { caseId });
    expect(textOf(await act(dana, 'case.note', { caseId, note: 'Spoke with Lee.' }))).toContain(
      'Dana DSL: Spoke with Lee.',
    );
    expect(textOf(await act(dana, 'case.refer', { caseId, agency: 'ceop', reference: 'CEOP-77' }))).toContain(
      'CEOP (National Crime Agency)',
    );
    expect(
      textOf(await act(dana, 'case.parentInformed', { caseId, parentNote: 'Called mum at 4pm.' })),
    ).toContain('Parent/carer');
    expect(textOf(await act(dana, 'case.close', { caseId }))).toContain('Choose an outcome before closing.');
    const closed = await act(dana, 'case.close', {
      caseId,
      outcome: 'referredExternally',
      closeNote: 'With CEOP.',
    });
    expect(textOf(closed)).toContain('Referred to an external agency');
    expect(textOf(closed)).toContain('case.reopen');
    expect(textOf(await act(devi, 'case.reopen', { caseId }))).toContain('Devi Deputy reopened the case');
    expect((await app.cases.chronology(caseId)).map((e) => e.type)).toEqual([
      'opened',
      'claimed',
      'noteAdded',
      'referred',
      'parentInformed',
      'closed',
      'reopened',
    ]);
  });

  it('answers an unknown verb with a card, not an error', async () => {
    expect(textOf(await act(dana, 'case.delete', { caseId: 'x' }))).toContain('not recognised');
  });
});

describe('report this message', () => {
  const payload = {
    commandId: 'reportMessage',
    commandContext: 'message',
    messagePayload: {
      id: '1700000000001',
      createdDateTime: '2026-11-20T10:00:00.000Z',
      body: { contentType: 'html', content: '<p>meet me <b>alone</b> after college</p>' },
      from: { user: { id: 'x', displayName: 'Unknown Adult' } },
      linkToMessage: 'https://teams.microsoft.com/l/message/19:chat/1700000000001',
    },
  };

  it('opens the report form pre-filled with the message text, author and link', async () => {
    const res = await post(messageExtension(sam, connector.url, 'composeExtension/fetchTask', payload));
    expect(res.status).toBe(200);
    const card = res.body.task.value.card.content;
    expect(textOf(card)).toContain('Message from Unknown Adult on 2026-11-20');
    expect(textOf(card)).toContain('meet me alone after college');
    expect(textOf(card)).toContain('Link: https://teams.microsoft.com/l/message/19:chat/1700000000001');
    expect(textOf(card)).toContain('1700000000001');
    expect(checkCard(card).events).toEqual([]);
  });

  it('submits from the dialog and answers with a receipt', async () => {
    const res = await post(
      messageExtension(sam, connector.url, 'composeExtension/submitAction', {
        commandId: 'reportMessage',
        data: { ...groomingReport, verb: 'incident.submit', messageId: '1700000000001' },
      }),
    );
    expect(textOf(res.body.task.value.card.content)).toMatch(/Concern received: ES-\d{4}-\d{4}/);
  });
});

describe('bad requests', () => {
  it.each([
    ['not JSON', 400, 'this is not json'],
    ['not an activity', 400, '[1,2,3]'],
    ['an activity without a type', 400, '{"id":"x"}'],
  ])('answers a body that is %s with %i', async (_what, status, body) => {
    const res = await fetch(`${stack.host.url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(res.status).toBe(status);
  });
});

describe('the subject’s part and sanctions', () => {
  const imageReport = {
    ...groomingReport,
    subcategory: 'youth-produced-sexual-imagery',
    description: 'Lee was sent a nude image of another learner and came to tell me.',
  };

  it('shows no sanction suggestion against a learner who was sent an image, and refuses recording one', async () => {
    const receipt = await report(sam, { ...imageReport, subjectPart: 'harmed' });
    const { id: caseId } = await app.cases.resolve(referenceIn(receipt));
    const card = await act(dana, 'case.refresh', { caseId });
    expect(textOf(card)).toContain('was harmed or put at risk');
    expect(shownText(card)).not.toContain('Suggested under the policy');
    expect(JSON.stringify(card)).not.toContain('case.sanction');
    const refused = await act(dana, 'case.sanction', { caseId, sanction: 'written-warning' });
    expect(shownText(refused)).toContain('sanctions are never recorded against them');
    expect((await app.cases.get(caseId))?.sanctions).toEqual([]);
  });

  it('offers the policy’s suggestions once a DSL records that the learner shared the image', async () => {
    const receipt = await report(sam, imageReport);
    const { id: caseId } = await app.cases.resolve(referenceIn(receipt));
    expect(shownText(await act(dana, 'case.refresh', { caseId }))).not.toContain(
      'Suggested under the policy',
    );
    const card = await act(dana, 'case.subjectPart', { caseId, subjectPart: 'acted' });
    expect(shownText(card)).toContain('Suggested under the policy');
    expect(shownText(card)).toContain('Dana DSL recorded that the subject did what is of concern');
  });
});

describe('holding a record', () => {
  it('lets a DSL hold a closed case against deletion, shown on the card', async () => {
    const { caseId } = await newCase();
    await act(dana, 'case.close', { caseId, outcome: 'referredExternally' });
    const closed = await act(dana, 'case.refresh', { caseId });
    expect(shownText(closed)).toMatch(/Record kept: Until \w+ \d{4}/);
    const held = await act(dana, 'case.hold', { caseId, hold: 'on' });
    expect(shownText(held)).toContain('Record kept: On hold: it will not be deleted');
    expect((await app.cases.get(caseId))?.retentionHold).toBe(true);
  });
});

describe('text from people in the DSL channel', () => {
  it('shows a report’s link syntax as text: the only link a DSL can click is one the product built', async () => {
    const receipt = await report(sam, {
      ...groomingReport,
      subjectName: '[Lee](https://evil.example/a)',
      description: 'He wrote: [click here to see the photos](https://evil.example/login) www.evil.example',
    });
    const { id: caseId } = await app.cases.resolve(referenceIn(receipt));
    const card = await act(dana, 'case.refresh', { caseId });
    expect(shownLinks(card)).toEqual([]);
    expect(shownText(card)).toContain('[click here to see the photos](https[:]//evil.example/login)');
  });
});

describe('malformed activities', () => {
  const withoutConversation = () => {
    const { conversation: _none, ...rest } = message(sam, connector.url, 'report');
    return rest;
  };

  it.each([
    ['a message without a conversation', withoutConversation],
    [
      'an invoke this app does not answer',
      () => ({ ...cardAction(sam, connector.url, 'case.claim', {}), name: 'task/fetch' }),
    ],
    ['an activity without a type', () => ({ ...message(sam, connector.url, 'hi'), type: undefined })],
  ])('answers %s with 400 and sends nothing', async (_what, make) => {
    const res = await post(make());
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'INPUT_INVALID' });
    expect(connector.calls).toEqual([]);
  });

  it('never acts on a card action without a conversation', async () => {
    const { caseId } = await newCase();
    const { conversation: _none, ...claim } = cardAction(dana, connector.url, 'case.claim', { caseId });
    expect((await post(claim)).status).toBe(400);
    expect(await app.cases.chronology(caseId)).toHaveLength(1);
  });
});
