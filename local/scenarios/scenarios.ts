/**
 * Chat-monitoring scenarios, acted out through the tenant simulator's Microsoft Graph API with the
 * real Graph SDK: create a chat, send messages into it; the simulator then notifies the app as
 * Graph would. Used by `npm run simulate -- <scenario>` and by the end-to-end tests, so what a
 * person tries by hand is what CI checks.
 */
import { randomUUID } from 'node:crypto';
import type { Client } from '@microsoft/microsoft-graph-client';
import type { CaseService } from '../../core/cases/case-service';
import type { CaseSummary } from '../../core/cases/case-store';
import { conversationKey } from '../../core/detection/chat-signal';
import { fail } from '../../core/errors';
import { httpsRequest } from '../../adapters/https-transport';

export interface ScenarioContext {
  readonly graph: Client;
  /** Calls a `/_simulator/...` control route; resolves with its JSON answer. */
  control(path: string, body?: unknown): Promise<Record<string, unknown>>;
}

/** A scenario context for a running tenant simulator (its URL and certificate). */
export function scenarioContext(graph: Client, simulator: { url: string; ca: string }): ScenarioContext {
  return {
    graph,
    async control(path, body) {
      const res = await httpsRequest(`${simulator.url}${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: { 'content-type': 'application/json' },
        ...(body !== undefined && { body: JSON.stringify(body) }),
        ca: simulator.ca,
        timeoutMs: 30_000,
      });
      return JSON.parse(res.body) as Record<string, unknown>;
    },
  };
}

export interface ScenarioRun {
  /** What a DSL should see. */
  readonly expect: 'case' | 'noCase';
  /** The chat the scenario used (to find its case). */
  readonly chatId?: string;
  /** The default pack's category the case must be filed under (a pack may map it to its own). */
  readonly category?: string;
  /** Statuses the app's webhook answered to forged or replayed deliveries. */
  readonly webhookStatuses?: readonly number[];
  readonly steps: readonly string[];
}

export interface Scenario {
  readonly description: string;
  run(ctx: ScenarioContext): Promise<ScenarioRun>;
}

const lee = '66666666-6666-4666-8666-666666666661';
const lola = '66666666-6666-4666-8666-666666666662';
const tariq = '55555555-5555-4555-8555-555555555555';

/** A member of the tenant, as `POST /chats` takes it. */
export const aad = (id: string) => ({
  '@odata.type': '#microsoft.graph.aadUserConversationMember',
  roles: ['owner'],
  'user@odata.bind': `https://graph.microsoft.com/v1.0/users('${id}')`,
});

/** A stranger with a personal Microsoft account (as Teams external access allows). */
export const stranger = (id: string, displayName = 'Alex (personal account)') => ({
  '@odata.type': '#microsoft.graph.microsoftAccountUserConversationMember',
  userId: id,
  displayName,
});

export async function createChat(
  ctx: ScenarioContext,
  chatType: 'oneOnOne' | 'group',
  members: object[],
  topic?: string,
): Promise<string> {
  const chat = (await ctx.graph
    .api('/chats')
    .version('v1.0')
    .post({ chatType, members, ...(topic && { topic }) })) as { id: string };
  return chat.id;
}

export async function sendMessage(
  ctx: ScenarioContext,
  chatId: string,
  from: string,
  html: string,
  extra: Record<string, unknown> = {},
): Promise<{ id: string }> {
  return (await ctx.graph
    .api(`/chats/${encodeURIComponent(chatId)}/messages`)
    .version('v1.0')
    .post({ body: { contentType: 'html', content: html }, from: { user: { id: from } }, ...extra })) as {
    id: string;
  };
}

/** The newest delivery the simulator made for a chat's message. */
/** A scenario in which a personal account outside the college writes one message to a learner. */
function strangerWrites(s: {
  description: string;
  learner: string;
  from: [id: string, name: string];
  text: string;
  category: string;
  steps: string[];
}): Scenario {
  return {
    description: s.description,
    async run(ctx) {
      const [id, name] = s.from;
      const chatId = await createChat(ctx, 'oneOnOne', [aad(s.learner), stranger(id, name)]);
      await sendMessage(ctx, chatId, id, `<p>${s.text}</p>`);
      return { expect: 'case', chatId, category: s.category, steps: s.steps };
    },
  };
}

async function lastDeliveryFor(ctx: ScenarioContext, chatId: string): Promise<string> {
  const { value } = (await ctx.control('/_simulator/deliveries')) as {
    value: { id: string; body: { value: { resource: string }[] } }[];
  };
  const mine = value.filter((d) => d.body.value[0]?.resource.includes(chatId));
  const last = mine[mine.length - 1];
  if (!last)
    return fail('UNEXPECTED', `No delivery was made for chat ${chatId}: is a subscription in place?`);
  return last.id;
}

/** The chat-signal cases opened for a chat (found through the hashed conversation key). */
export async function casesForChat(
  cases: Pick<CaseService, 'list' | 'chronology'>,
  chatId: string,
): Promise<CaseSummary[]> {
  const key = conversationKey({ kind: 'chat', chatId });
  const found: CaseSummary[] = [];
  for (const c of await cases.list({ status: 'all' })) {
    if (c.source !== 'chatSignal') continue;
    const [opened] = await cases.chronology(c.id);
    if (opened?.type === 'opened' && opened.data.signal?.conversation === key) found.push(c);
  }
  return found;
}

export const scenarios: Record<string, Scenario> = {
  'external-contact': {
    description: 'a stranger with a personal account grooms a learner in a 1:1 chat',
    async run(ctx) {
      const chatId = await createChat(ctx, 'oneOnOne', [aad(lee), stranger('8:live:alex.stranger')]);
      await sendMessage(
        ctx,
        chatId,
        '8:live:alex.stranger',
        '<p>hey Lee, saw your post 😊 what school do you go to?</p>',
      );
      return {
        expect: 'case',
        chatId,
        steps: [
          'Created a 1:1 chat: Lee Learner and Alex, a personal Microsoft account outside the college.',
          'Alex sent: "hey Lee, saw your post, what school do you go to?"',
        ],
      };
    },
  },
  bullying: {
    description: 'one learner tells another to kill themselves in a class group chat',
    async run(ctx) {
      const chatId = await createChat(ctx, 'group', [aad(lee), aad(lola), aad(tariq)], 'Level 3 IT group');
      await sendMessage(ctx, chatId, tariq, '<p>Reminder: coursework is due on Friday.</p>');
      await sendMessage(ctx, chatId, lola, '<p>nobody likes you lee. just k.y.s</p>');
      return {
        expect: 'case',
        chatId,
        steps: [
          'Created a group chat "Level 3 IT group": Lee, Lola (learners) and Tariq (tutor).',
          'Tariq sent a coursework reminder (no signal).',
          'Lola sent: "nobody likes you lee. just k.y.s" (disguised phrase).',
        ],
      };
    },
  },
  dlp: {
    description: "Purview DLP blocks a learner posting a classmate's address and phone number",
    async run(ctx) {
      const chatId = await createChat(ctx, 'group', [aad(lee), aad(lola), aad(tariq)], 'Level 3 IT group');
      await sendMessage(
        ctx,
        chatId,
        lola,
        "<p>lee's address is 14 Mill Lane and his number is 07700 900123</p>",
        {
          policyViolation: { dlpAction: 'blockAccess', verdictDetails: 'none' },
        },
      );
      return {
        expect: 'case',
        chatId,
        steps: [
          'Created a group chat: Lee, Lola (learners) and Tariq (tutor).',
          "Lola posted Lee's address and phone number; Purview DLP blocked it (policyViolation: blockAccess).",
        ],
      };
    },
  },
  'self-harm': {
    description: 'a learner tells a friend, in their own words, that they want to disappear',
    async run(ctx) {
      const chatId = await createChat(ctx, 'oneOnOne', [aad(lola), aad(lee)]);
      await sendMessage(ctx, chatId, lola, '<p>u ok? u were quiet in class</p>');
      await sendMessage(
        ctx,
        chatId,
        lee,
        '<p>honestly everyone would be better off without me. ive been thinking about it a lot</p>',
      );
      return {
        expect: 'case',
        chatId,
        category: 'self-harm',
        steps: [
          'Lola checked on Lee in a 1:1 chat (no signal).',
          'Lee replied: "honestly everyone would be better off without me…" (suicidal thinking, said indirectly).',
        ],
      };
    },
  },
  'county-lines': strangerWrites({
    description: 'an older contact offers a learner cash to carry a bag out of town',
    learner: lee,
    from: ['8:live:tee.money', 'Tee'],
    text: 'yo need someone to carry a bag up to the coast saturday, £200 cash 💸 ez ting',
    category: 'criminal-exploitation',
    steps: [
      'Created a 1:1 chat: Lee and "Tee", a personal account outside the college.',
      'Tee offered £200 cash to carry a bag to the coast on Saturday (county-lines recruitment).',
    ],
  }),
  sextortion: strangerWrites({
    description: 'someone threatens to share a learner’s picture unless they pay',
    learner: lola,
    from: ['8:live:jay.x', 'Jay'],
    text: 'pay me £100 by tonight or i send ur pic to all ur followers. dont tell any1',
    category: 'youth-produced-sexual-imagery',
    steps: [
      'Created a 1:1 chat: Lola and "Jay", a personal account outside the college.',
      "Jay demanded £100 or he would send Lola's picture to her followers (sextortion).",
    ],
  }),
  'innocent-triggers': {
    description: 'a class group chat full of risky-sounding words used innocently',
    async run(ctx) {
      const chatId = await createChat(ctx, 'group', [aad(lee), aad(lola), aad(tariq)], 'Level 3 IT group');
      const lines = [
        'can someone send me a pic of the whiteboard notes from today',
        'this essay is killing me 💀',
        "don't tell anyone, we're planning a surprise for miss's birthday",
        'im dead 😂 that video',
        'my charger plug broke again',
        'we did the prevent duty quiz in tutorial',
        'roulette question in maths was so hard',
        'add me on snap so i can send u the group project',
      ];
      for (const [i, line] of lines.entries())
        await sendMessage(ctx, chatId, i % 3 === 0 ? lee : i % 3 === 1 ? lola : tariq, `<p>${line}</p>`);
      return {
        expect: 'noCase',
        chatId,
        steps: [
          'Created a group chat: Lee, Lola (learners) and Tariq (tutor).',
          `${lines.length} ordinary messages that use trigger words innocently (a pic of the whiteboard, an essay "killing me", a surprise, a charger plug, the Prevent duty quiz, roulette in maths …).`,
        ],
      };
    },
  },
  benign: {
    description: 'a tutor and a learner talk about coursework',
    async run(ctx) {
      const chatId = await createChat(ctx, 'oneOnOne', [aad(tariq), aad(lee)]);
      await sendMessage(ctx, chatId, tariq, '<p>Hi Lee, well done on the presentation today.</p>');
      await sendMessage(ctx, chatId, lee, '<p>Thanks! Can I send you my essay before Friday?</p>');
      return {
        expect: 'noCase',
        chatId,
        steps: [
          'Created a 1:1 chat: Tariq (tutor) and Lee (learner).',
          'They exchanged two ordinary messages.',
        ],
      };
    },
  },
  'forged-token': {
    description: 'someone posts forged and tampered notifications to the webhook',
    async run(ctx) {
      const message = {
        id: String(Date.now()),
        chatId: `19:${randomUUID().replace(/-/g, '')}@thread.v2`,
        messageType: 'message',
        createdDateTime: new Date().toISOString(),
        from: {
          user: {
            id: '8:live:attacker',
            displayName: 'Attacker',
            userIdentityType: 'personalMicrosoftAccountUser',
          },
        },
        body: { contentType: 'text', content: 'keep this between us. send nudes' },
      };
      const statuses: number[] = [];
      for (const fault of ['token', 'clientState', 'ciphertext', 'signature'])
        statuses.push(
          ...((await ctx.control('/_simulator/forge', { fault, message }))['statuses'] as number[]),
        );
      return {
        expect: 'noCase',
        chatId: message.chatId,
        webhookStatuses: statuses,
        steps: [
          'Posted a notification about a message that does not exist, four ways:',
          '  a validation token signed with a key Microsoft never published (expect 401),',
          '  a wrong clientState (expect 202, dropped),',
          '  tampered ciphertext and a tampered signature (expect 202, then dropped by the worker).',
        ],
      };
    },
  },
  replay: {
    description: 'Graph delivers the same notification again (a retry or a replay)',
    async run(ctx) {
      const chatId = await createChat(ctx, 'oneOnOne', [aad(lola), stranger('8:live:sam.replay')]);
      await sendMessage(ctx, chatId, '8:live:sam.replay', '<p>our little secret ok?</p>');
      const delivery = await lastDeliveryFor(ctx, chatId);
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++)
        statuses.push(
          Number((await ctx.control(`/_simulator/deliveries/${delivery}/redeliver`, {}))['status']),
        );
      return {
        expect: 'case',
        chatId,
        webhookStatuses: statuses,
        steps: [
          'A stranger wrote "our little secret ok?" to Lola in a new 1:1 chat.',
          'The simulator delivered that same notification three more times.',
        ],
      };
    },
  },
};
