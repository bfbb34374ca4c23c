/**
 * Risky sharing end to end (issue 12): people share files in the tenant simulator as they would in
 * OneDrive and SharePoint; the watched library's subscription notifies the app's webhook, the
 * queue worker reads the drive's delta, and the case card appears in the DSL channel — or, for
 * ordinary sharing, nothing. The audit sweep seeing the same shares adds nothing. From the card the
 * DSL removes the link (the simulator no longer lists it), asks the owner (who answers on a card in
 * their own chat) and accepts with a reason. Every `npm run simulate` sharing scenario runs here.
 */
import { InvocationContext } from '@azure/functions';
import { QueueClient } from '@azure/storage-queue';
import { verbs } from '../../cards/verbs';
import { silentLogger } from '../../core/logger';
import type { CaseSummary } from '../../core/cases/case-store';
import { queueName } from '../../functions/config';
import { scenarioContext, type ScenarioContext } from '../../local/scenarios/scenarios';
import {
  addFiles,
  createLink,
  learnerRecords,
  sharingScenarios,
  tariq as tariqId,
} from '../../local/scenarios/sharing-scenarios';
import { shownText } from '../support/card-text';
import { testStorage } from '../support/fixtures';
import { localCli, startStack, type LocalStack } from '../support/local-stack';
import { RecordingLogger } from '../support/recording-logger';
import { cardAction, message, personal } from '../support/teams-activities';
import { waitFor } from '../support/wait-for';

const dana = { aadObjectId: 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa', name: 'Dana DSL' };
const sam = { aadObjectId: '11111111-1111-4111-8111-111111111111', name: 'Sam Staff' };
const tariq = { aadObjectId: tariqId, name: 'Tariq Tutor' };
const lee = { aadObjectId: '66666666-6666-4666-8666-666666666661', name: 'Lee Learner' };
const dslChannelId = '19:dsl-channel@thread.tacv2';
const dslChannel = { id: `${dslChannelId};messageid=1`, conversationType: 'channel', isGroup: true };

let stack: LocalStack;
let ctx: ScenarioContext;
const log = new RecordingLogger();

beforeAll(async () => {
  stack = await startStack({ queues: true, log });
  ctx = scenarioContext(stack.graph, stack.simulator);
  const register = message(dana, stack.connector.url, '<at>E-Safety</at> register dsl', dslChannel);
  await stack.post({
    ...register,
    channelData: { channel: { id: dslChannelId }, team: { id: '19:safeguarding-team@thread.tacv2' } },
    entities: [
      { type: 'mention', text: '<at>E-Safety</at>', mentioned: { id: '28:esafety-bot', name: 'E-Safety' } },
    ],
  });
  // Tariq has the app in his personal chat (so he can be asked about his sharing).
  await stack.post(message(tariq, stack.connector.url, 'hello'));
  await runTimer('graphSubscriptions');
});
afterAll(() => stack.stop());

async function runTimer(name: string) {
  const timer = stack.regs.timers.find((t) => t.name === name);
  if (!timer) throw new RangeError(`no timer ${name}`);
  await timer.handler(new InvocationContext({ functionName: name }));
}

async function settled() {
  for (const queue of ['graph-notifications', 'case-posts'] as const) {
    const client = new QueueClient(testStorage(), queueName(stack.app.config.storage, queue));
    await waitFor(
      async () => (await client.getProperties()).approximateMessagesCount === 0,
      `${queue} to drain`,
      30_000,
    );
  }
}

/** Sharing cases holding any of these permissions. */
async function casesHolding(permissionIds: readonly string[]): Promise<CaseSummary[]> {
  const found: CaseSummary[] = [];
  for (const c of await stack.app.cases.list({ status: 'all' })) {
    if (c.source !== 'sharingSignal') continue;
    const held = await stack.app.sharing!.state.permissionsOf(c.id);
    if (held.some((p) => permissionIds.includes(p.permissionId))) found.push(c);
  }
  return found;
}

/** What the DSL channel shows for a case now: the last card written for it (post or update). */
const cardShownFor = (reference: string) =>
  stack.connector.calls
    .filter(
      (c) =>
        (c.method === 'POST' || c.method === 'PUT') &&
        c.answered === undefined &&
        JSON.stringify(c.body).includes(reference),
    )
    .at(-1);

const press = (
  user: typeof dana,
  verb: string,
  data: Record<string, unknown>,
  conversation: object = dslChannel,
) => stack.post(cardAction(user, stack.connector.url, verb, data, conversation as Record<string, unknown>));

let sharingCase: CaseSummary;

describe('risky sharing, as a DSL sees it', () => {
  it('subscribes to the watched library with security webhooks and no resource data', async () => {
    const list = (await stack.graph.api('/subscriptions').version('v1.0').get()) as {
      value: { resource: string; changeType: string; includeResourceData: boolean }[];
    };
    const drive = list.value.find((s) => s.resource === `/drives/${learnerRecords}/root`);
    expect(drive).toMatchObject({ changeType: 'updated', includeResourceData: false });
  });

  it('anyone-link: a case card in the DSL channel through the fast path; the audit sweep then adds nothing', async () => {
    const run = await sharingScenarios['anyone-link']!.run(ctx);
    const [found] = await waitFor(async () => {
      const cases = await casesHolding(run.permissionIds);
      return cases.length > 0 && cases;
    }, 'the sharing case');
    sharingCase = found!;
    const card = await waitFor(() => cardShownFor(sharingCase.reference), 'the case card in the DSL channel');
    expect(card.path).toContain('/v3/conversations');
    const text = shownText(card.body);
    expect(text).toContain('An Anyone link (view)');
    expect(text).toContain('Progress review - Lee L');
    expect(text).toContain('Files shared: 1');
    expect(JSON.stringify(card.body)).toContain('Open the file in Microsoft 365');
    expect(JSON.stringify(card.body)).toContain(verbs.sharingRemoveAccess);
    await settled();
    const before = (await stack.app.cases.get(sharingCase.id))!.version;
    await runTimer('sharingSweep');
    expect(await casesHolding(run.permissionIds)).toHaveLength(1);
    expect((await stack.app.cases.get(sharingCase.id))!.version).toBe(before);
    expect(log.find({ event: 'sharing.swept' }).length).toBeGreaterThan(0);
  });

  it('org-link and partner-domain: no case, the shares counted as not risky', async () => {
    for (const name of ['org-link', 'partner-domain']) {
      const run = await sharingScenarios[name]!.run(ctx);
      await settled();
      await runTimer('sharingSweep');
      expect(await casesHolding(run.permissionIds)).toEqual([]);
    }
    const [last] = log.find({ event: 'sharing.swept' }).slice(-1);
    expect(Number(last?.fields['dropped'])).toBeGreaterThan(0);
  });

  it("leaves a learner's own coursework shared from their own OneDrive alone", async () => {
    const [essay] = await addFiles(ctx, 'b!onedrive-lee', ['Coursework essay draft.docx']);
    const link = await createLink(ctx, lee.aadObjectId, 'b!onedrive-lee', essay!.id, {
      scope: 'anonymous',
      type: 'view',
    });
    await runTimer('sharingSweep');
    expect(await casesHolding([link.id])).toEqual([]);
  });

  it('bulk-share: 200 files shared by one person are one case, and its card counts them', async () => {
    const run = await sharingScenarios['bulk-share']!.run(ctx);
    expect(run.permissionIds).toHaveLength(200);
    await waitFor(
      async () => {
        const held = await stack.app.sharing!.state.permissionsOf(sharingCase.id);
        return run.permissionIds.every((id) => held.some((p) => p.permissionId === id));
      },
      'all 200 shares on the case',
      120_000,
    );
    expect(await casesHolding(run.permissionIds)).toEqual([expect.objectContaining({ id: sharingCase.id })]);
    await settled();
    const text = shownText(cardShownFor(sharingCase.reference)!.body);
    expect(Number(/Files shared: (\d+)/.exec(text)?.[1])).toBeGreaterThanOrEqual(201);
  }, 180_000);

  it('delta-resync: after a forced 410 the drive is read again, the new share found once', async () => {
    const run = await sharingScenarios['delta-resync']!.run(ctx);
    await waitFor(
      async () => (await casesHolding(run.permissionIds)).length > 0,
      'the share after a resync',
      60_000,
    );
    await settled();
    expect(await casesHolding(run.permissionIds)).toHaveLength(1);
    expect(log.find({ event: 'sharing.resynced' }).length).toBeGreaterThan(0);
  }, 90_000);

  it('refuses the sharing actions to someone outside the route, and removes nothing', async () => {
    const res = await press(sam, verbs.sharingRemoveAccess, { caseId: sharingCase.id });
    expect(shownText(res.body.value)).toMatch(/not allowed|may not/i);
    const held = await stack.app.sharing!.state.permissionsOf(sharingCase.id);
    const still = await stack.app.sharing!.graph.sharesOf(held[0]!, 'delta');
    expect(still?.some((s) => s.permissionId === held[0]!.permissionId)).toBe(true);
  });

  it('remove-link: the DSL removes the links from the card; the simulator no longer lists them', async () => {
    const held = await stack.app.sharing!.state.permissionsOf(sharingCase.id);
    const res = await press(dana, verbs.sharingRemoveAccess, { caseId: sharingCase.id });
    expect(res.status).toBe(200);
    expect(shownText(res.body.value)).toMatch(/Removed: \d+ links or grants/);
    for (const p of held.slice(0, 5)) {
      const listed = (await ctx.control(
        `/_simulator/drives/${encodeURIComponent(p.driveId)}/items/${encodeURIComponent(p.itemId)}/permissions`,
      )) as { value: { id: string }[] };
      expect(listed.value.map((x) => x.id)).not.toContain(p.permissionId);
    }
    expect((await stack.app.cases.chronology(sharingCase.id)).at(-1)).toMatchObject({
      type: 'accessRemoved',
      actorId: dana.aadObjectId,
      data: { failed: 0 },
    });
    await settled();
    expect(shownText(cardShownFor(sharingCase.reference)!.body)).toContain('Dana DSL removed the sharing');
  });

  it('asks the owner in their own chat, and records their answer as theirs', async () => {
    const res = await press(dana, verbs.sharingAskOwner, { caseId: sharingCase.id });
    expect(shownText(res.body.value)).toContain('The owner has been asked');
    const ownerCard = await waitFor(
      () =>
        stack.connector.calls.find(
          (c) => c.method === 'POST' && JSON.stringify(c.body).includes('A file you shared may be open'),
        ),
      "the owner's card in Tariq's chat",
    );
    expect(ownerCard.path).toContain(encodeURIComponent(personal(tariq).id));
    // Someone else cannot answer for the owner; an answer without a reason comes back with the problem.
    const other = await press(
      lee,
      verbs.sharingOwnerNeeded,
      { caseId: sharingCase.id, ownerReason: 'fine' },
      personal(lee),
    );
    expect(shownText(other.body.value)).toContain('Only the person who shared the file can answer');
    const empty = await press(tariq, verbs.sharingOwnerNeeded, { caseId: sharingCase.id }, personal(tariq));
    expect(shownText(empty.body.value)).toContain('Say why the sharing is needed');
    const answer = await press(
      tariq,
      verbs.sharingOwnerNeeded,
      { caseId: sharingCase.id, ownerReason: 'The exam board moderator needs it until Friday.' },
      personal(tariq),
    );
    expect(shownText(answer.body.value)).toContain('Your answer is on the record');
    expect((await stack.app.cases.chronology(sharingCase.id)).at(-1)).toMatchObject({
      type: 'ownerAnswered',
      actorId: tariq.aadObjectId,
      data: { answer: 'needed' },
      narrative: { reason: 'The exam board moderator needs it until Friday.' },
    });
  });

  it('accepts the sharing only with a reason, and closes the case with it', async () => {
    const none = await press(dana, verbs.sharingAccept, { caseId: sharingCase.id, acceptReason: ' ' });
    expect(shownText(none.body.value)).toContain('Say why the sharing is acceptable');
    expect((await stack.app.cases.get(sharingCase.id))!.status).not.toBe('closed');
    const done = await press(dana, verbs.sharingAccept, {
      caseId: sharingCase.id,
      acceptReason: 'Moderation agreed with the exam board.',
    });
    expect(done.status).toBe(200);
    const state = (await stack.app.cases.get(sharingCase.id))!;
    expect(state.status).toBe('closed');
    expect(state.outcome).toBe('noFurtherAction');
    expect((await stack.app.cases.chronology(sharingCase.id)).at(-1)).toMatchObject({
      type: 'closed',
      narrative: { note: 'Sharing accepted: Moderation agreed with the exam board.' },
    });
  });

  it('external-invite after the case was closed: a new case names the outside domain', async () => {
    const run = await sharingScenarios['external-invite']!.run(ctx);
    const [found] = await waitFor(async () => {
      const cases = await casesHolding(run.permissionIds);
      return cases.length > 0 && cases;
    }, 'the case for the invitation');
    expect(found!.id).not.toBe(sharingCase.id);
    const card = await waitFor(() => cardShownFor(found!.reference), 'its card');
    // Addresses are defanged on cards: the domain is named, never a link.
    expect(shownText(card.body)).toContain('Outside domains: gmail[.]com');
  });
});

describe('esafety sharing', () => {
  it("shows the sweep's watermark and the watched library's subscription and delta link, and sweeps on demand", async () => {
    const cli = localCli(stack);
    // The library read once by the fast path, and a sweep run from the CLI: both show in status.
    await stack.app.sharing!.watch.driveChanged(learnerRecords, silentLogger);
    const swept = await cli('sharing', 'sweep', '--since', new Date(Date.now() - 3_600_000).toISOString());
    expect(swept).toEqual({
      code: 0,
      out: expect.stringMatching(/^Swept .* \d+ records, \d+ files, \d+ risky shares/),
    });
    const status = await cli('sharing', 'status', '--json');
    expect(status.code).toBe(0);
    const shown = JSON.parse(status.out) as {
      sweep: { until: string };
      drives: { driveId: string; subscription?: { expires: string }; deltaSavedAt?: string }[];
    };
    expect(Date.parse(shown.sweep.until)).toBeGreaterThan(Date.now() - 10 * 60_000);
    expect(shown.drives).toEqual([
      expect.objectContaining({
        driveId: learnerRecords,
        subscription: expect.objectContaining({ expires: expect.any(String) }),
        deltaSavedAt: expect.any(String),
      }),
    ]);
    const wrong = await cli('sharing', 'sweep', '--since', 'yesterday');
    expect(wrong).toEqual({ code: 1, out: expect.stringContaining('--since must be a time') });
  });
});
