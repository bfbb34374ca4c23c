/**
 * Proactive posting through the outbox queue, over HTTP end to end: a DSL registers the channel,
 * a report becomes a card in that channel, a claim updates the same card in place and the reporter
 * is told the case was picked up; a concern about staff goes to the HR channel, never the DSL's.
 */
import type { App } from '../../functions/composition-root';
import type { RecordingConnector } from '../support/recording-connector';
import { startStack, type LocalStack } from '../support/local-stack';
import { cardAction, message, type TeamsUser } from '../support/teams-activities';
import { shownText } from '../support/card-text';
import { waitFor } from '../support/wait-for';
import { purgeExpiredCases } from '../../core/cases/retention-purge';

const sam: TeamsUser = { aadObjectId: '11111111-1111-4111-8111-111111111111', name: 'Sam Staff' };
const dana: TeamsUser = { aadObjectId: 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', name: 'Dana DSL' };
const harper: TeamsUser = { aadObjectId: '33333333-3333-4333-8333-333333333333', name: 'Harper HR' };
const tariq: TeamsUser = { aadObjectId: '55555555-5555-4555-8555-555555555555', name: 'Tariq Tutor' };

const dslChannelId = '19:dsl-channel@thread.tacv2';
const hrChannelId = '19:hr-channel@thread.tacv2';
const inChannel = (channelId: string) => ({
  id: `${channelId};messageid=1`,
  conversationType: 'channel',
  isGroup: true,
});
const channelData = (channelId: string) => ({
  channel: { id: channelId },
  team: { id: '19:safeguarding-team@thread.tacv2' },
  tenant: { id: '5a1e0000-0000-4000-8000-00000000c011' },
});

let stack: LocalStack;
let app: App;
let connector: RecordingConnector;
let post: LocalStack['post'];
beforeAll(async () => {
  stack = await startStack({ queues: true });
  ({ app, connector, post } = stack);
});
afterAll(() => stack.stop());

function channelMessage(user: TeamsUser, channelId: string, text: string) {
  return {
    ...message(user, connector.url, `<at>E-Safety</at> ${text}`, inChannel(channelId)),
    channelData: channelData(channelId),
    entities: [
      { type: 'mention', text: '<at>E-Safety</at>', mentioned: { id: '28:esafety-bot', name: 'E-Safety' } },
    ],
  };
}

const newThreadsIn = (channelId: string) =>
  connector.calls.filter(
    (c) =>
      c.method === 'POST' &&
      c.path === '/v3/conversations' &&
      (c.body['channelData'] as any)?.channel?.id === channelId,
  );

async function report(data: Record<string, unknown>) {
  const res = await post(cardAction(sam, connector.url, 'incident.submit', data));
  const reference = /ES-\d{4}-\d{4}/.exec(JSON.stringify(res.body))?.[0] ?? '';
  return app.cases.resolve(reference);
}

describe('case cards in channels', () => {
  it('refuses to register a route from someone outside its role', async () => {
    await post(channelMessage(tariq, dslChannelId, 'register dsl'));
    expect(JSON.stringify(connector.cards().at(-1))).toContain('Not allowed');
    expect(await app.conversations.route('dsl')).toBeUndefined();
  });

  it('posts a new report to the registered DSL channel, updates that card on claim, and tells the reporter of the claim and the close', async () => {
    await post(channelMessage(dana, dslChannelId, 'register dsl'));
    expect(JSON.stringify(connector.cards().at(-1))).toContain(
      'This channel now receives Safeguarding team cases',
    );
    await post(message(sam, connector.url, 'hello')); // the reporter has a chat with the bot

    const state = await report({
      subjectType: 'learner',
      under18: 'yes',
      category: 'contact',
      subcategory: 'grooming',
      description: 'Secret chats with an adult.',
    });
    const thread = await waitFor(
      () => newThreadsIn(dslChannelId).find((c) => JSON.stringify(c.body).includes(state.reference)),
      'the case card in the DSL channel',
    );
    expect(JSON.stringify(thread.body)).toContain('Claim');

    await post(cardAction(dana, connector.url, 'case.claim', { caseId: state.id }, inChannel(dslChannelId)));
    const update = await waitFor(
      () =>
        connector.calls.find(
          (c) => c.method === 'PUT' && JSON.stringify(c.body).includes('Dana DSL claimed the case'),
        ),
      'the channel card updated in place',
    );
    const posted = await app.conversations.cardPost(state.id);
    expect(update.path).toContain(`/activities/${posted?.record.post?.activityId}`);
    await waitFor(
      () => connector.texts().find((t) => t.includes(`${state.reference} has been picked up`)),
      'the reporter told',
    );
    await post(
      cardAction(
        dana,
        connector.url,
        'case.close',
        { caseId: state.id, outcome: 'resolvedInternally' },
        inChannel(dslChannelId),
      ),
    );
    await waitFor(
      () => connector.texts().find((t) => t.includes(`${state.reference} has been closed`)),
      'the reporter told of the close',
    );
    expect(connector.texts().join(' ')).not.toContain('Secret chats');
  });

  it('waits and retries when Teams throttles the post (429 with Retry-After), and still posts the card once', async () => {
    connector.failNext(2, 429, { retryAfter: '1', path: '/v3/conversations' });
    const state = await report({
      subjectType: 'learner',
      under18: 'unknown',
      category: 'commerce',
      subcategory: 'gambling',
      description: 'Betting app ads.',
    });
    const attempts = () =>
      newThreadsIn(dslChannelId).filter((c) => JSON.stringify(c.body).includes(state.reference));
    await waitFor(() => attempts().some((c) => c.answered === undefined), 'an accepted post', 20_000);
    expect(attempts().map((c) => c.answered ?? 200)).toEqual([429, 429, 200]);
    await waitFor(
      async () => (await app.conversations.cardPost(state.id))?.record.post?.activityId,
      'the post recorded',
    );
  });

  it('sends a concern about staff to the HR channel and never to the DSL channel', async () => {
    await post(channelMessage(harper, hrChannelId, 'register staff'));
    const state = await report({
      subjectType: 'staff',
      under18: 'no',
      category: 'conduct',
      subcategory: 'inappropriate-staff-contact',
      description: 'A teacher messaged a learner on Instagram.',
    });
    await waitFor(
      () => newThreadsIn(hrChannelId).find((c) => JSON.stringify(c.body).includes(state.reference)),
      'the case card in the HR channel',
    );
    expect(newThreadsIn(dslChannelId).some((c) => JSON.stringify(c.body).includes(state.reference))).toBe(
      false,
    );
  });

  it('keeps one thread per case, showing its last version, when 20 changes in a second are posted by two workers', async () => {
    await stack.startSecondWorker();
    const state = await report({
      subjectType: 'learner',
      under18: 'yes',
      category: 'content',
      subcategory: 'age-inappropriate',
      description: 'Shared an inappropriate video in class.',
    });
    // Twenty DSL actions within a second, as fast as Teams delivers them.
    const notes = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        post(
          cardAction(
            dana,
            connector.url,
            'case.note',
            { caseId: state.id, note: `Note number ${i + 1}` },
            inChannel(dslChannelId),
          ),
        ),
      ),
    );
    expect(notes.map((n) => n.status)).toEqual(Array(20).fill(200));
    const last = await app.cases.get(state.id);
    expect(last?.version).toBe(21);
    const threads = () =>
      newThreadsIn(dslChannelId).filter(
        (c) => c.answered === undefined && JSON.stringify(c.body).includes(state.reference),
      );
    // Wait until the card shows the last three chronology entries, then for the queues to settle.
    const events = await app.cases.chronology(state.id);
    const lastNotes = events.slice(-3).map((e) => (e.type === 'noteAdded' ? e.narrative.note : ''));
    const shows = (body: unknown) => lastNotes.every((n) => JSON.stringify(body).includes(n));
    const finalCard = () => {
      const record = connector.calls.filter(
        (c) =>
          (c.method === 'POST' &&
            c.path === '/v3/conversations' &&
            JSON.stringify(c.body).includes(state.reference)) ||
          (c.method === 'PUT' && JSON.stringify(c.body).includes(state.reference)),
      );
      return record.at(-1);
    };
    await waitFor(() => shows(finalCard()?.body), 'the card to show the last version', 20_000);
    await new Promise((r) => setTimeout(r, 1500));
    expect(threads()).toHaveLength(1);
    expect(shows(finalCard()?.body)).toBe(true);
    const recorded = await app.conversations.cardPost(state.id);
    expect(recorded?.record).toMatchObject({ version: 21 });
    expect(recorded?.record.lease).toBeUndefined();
  }, 40_000);

  it('replaces a purged case’s card with a notice that its record was deleted, nothing of the case left on it', async () => {
    const state = await report({
      subjectType: 'learner',
      under18: 'yes',
      category: 'commerce',
      subcategory: 'gambling',
      description: 'Betting on the college wifi.',
    });
    const posted = await waitFor(
      async () => (await app.conversations.cardPost(state.id))?.record.post,
      'the card posted',
    );
    await post(
      cardAction(
        dana,
        connector.url,
        'case.close',
        { caseId: state.id, outcome: 'noFurtherAction' },
        inChannel(dslChannelId),
      ),
    );
    const inTwelveYears = { now: () => new Date(Date.now() + 12 * 366 * 24 * 3600_000) };
    const purged = await purgeExpiredCases({ ...app, clock: inTwelveYears });
    expect(purged.map((p) => p.reference)).toContain(state.reference);
    const retired = await waitFor(
      () =>
        connector.calls.find(
          (c) =>
            c.method === 'PUT' &&
            c.path.endsWith(`/activities/${posted.activityId}`) &&
            shownText(c.body).includes(`${state.reference}: record deleted`),
        ),
      'the card retired',
    );
    expect(shownText(retired.body)).not.toContain('Betting');
    expect(await app.cases.get(state.id)).toBeUndefined();
  });
});
