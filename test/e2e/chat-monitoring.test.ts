/**
 * Chat monitoring end to end: messages sent through the tenant simulator's Graph API reach the
 * app's webhook as encrypted, signed change notifications, go through the queue, and become DSL
 * case cards — or, for ordinary talk and forged input, nothing. Every scenario of
 * `npm run simulate` runs here exactly as a person would run it.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvocationContext } from '@azure/functions';
import { runCli } from '../../cli/esafety';
import { QueueClient } from '@azure/storage-queue';
import { conversationKey } from '../../core/detection/chat-signal';
import { queueName } from '../../functions/config';
import {
  aad,
  stranger,
  casesForChat as casesForChatIn,
  createChat,
  scenarios,
  scenarioContext,
  sendMessage,
  type ScenarioContext,
} from '../../local/scenarios/scenarios';
import { SafeguardingLibrary } from '../../core/detection/safeguarding-library';
import { defaultPack, repoRoot, testStorage } from '../support/fixtures';
import { localCli, startStack, type LocalStack } from '../support/local-stack';
import { shownText } from '../support/card-text';
import { RecordingLogger } from '../support/recording-logger';
import { cardAction, message } from '../support/teams-activities';
import { waitFor } from '../support/wait-for';

const dana = { aadObjectId: 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', name: 'Dana DSL' };
const dslChannelId = '19:dsl-channel@thread.tacv2';
const lee = '66666666-6666-4666-8666-666666666661';
const lola = '66666666-6666-4666-8666-666666666662';
const tariq = '55555555-5555-4555-8555-555555555555';

let stack: LocalStack;
let ctx: ScenarioContext;
const log = new RecordingLogger();

beforeAll(async () => {
  stack = await startStack({ queues: true, log });
  ctx = scenarioContext(stack.graph, stack.simulator);

  // The DSL channel, as `register dsl` typed by a DSL in Teams sets it.
  const register = message(dana, stack.connector.url, '<at>E-Safety</at> register dsl', {
    id: `${dslChannelId};messageid=1`,
    conversationType: 'channel',
  });
  await stack.post({
    ...register,
    channelData: { channel: { id: dslChannelId }, team: { id: '19:safeguarding-team@thread.tacv2' } },
    entities: [
      { type: 'mention', text: '<at>E-Safety</at>', mentioned: { id: '28:esafety-bot', name: 'E-Safety' } },
    ],
  });
  await runTimer('graphSubscriptions');
});
afterAll(() => stack.stop());

async function runTimer(name: string) {
  const timer = stack.regs.timers.find((t) => t.name === name);
  if (!timer) throw new RangeError(`no timer ${name}`);
  await timer.handler(new InvocationContext({ functionName: name }));
}

const graphQueue = () =>
  new QueueClient(testStorage(), queueName(stack.app.config.storage, 'graph-notifications'));

/** Waits until the graph queue holds nothing, in flight or waiting (every message deleted). */
async function drained() {
  await waitFor(
    async () => (await graphQueue().getProperties()).approximateMessagesCount === 0,
    'the queue to drain',
  );
}

const casesForChat = (chatId: string) => casesForChatIn(stack.app.cases, chatId);

/** Waits until a chat has at least one case; returns its cases. */
const casesOpenedFor = (chatId: string, what: string) =>
  waitFor(async () => {
    const cases = await casesForChat(chatId);
    return cases.length > 0 && cases;
  }, what);

/** Every new thread the bot started for a case (a DSL must only ever see one). */
const threadsFor = (reference: string) =>
  stack.connector.calls.filter(
    (c) =>
      c.method === 'POST' &&
      c.path === '/v3/conversations' &&
      c.answered === undefined &&
      JSON.stringify(c.body).includes(reference),
  );
const cardPostedFor = (reference: string) => threadsFor(reference)[0];

/** What the case's thread shows now: the last card written to it (the post, or its latest update). */
const cardShownFor = (reference: string) =>
  stack.connector.calls
    .filter(
      (c) =>
        (c.method === 'POST' || c.method === 'PUT') &&
        c.answered === undefined &&
        JSON.stringify(c.body).includes(reference),
    )
    .at(-1);

/** Waits for the queues to settle (graph notifications, then the card posts they queued). */
async function settled() {
  await drained();
  const posts = new QueueClient(testStorage(), queueName(stack.app.config.storage, 'case-posts'));
  await waitFor(
    async () => (await posts.getProperties()).approximateMessagesCount === 0,
    'the card posts to drain',
  );
}

describe('the Graph webhook', () => {
  it('answers the validation handshake with the decoded token as plain text, for URL-encoded tokens', async () => {
    for (const route of ['notify', 'lifecycle']) {
      const token = 'Validation: Testing client application reachability Request-Id: 4f1b+a&b=c%d';
      const res = await fetch(
        `${stack.host.url}/api/graph/${route}?validationToken=${encodeURIComponent(token)}`,
        {
          method: 'POST',
        },
      );
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(await res.text()).toBe(token);
    }
  });

  it('creates one subscription per watched resource, with resource data, a lifecycle URL and our certificate', async () => {
    const list = (await stack.graph.api('/subscriptions').version('v1.0').get()) as {
      value: {
        resource: string;
        notificationUrl: string;
        lifecycleNotificationUrl: string;
        includeResourceData: boolean;
      }[];
    };
    // Besides these, the pack's watched libraries each have one (test/e2e/sharing.test.ts).
    const chats = list.value.filter((s) => !s.resource.startsWith('/drives/'));
    expect(chats.map((s) => s.resource).sort()).toEqual(['/chats/getAllMessages', '/teams/getAllMessages']);
    for (const s of chats) {
      expect(s.notificationUrl).toBe(`${stack.host.url}/api/graph/notify`);
      expect(s.lifecycleNotificationUrl).toBe(`${stack.host.url}/api/graph/lifecycle`);
      expect(s.includeResourceData).toBe(true);
    }
    // Running the timer again keeps them (nothing to renew yet): the same ones.
    await runTimer('graphSubscriptions');
    expect(
      ((await stack.graph.api('/subscriptions').version('v1.0').get()) as { value: unknown[] }).value,
    ).toHaveLength(list.value.length);
  });

  it('refuses a malformed body with 400 and queues nothing', async () => {
    await drained();
    await stack.stopQueues(); // so nothing could be taken off the queue before we look
    const logged = log.find({ event: 'graph.malformed', reason: 'schema' }).length;
    const res = await fetch(`${stack.host.url}/api/graph/notify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ value: [{ nonsense: true }] }),
    });
    expect(res.status).toBe(400);
    expect((await graphQueue().peekMessages({ numberOfMessages: 32 })).peekedMessageItems).toEqual([]);
    expect(log.find({ event: 'graph.malformed', reason: 'schema' })).toHaveLength(logged + 1);
    await stack.startQueues();
  });
});

describe('esafety subscriptions', () => {
  it('lists and renews the subscriptions through the admin CLI, finding the local system as npm start leaves it', async () => {
    const cli = localCli(stack);
    const listed = await cli('subscriptions', 'list', '--json');
    expect(listed.code === 0 ? 'listed' : listed.out).toBe('listed');
    const before = JSON.parse(listed.out) as { id: string; expirationDateTime: string }[];
    // Two for Teams messages, one for the watched library of the sharing watch.
    expect(before).toHaveLength(3);
    const renewed = await cli('subscriptions', 'renew');
    expect(renewed).toEqual({ code: 0, out: expect.stringContaining('Created 0, renewed 3, removed 0.') });

    const errors: string[] = [];
    const unconfigured = await runCli(['subscriptions', 'list'], {
      out: () => undefined,
      err: (line) => errors.push(line),
      env: {
        ESAFETY_LOCAL_DATA_DIR: mkdtempSync(join(tmpdir(), 'esafety-none-')),
        ESAFETY_LOG_LEVEL: 'silent',
      },
      cwd: repoRoot,
    });
    expect(unconfigured).toBe(1);
    expect(errors.join('\n')).toContain('ESAFETY_GRAPH_NOTIFICATION_CERT');
  });
});

describe('chat signals become DSL cases', () => {
  it('external contact: a stranger messaging a learner opens a case whose card reaches the DSL channel', async () => {
    const run = await scenarios['external-contact']!.run(ctx);
    const [found] = await casesOpenedFor(run.chatId ?? '', 'a case for the chat');
    // The grooming phrase (high) leads; the stranger's presence (external contact) is on the same case.
    expect(found).toMatchObject({
      category: 'grooming',
      severity: 'high',
      subjectType: 'learner',
      subjectId: lee,
      route: 'dsl',
    });
    // The case is opened first and the stranger's presence appended right after: wait for both.
    await drained();
    const events = await stack.app.cases.chronology(found!.id);
    expect(events.map((e) => (e.type === 'signalAdded' ? e.data.kind : e.type))).toEqual([
      'opened',
      'externalContact',
    ]);
    const state = await stack.app.cases.get(found!.id);
    expect(state?.narrative.link).toMatch(/^https:\/\/teams\.microsoft\.com\/l\/message\//);
    const card = await waitFor(() => cardPostedFor(found!.reference), 'the card in the DSL channel');
    expect(JSON.stringify(card.body)).toContain(dslChannelId);
    expect(shownText(card.body)).toContain('personal (consumer) Microsoft account');
    // One message, two signals: one card, showing both.
    await settled();
    expect(threadsFor(found!.reference)).toHaveLength(1);
    expect(shownText(cardShownFor(found!.reference)?.body)).toContain('External contact');
  });

  it("a guest's first message to a learner opens an external-contact case, though Graph names the sender an ordinary user", async () => {
    const guest = '9e9e9e9e-0000-4000-8000-00000000a001';
    const chatId = await createChat(ctx, 'oneOnOne', [
      aad(lee),
      {
        '@odata.type': '#microsoft.graph.aadUserConversationMember',
        roles: ['guest'],
        displayName: 'Gus Guest',
        'user@odata.bind': `https://graph.microsoft.com/v1.0/users('${guest}')`,
      },
    ]);
    await sendMessage(ctx, chatId, guest, '<p>hi lee, nice to meet you</p>');
    const [found] = await casesOpenedFor(chatId, 'a case for the guest’s message');
    expect(found).toMatchObject({ category: 'external-contact', subjectType: 'learner', subjectId: lee });
    await settled();
    expect(shownText(cardShownFor(found!.reference)?.body)).toContain('a guest from outside the college');
  });

  it('bullying in a class group chat, written in disguise, opens a case about the sender', async () => {
    const run = await scenarios['bullying']!.run(ctx);
    const [found] = await casesOpenedFor(run.chatId ?? '', 'a case for the group chat');
    expect(found).toMatchObject({
      category: 'cyberbullying',
      subjectType: 'learner',
      subjectId: '66666666-6666-4666-8666-666666666662',
    });
    // The sender acted: the card offers the policy's sanctions (never offered to someone harmed).
    await settled();
    expect(JSON.stringify(cardShownFor(found!.reference)?.body)).toContain('case.sanction');
  });

  it('a message no library phrase matches, read by the statistical layer, opens a case whose card says why', async () => {
    const chatId = await createChat(ctx, 'group', [aad(lee), aad(tariq)]);
    const text = 'he keeps saying im really mature and that our chats are just between us';
    await sendMessage(ctx, chatId, lee, `<p>${text}</p>`);
    const [found] = await casesOpenedFor(chatId, 'a case from the statistical layer');
    const model = stack.app.pack.detection.model!;
    expect(found).toMatchObject({ category: 'grooming', severity: model.severity });
    const [opened] = await stack.app.cases.chronology(found!.id);
    expect(opened?.type === 'opened' && opened.data.signal?.entry).toBe('model:grooming');
    await settled();
    const shown = shownText(cardShownFor(found!.reference)?.body);
    expect(shown).toContain(`Statistical model (`);
    expect(shown).toContain(model.labels['grooming']!.why);
    expect(shown).toMatch(
      /The words that weighed most: ".*mature.*" \(\d+ % sure; no library phrase matched\)/,
    );
  });

  it.each([
    ['self-harm', lee],
    ['county-lines', lee],
    ['sextortion', lola],
  ])(
    'the %s scenario opens a case about the learner at risk, and its card says which entry matched and why',
    async (name, learner) => {
      const run = await scenarios[name]!.run(ctx);
      const [found] = await casesOpenedFor(run.chatId ?? '', `a ${name} case`);
      expect(found).toMatchObject({ category: run.category, subjectType: 'learner', subjectId: learner });
      const state = await stack.app.cases.get(found!.id);
      expect(state?.subjectPart).toBe('harmed');
      const [opened] = await stack.app.cases.chronology(found!.id);
      const entryId = opened?.type === 'opened' ? opened.data.signal?.entry : undefined;
      const entry = stack.app.pack.detection.library.find((e) => e.id === entryId);
      expect(entry?.category).toBe(run.category);
      await settled();
      const card = cardShownFor(found!.reference)?.body;
      expect(shownText(card)).toContain(entry!.why);
      // Never a sanction against the person who was harmed.
      expect(JSON.stringify(card)).not.toContain('case.sanction');
    },
  );

  it('a class chat full of trigger words used innocently opens nothing', async () => {
    const run = await scenarios['innocent-triggers']!.run(ctx);
    await drained();
    expect(await casesForChat(run.chatId ?? '')).toEqual([]);
  });

  it("a DLP-blocked message opens one case about the writer, with Purview's verdict on it", async () => {
    const run = await scenarios['dlp']!.run(ctx);
    const [found] = await casesOpenedFor(run.chatId ?? '', 'a DLP case');
    // The library also reads a classmate's address and number as shared personal data (high); the
    // case leads with the most severe signal and records Purview's as well.
    expect(found).toMatchObject({
      category: expect.stringMatching(/^(oversharing|data-breach)$/),
      subjectType: 'learner',
      subjectId: '66666666-6666-4666-8666-666666666662',
      route: 'dsl',
    });
    const events = await stack.app.cases.chronology(found!.id);
    expect(events).toContainEqual(
      expect.objectContaining({
        type: 'signalAdded',
        data: expect.objectContaining({ kind: 'dlp', category: 'data-breach' }),
      }),
    );
  });

  it('an ordinary tutor–learner chat opens nothing', async () => {
    const run = await scenarios['benign']!.run(ctx);
    await drained();
    expect(await casesForChat(run.chatId ?? '')).toEqual([]);
    expect(log.find({ event: 'chat.noSignal' }).length).toBeGreaterThanOrEqual(2);
  });

  it('a notification delivered four times makes one case with each signal recorded once', async () => {
    const run = await scenarios['replay']!.run(ctx);
    expect(run.webhookStatuses).toEqual([202, 202, 202]);
    await drained();
    const cases = await casesForChat(run.chatId ?? '');
    expect(cases).toHaveLength(1);
    // The phrase opened it; the stranger's presence was added once: two events, not eight.
    const events = await stack.app.cases.chronology(cases[0]!.id);
    expect(events.map((e) => e.type)).toEqual(['opened', 'signalAdded']);
    // And the DSL channel has exactly one card for it.
    await settled();
    expect(threadsFor(cases[0]!.reference)).toHaveLength(1);
  });

  it('a burst of 20 flagged messages in one chat makes one case and one card, showing the last signal', async () => {
    const chatId = await createChat(ctx, 'oneOnOne', [aad(lee), stranger('8:live:burst', 'Burst Stranger')]);
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        sendMessage(ctx, chatId, '8:live:burst', `<p>message ${i + 1}: keep this between us</p>`),
      ),
    );
    await settled();
    const cases = await casesForChat(chatId);
    expect(cases).toHaveLength(1);
    const events = await stack.app.cases.chronology(cases[0]!.id);
    // The stranger's presence once, and the phrase in each of the 20 messages.
    expect(events).toHaveLength(21);
    expect(threadsFor(cases[0]!.reference)).toHaveLength(1);
    const last = events.at(-1)!;
    const lastText = last.type === 'signalAdded' ? (last.narrative.excerpt ?? '') : '';
    expect(lastText).toMatch(/^message \d+: keep this between us$/);
    expect(shownText(cardShownFor(cases[0]!.reference)?.body)).toContain(lastText);
  }, 60_000);

  it('further signals in the same chat within the window join the open case instead of a new card', async () => {
    const chatId = await createChat(ctx, 'group', [aad(lee), aad(tariq)]);
    await sendMessage(ctx, chatId, lee, '<p>everyone hates you</p>');
    await sendMessage(ctx, chatId, lee, '<p>seriously, kys</p>');
    const msg = await sendMessage(ctx, chatId, lee, '<p>are you alone tonight?</p>');
    await drained();
    const cases = await casesForChat(chatId);
    expect(cases).toHaveLength(1);
    const events = await stack.app.cases.chronology(cases[0]!.id);
    expect(events.filter((e) => e.type === 'signalAdded')).toHaveLength(2);
    expect((await stack.app.cases.get(cases[0]!.id))?.severity).toBe('high');
    // What the DSLs see: one card for the chat, not three.
    await settled();
    expect(threadsFor(cases[0]!.reference)).toHaveLength(1);

    // Editing a flagged message (Graph sends `updated`) adds nothing.
    await ctx.graph
      .api(`/chats/${encodeURIComponent(chatId)}/messages/${msg.id}`)
      .version('v1.0')
      .patch({ body: { contentType: 'html', content: '<p>are you alone tonight?? x</p>' } });
    await drained();
    expect(await stack.app.cases.chronology(cases[0]!.id)).toHaveLength(events.length);
    expect(await casesForChat(chatId)).toHaveLength(1);
  });
});

describe('DSL feedback on flags', () => {
  it('records a flag a DSL marks not a concern from the card, and esafety detection stats counts it', async () => {
    const chatId = await createChat(ctx, 'group', [aad(lee), aad(tariq)]);
    const text = 'omg nobody likes you, you should kys';
    await sendMessage(ctx, chatId, lee, `<p>${text}</p>`);
    const [found] = await casesOpenedFor(chatId, 'a flag to dismiss');
    const res = await stack.post(
      cardAction(
        dana,
        stack.connector.url,
        'case.dismiss',
        { caseId: found!.id, reason: 'banter', note: 'Friends joking; spoke to both.' },
        { id: `${dslChannelId};messageid=1`, conversationType: 'channel' },
      ),
    );
    expect(shownText(res.body.value)).toContain(
      'Dana DSL marked the flag not a concern: a joke between friends',
    );
    expect(shownText(res.body.value)).toContain('Outcome: Not a concern (monitoring flag dismissed)');
    const out: string[] = [];
    const code = await runCli(['detection', 'stats', '--json'], {
      out: (line) => out.push(line),
      err: (line) => out.push(line),
      env: { ...stack.env, ESAFETY_LOG_LEVEL: 'silent' },
      cwd: repoRoot,
    });
    expect(code).toBe(0);
    const stats = JSON.parse(out.join('\n')) as {
      rules: { rule: string; dismissedFor: Record<string, number> }[];
    };
    const flagged = new SafeguardingLibrary(defaultPack).findings(text).map((f) => f.entry);
    expect(flagged.length).toBeGreaterThan(0);
    for (const rule of flagged)
      expect(stats.rules.find((r) => r.rule === rule)?.dismissedFor['banter']).toBeGreaterThanOrEqual(1);
  });
});

describe('membership changes', () => {
  it('flags a learner added to a chat with a stranger at once, though the chat was seen before without them', async () => {
    const chatId = await createChat(ctx, 'group', [aad(tariq), stranger('8:live:late', 'Late Stranger')]);
    await sendMessage(ctx, chatId, '8:live:late', '<p>hello</p>');
    await drained();
    expect(await casesForChat(chatId)).toEqual([]); // no learner there: nothing to flag (members now cached)

    await ctx.graph
      .api(`/chats/${encodeURIComponent(chatId)}/members`)
      .version('v1.0')
      .post({
        '@odata.type': '#microsoft.graph.aadUserConversationMember',
        roles: ['owner'],
        'user@odata.bind': `https://graph.microsoft.com/v1.0/users('${lee}')`,
        initiator: tariq,
      });
    const [found] = await casesOpenedFor(chatId, 'a case from the membership change');
    expect(found).toMatchObject({ category: 'external-contact', subjectId: lee });

    // The stranger writing afterwards is the same signal: no second case, no new event.
    await sendMessage(ctx, chatId, '8:live:late', '<p>hi lee</p>');
    await drained();
    expect(await casesForChat(chatId)).toHaveLength(1);
    expect(await stack.app.cases.chronology(found!.id)).toHaveLength(1);
  });
});

describe('team channels', () => {
  it('watches channel messages too: bullying in a class team channel opens a case', async () => {
    const team = '19:class-team@thread.tacv2';
    await ctx.graph
      .api(`/teams/${encodeURIComponent(team)}/channels/${encodeURIComponent(team)}/messages`)
      .version('v1.0')
      .post({
        body: { contentType: 'html', content: '<p>everyone hates you, lee</p>' },
        from: { user: { id: '66666666-6666-4666-8666-666666666662' } },
      });
    const key = conversationKey({ kind: 'channel', teamId: team, channelId: team });
    const found = await waitFor(async () => {
      for (const c of await stack.app.cases.list({ status: 'all' })) {
        const [opened] = await stack.app.cases.chronology(c.id);
        if (opened?.type === 'opened' && opened.data.signal?.conversation === key) return c;
      }
      return undefined;
    }, 'a case for the channel');
    expect(found).toMatchObject({
      category: 'cyberbullying',
      subjectType: 'learner',
      subjectId: '66666666-6666-4666-8666-666666666662',
    });
    // The sender acted: the card offers the policy's sanctions (never offered to someone harmed).
    await settled();
    expect(JSON.stringify(cardShownFor(found.reference)?.body)).toContain('case.sanction');
  });
});

describe('forged and tampered input', () => {
  it('opens no case from a forged token, a wrong clientState, tampered ciphertext or a tampered signature, and logs why', async () => {
    const run = await scenarios['forged-token']!.run(ctx);
    // Forged token: refused at the door. The others: accepted (as Graph's docs ask), then dropped.
    expect(run.webhookStatuses).toEqual([401, 202, 202, 202]);
    await drained();
    expect(await casesForChat(run.chatId ?? '')).toEqual([]);
    expect(
      log.find({ event: 'graph.rejected', reason: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' }),
    ).not.toHaveLength(0);
    expect(log.find({ event: 'graph.rejected', reason: 'clientState' })).not.toHaveLength(0);
    expect(
      log.find({ event: 'graph.dropped', reason: 'data' }).length +
        log.find({ event: 'graph.dropped', reason: 'dataSignature' }).length,
    ).toBeGreaterThanOrEqual(2);
  });

  it('never logs message text or names, through a case opened, joined, carded and refused', async () => {
    const from = log.entries.length;
    const chatId = await createChat(ctx, 'oneOnOne', [aad(lee), stranger('8:live:quiet', 'Quinn Quietname')]);
    await sendMessage(ctx, chatId, '8:live:quiet', '<p>our little secret, send me a pic of you</p>');
    await sendMessage(ctx, chatId, '8:live:quiet', '<p>delete this chat, nobody likes you</p>');
    await scenarios['forged-token']!.run(ctx);
    await settled();
    const [found] = await casesForChat(chatId);
    expect(found).toBeDefined();
    const mine = log.entries.slice(from);
    // The traffic was logged (case opened, signals joined, refusals) …
    expect(mine.filter((e) => e.fields['event'] === 'intake.opened')).not.toHaveLength(0);
    expect(mine.filter((e) => e.fields['event'] === 'graph.rejected')).not.toHaveLength(0);
    // … every line of an invocation with its invocation id, down to the case store …
    const invocationLines = mine.filter((e) =>
      ['graph.queued', 'intake.opened', 'case.opened', 'intake.joined', 'post.created'].includes(
        String(e.fields['event']),
      ),
    );
    expect(invocationLines.length).toBeGreaterThanOrEqual(4);
    for (const line of invocationLines) expect(line.fields['invocationId']).toEqual(expect.any(String));
    // … with ids only: no words, no names.
    const logged = JSON.stringify(mine);
    for (const secret of [
      'our little secret',
      'send me a pic',
      'nobody likes you',
      'Quinn Quietname',
      'Lee Learner',
      'Attacker',
    ])
      expect(logged).not.toContain(secret);
  });
});

describe('a killed worker', () => {
  it('processes every queued notification once after a restart, with no duplicate case', async () => {
    await stack.stopQueues();
    const chats: string[] = [];
    for (let i = 0; i < 3; i++) {
      const chatId = await createChat(ctx, 'oneOnOne', [
        aad(lee),
        { '@odata.type': '#microsoft.graph.anonymousGuestConversationMember', displayName: `Guest ${i}` },
      ]);
      const guest =
        (
          (await ctx.graph
            .api(`/chats/${encodeURIComponent(chatId)}/members`)
            .version('v1.0')
            .get()) as { value: { anonymousGuestId?: string }[] }
        ).value.find((m) => m.anonymousGuestId)?.anonymousGuestId ?? '';
      await sendMessage(ctx, chatId, guest, '<p>delete this chat after reading</p>');
      chats.push(chatId);
    }
    expect((await graphQueue().getProperties()).approximateMessagesCount).toBe(3);
    await stack.startQueues();
    await drained();
    for (const chatId of chats) expect(await casesForChat(chatId)).toHaveLength(1);
  });
});

describe('an outage that outlasts the retries', () => {
  it('waits, poisons, tells the DSL channel what waits, and once Graph answers replays it by itself: the case, and the notice cleared', async () => {
    const chatId = await createChat(ctx, 'oneOnOne', [aad(lee), stranger('8:live:outage', 'X')]);
    await ctx.control('/_simulator/outage', { seconds: 300 });
    await sendMessage(ctx, chatId, '8:live:outage', '<p>are you alone?</p>');
    const noticeThreads = () =>
      stack.connector.calls.filter(
        (c) =>
          c.method === 'POST' &&
          c.path === '/v3/conversations' &&
          JSON.stringify(c.body).includes('Monitoring notifications are waiting'),
      );
    const notice = await waitFor(() => noticeThreads()[0], 'the operator notice in the DSL channel', 30_000);
    expect(JSON.stringify(notice.body)).toContain(dslChannelId);
    expect(shownText(notice.body)).toContain('1 Microsoft Teams notification could not be processed');
    // Before the host's retries, it waited out the outage (two patient retries in the tests' stack).
    expect(log.find({ event: 'queue.waiting', code: 'UPSTREAM_UNAVAILABLE' }).length).toBeGreaterThanOrEqual(
      2,
    );
    const poisonQueue = `${queueName(stack.app.config.storage, 'graph-notifications')}-poison`;
    const poison = new QueueClient(testStorage(), poisonQueue);
    await waitFor(
      async () => (await poison.getProperties()).approximateMessagesCount === 1,
      'the notification in the poison queue',
    );
    const cli = localCli(stack);
    expect(JSON.parse((await cli('poison', 'list', '--json')).out)).toContainEqual(
      expect.objectContaining({ queue: poisonQueue.replace(/-poison$/, ''), waiting: 1 }),
    );

    // The replay timer while Graph still does not answer: nothing is replayed into the same failure.
    await runTimer('poisonReplay');
    expect((await poison.getProperties()).approximateMessagesCount).toBe(1);
    expect(await casesForChat(chatId)).toEqual([]);

    // Graph answers again; the next run of the timer (every 15 minutes) replays it. No operator step.
    await ctx.control('/_simulator/outage', { seconds: 0 });
    await runTimer('poisonReplay');
    const cases = await casesOpenedFor(chatId, 'the replayed notification to become a case');
    expect(cases).toHaveLength(1);
    expect((await poison.getProperties()).approximateMessagesCount).toBe(0);
    // The notice's own card now says nothing waits: updated in place, no new thread.
    const cleared = await waitFor(
      () =>
        stack.connector.calls.find(
          (c) => c.method === 'PUT' && shownText(c.body).includes('nothing is waiting'),
        ),
      'the notice cleared in place',
    );
    const posted = await stack.app.conversations.cardPost(`notice:${stack.app.pack.routing.default}`);
    expect(cleared.path).toContain(`/activities/${posted?.record.post?.activityId}`);
    expect(noticeThreads()).toHaveLength(1);
  }, 90_000);
});

describe('lifecycle events', () => {
  it('reauthorizes and renews a subscription when Graph asks', async () => {
    const { value } = (await stack.graph.api('/subscriptions').version('v1.0').get()) as {
      value: { id: string; expirationDateTime: string }[];
    };
    const sub = value[0]!;
    await ctx.control(`/_simulator/subscriptions/${sub.id}/lifecycle`, {
      lifecycleEvent: 'reauthorizationRequired',
    });
    await drained();
    const after = (await stack.graph.api(`/subscriptions/${sub.id}`).version('v1.0').get()) as {
      expirationDateTime: string;
    };
    expect(Date.parse(after.expirationDateTime)).toBeGreaterThan(Date.parse(sub.expirationDateTime));
  });

  it('recreates a removed subscription and backfills the messages it missed', async () => {
    const { value } = (await stack.graph.api('/subscriptions').version('v1.0').get()) as {
      value: { id: string; resource: string }[];
    };
    const chats = value.find((s) => s.resource === '/chats/getAllMessages')!;
    await stack.graph.api(`/subscriptions/${chats.id}`).version('v1.0').delete();
    // Said while nobody was subscribed: no notification is ever sent for it.
    const chatId = await createChat(ctx, 'oneOnOne', [
      aad(lee),
      {
        '@odata.type': '#microsoft.graph.aadUserConversationMember',
        roles: ['owner'],
        tenantId: '0c0c0000-0000-4000-8000-000000000bad',
        displayName: 'Other Org User',
        'user@odata.bind': `https://graph.microsoft.com/v1.0/users('7f7f7f7f-0000-4000-8000-000000000001')`,
      },
    ]);
    await sendMessage(ctx, chatId, '7f7f7f7f-0000-4000-8000-000000000001', '<p>hi there</p>');
    await ctx.control(`/_simulator/subscriptions/${chats.id}/lifecycle`, {
      lifecycleEvent: 'subscriptionRemoved',
    });
    const [found] = await casesOpenedFor(chatId, 'a backfilled case');
    expect(found?.category).toBe('external-contact');
    const now = (await stack.graph.api('/subscriptions').version('v1.0').get()) as {
      value: { resource: string }[];
    };
    expect(now.value.map((s) => s.resource).sort()).toEqual([
      '/chats/getAllMessages',
      '/drives/b!learner-records/root',
      '/teams/getAllMessages',
    ]);
  });
});
