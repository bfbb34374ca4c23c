/**
 * The sharing case's card actions (issue 12) on their own, with in-memory deps: a real case service
 * over the memory store, the memory conversation store, and a scripted Microsoft Graph whose
 * permission deletes answer as the adapter does (removed, already gone, or an error coded through
 * the gateway's `graphCall`). Each test checks what the person reads on the card they get back and
 * what the case's record holds.
 */
import { graphCall } from '../../../adapters/graph-gateway';
import type { AdaptiveCard } from '../../../cards/adaptive-card';
import { caseInputs } from '../../../cards/case-card/case-actions';
import { sharingInputs } from '../../../cards/sharing/sharing-cards';
import { verbs } from '../../../cards/verbs';
import { onSharingAction, isSharingVerb } from '../../../bot/sharing-actions';
import type { BotDeps } from '../../../bot/turn';
import { AssessmentService } from '../../../core/assessments/assessment-service';
import type { Directory } from '../../../core/auth/authorise';
import type { Actor } from '../../../core/cases/case-events';
import { CaseService } from '../../../core/cases/case-service';
import { SignalIntake } from '../../../core/intake/signal-intake';
import { silentLogger } from '../../../core/logger';
import { followUps, type OutboxMessage } from '../../../core/outbox/outbox';
import type { PolicyPack } from '../../../core/policy/policy-pack';
import { QuizService } from '../../../core/quizzes/quiz-service';
import { sharingObservation } from '../../../core/sharing/sharing-intake';
import { evaluateSharing, type SharingSignal } from '../../../core/sharing/sharing-signal';
import type { PermissionRef } from '../../../core/sharing/sharing-watch';
import { shownText } from '../../support/card-text';
import { checkCard } from '../../support/card-validator';
import { defaultPack, dslA } from '../../support/fixtures';
import { anyoneShare } from '../../support/sharing-fixtures';
import { MemoryAssessmentStore } from '../../support/memory-assessment-store';
import { MemoryCaseStore } from '../../support/memory-case-store';
import { MemoryConversationStore } from '../../support/memory-conversation-store';
import { MemoryDraftStore } from '../../support/memory-draft-store';
import { MemoryQuizStore } from '../../support/memory-quiz-store';
import { MemorySharingState } from '../../support/memory-sharing-state';
import { MemorySignalLedger } from '../../support/memory-signal-ledger';
import { RecordingLogger } from '../../support/recording-logger';

const dslGroup = defaultPack.roles['dsl']!.groupId;
/** The member of staff who shared: the case's subject, the one asked. */
const owner: Actor = { id: '55555555-5555-4555-8555-555555555555', name: 'Tariq Tutor' };
/** Someone outside the safeguarding team. */
const tutor: Actor = { id: '66666666-6666-4666-8666-666666666666', name: 'Terry Tutor' };
const directory: Directory = {
  isMember: (user, group) => Promise.resolve(group === dslGroup && user === dslA.id),
};

/** What a scripted permission delete does. */
type Script = 'removed' | 'gone' | 'forbidden' | 'unauthorised' | 'noAnswer';

class ScriptedGraph {
  readonly calls: PermissionRef[] = [];
  constructor(private readonly script: Readonly<Record<string, Script>>) {}

  removePermission(ref: PermissionRef): Promise<'removed' | 'gone'> {
    this.calls.push(ref);
    const what = this.script[ref.permissionId] ?? 'removed';
    if (what === 'removed' || what === 'gone') return Promise.resolve(what);
    // As adapters/graph-sharing.ts does: the SDK's error, coded by the gateway.
    const status = what === 'forbidden' ? 403 : what === 'unauthorised' ? 401 : undefined;
    const sdkError = Object.assign(
      new Error('Graph said no'),
      status === undefined ? {} : { statusCode: status },
    );
    return graphCall(() => Promise.reject(sdkError), 'remove a permission');
  }
}

const share = anyoneShare;

interface Setup {
  /** Permission id → what deleting it does; every share's permission is recorded on the case. */
  readonly script?: Readonly<Record<string, Script>>;
  readonly shares?: readonly SharingSignal[];
  /** Whether the owner has a personal chat with the app. */
  readonly ownerChat?: boolean;
  readonly pack?: PolicyPack;
  /** No Graph configured at all. */
  readonly noGraph?: boolean;
  /** Permissions not recorded on the case. */
  readonly noPermissions?: boolean;
}

async function setup(o: Setup = {}) {
  let t = Date.parse('2026-12-02T09:59:00.000Z');
  const clock = { now: () => new Date((t += 1000)) };
  const pack = o.pack ?? defaultPack;
  const store = new MemoryCaseStore();
  const sent: OutboxMessage[] = [];
  const cases = new CaseService({
    store,
    pack,
    clock,
    log: silentLogger,
    onChange: (state, event) => Promise.resolve(void sent.push(...followUps(state, event))),
  });
  const intake = new SignalIntake({
    pack,
    cases,
    ledger: new MemorySignalLedger(),
    clock,
    log: silentLogger,
  });
  const shares = o.shares ?? [share(1)];
  let caseId = '';
  for (const s of shares) {
    const verdict = evaluateSharing(s, pack.sharing, { ownerIsLearner: false });
    if (!verdict.risky) throw new Error('expected a risky share');
    const outcome = await intake.receive(
      sharingObservation(s, verdict.findings, verdict.externalDomains, { type: 'staff' }),
    );
    if (!('caseId' in outcome)) throw new Error(`expected a case, got ${outcome.outcome}`);
    caseId = outcome.caseId;
  }
  const sharingState = new MemorySharingState();
  if (!o.noPermissions)
    await sharingState.addPermissions(
      caseId,
      shares.map(({ driveId, itemId, permissionId }) => ({ driveId, itemId, permissionId })),
    );
  const graph = new ScriptedGraph(o.script ?? {});
  const conversations = new MemoryConversationStore();
  if (o.ownerChat !== false)
    await conversations.saveUser(owner.id, { conversation: { id: 'a:owner-personal' }, serviceUrl: 'x' });
  const deps: BotDeps = {
    cases,
    assessments: new AssessmentService({
      store: new MemoryAssessmentStore(),
      drafts: new MemoryDraftStore(),
      pack,
      directory,
      clock,
      log: silentLogger,
    }),
    quizzes: new QuizService({ store: new MemoryQuizStore(), pack, directory, clock, log: silentLogger }),
    pack,
    directory,
    conversations,
    outbox: { send: (m) => Promise.resolve(void sent.push(m)) },
    clock,
    log: silentLogger,
    ...(!o.noGraph && { sharing: { state: sharingState, graph } }),
  };
  const log = new RecordingLogger();
  sent.length = 0;
  const press = (actor: Actor, verb: Parameters<typeof onSharingAction>[3], data: object = {}) =>
    onSharingAction(deps, log, actor, verb, { caseId, ...data });
  const events = () => store.events(caseId);
  const state = async () => (await cases.get(caseId))!;
  return { deps, press, events, state, graph, sent, log, caseId, cases };
}

/** The code of what a press threw. */
async function refused(p: Promise<unknown>): Promise<{ code: string; reason?: unknown }> {
  try {
    await p;
  } catch (err) {
    const e = err as { code: string; details: Record<string, unknown> };
    return { code: e.code, reason: e.details['reason'] };
  }
  throw new Error('expected a refusal');
}

const text = (card: AdaptiveCard) => shownText(card);
/** Every card a person gets back parses at 1.5 with labelled inputs. */
function valid(card: AdaptiveCard): AdaptiveCard {
  const { unlabelledInputs, unexpanded, duplicateIds } = checkCard(card);
  expect({ unlabelledInputs, unexpanded, duplicateIds }).toEqual({
    unlabelledInputs: [],
    unexpanded: [],
    duplicateIds: [],
  });
  return card;
}

describe('the sharing verbs', () => {
  it('are recognised, and nothing else is', () => {
    for (const v of [
      verbs.sharingRemoveAccess,
      verbs.sharingAskOwner,
      verbs.sharingAccept,
      verbs.sharingOwnerRemoved,
      verbs.sharingOwnerNeeded,
    ])
      expect(isSharingVerb(v)).toBe(true);
    for (const v of [verbs.caseClaim, verbs.caseClose, 'sharing.other', undefined, 7])
      expect(isSharingVerb(v)).toBe(false);
  });
});

describe('Remove the link / access', () => {
  it('deletes every permission on the case, records the counts and says so on the card', async () => {
    const s = await setup({
      shares: [share(1), share(2), share(3)],
      script: { 'perm-1': 'removed', 'perm-2': 'gone', 'perm-3': 'removed' },
    });
    const card = valid(await s.press(dslA, verbs.sharingRemoveAccess));
    expect(s.graph.calls.map((r) => r.permissionId).sort()).toEqual(['perm-1', 'perm-2', 'perm-3']);
    expect(s.graph.calls[0]).toEqual({
      driveId: 'b!learner-records',
      itemId: 'item-1',
      permissionId: 'perm-1',
    });
    expect(text(card)).toContain('Removed: 2 links or grants (1 already gone).');
    expect(text(card)).toContain('Dana DSL removed the sharing (2 links or grants); 1 already gone');
    const last = (await s.events()).at(-1);
    expect(last).toMatchObject({
      type: 'accessRemoved',
      actorId: dslA.id,
      data: { removed: 2, gone: 1, failed: 0 },
    });
    expect(s.sent).toEqual([{ kind: 'case.post', caseId: s.caseId }]);
    expect(s.log.find({ event: 'sharing.removed', removed: 2, gone: 1, failed: 0 })).toHaveLength(1);
  });

  it('says "1 link or grant" for a single removal', async () => {
    const s = await setup();
    expect(text(await s.press(dslA, verbs.sharingRemoveAccess))).toContain('Removed: 1 link or grant.');
  });

  it('names Files.ReadWrite.All when Microsoft 365 refuses (403), and records the failure', async () => {
    const s = await setup({
      shares: [share(1), share(2)],
      script: { 'perm-1': 'removed', 'perm-2': 'forbidden' },
    });
    const card = valid(await s.press(dslA, verbs.sharingRemoveAccess));
    expect(text(card)).toContain(
      '1 of 2 could not be removed and is still shared: Microsoft 365 refused — the app needs Files.ReadWrite.All (see docs/permissions.md).',
    );
    expect(text(card)).toContain('1 could not be removed and is still shared');
    expect((await s.events()).at(-1)).toMatchObject({
      type: 'accessRemoved',
      data: { removed: 1, gone: 0, failed: 1 },
    });
  });

  it('treats 401 as a refusal too, and says plural failures as "are"', async () => {
    const s = await setup({
      shares: [share(1), share(2)],
      script: { 'perm-1': 'unauthorised', 'perm-2': 'noAnswer' },
    });
    const card = await s.press(dslA, verbs.sharingRemoveAccess);
    expect(text(card)).toContain('2 of 2 could not be removed and are still shared: Microsoft 365 refused');
    expect((await s.events()).at(-1)).toMatchObject({ data: { removed: 0, gone: 0, failed: 2 } });
  });

  it('asks to try again when Microsoft 365 did not answer', async () => {
    const s = await setup({ script: { 'perm-1': 'noAnswer' } });
    const card = await s.press(dslA, verbs.sharingRemoveAccess);
    expect(text(card)).toContain(
      '1 of 1 could not be removed and is still shared: Microsoft 365 did not answer. Try again in a moment.',
    );
    expect(text(card)).not.toContain('Files.ReadWrite.All');
    expect((await s.events()).at(-1)).toMatchObject({ data: { removed: 0, gone: 0, failed: 1 } });
  });

  it.each<[string, Setup, string]>([
    [
      'the policy turns removal off',
      { pack: { ...defaultPack, sharing: { ...defaultPack.sharing, removeAccess: false } } },
      'Removing sharing from here is off in the policy: ask the owner, or IT, to remove it.',
    ],
    [
      'Graph is not configured',
      { noGraph: true },
      'Microsoft Graph is not configured, so sharing cannot be removed from here.',
    ],
    [
      'no sharing is recorded on the case',
      { noPermissions: true },
      'No sharing is recorded on this case to remove.',
    ],
  ])('removes nothing and records nothing when %s', async (_name, options, notice) => {
    const s = await setup(options);
    const before = (await s.events()).length;
    const card = valid(await s.press(dslA, verbs.sharingRemoveAccess));
    expect(text(card)).toContain(notice);
    expect(s.graph.calls).toEqual([]);
    expect(await s.events()).toHaveLength(before);
    expect(s.sent).toEqual([]);
  });

  it('refuses someone outside the case’s route before touching Microsoft 365', async () => {
    const s = await setup();
    expect(await refused(s.press(tutor, verbs.sharingRemoveAccess))).toMatchObject({
      code: 'NOT_AUTHORISED',
    });
    expect(await refused(s.press(owner, verbs.sharingRemoveAccess))).toMatchObject({
      code: 'NOT_AUTHORISED',
    });
    expect(s.graph.calls).toEqual([]);
    expect((await s.events()).map((e) => e.type)).not.toContain('accessRemoved');
  });

  it('refuses a card that names no case, or a case that does not exist', async () => {
    const s = await setup();
    expect(await refused(s.press(dslA, verbs.sharingRemoveAccess, { caseId: '../x' }))).toMatchObject({
      code: 'INPUT_INVALID',
    });
    expect(await refused(s.press(dslA, verbs.sharingRemoveAccess, { caseId: 'c0000' }))).toMatchObject({
      code: 'CASE_NOT_FOUND',
    });
    expect(s.graph.calls).toEqual([]);
  });

  // BUG (bot/sharing-actions.ts, removeAccess): a stale card's "Remove the link / access" on a case
  // closed since deletes the permissions through Graph first, and only then is recordAccessRemoval
  // refused (CASE_CLOSED): the sharing is gone but the case's record never says so, and the DSL gets
  // an error. The case's state should be checked before Graph is called. Passes once that is fixed;
  // then drop `.failing`.
  it('removes nothing from Microsoft 365 on a case closed since the card was sent', async () => {
    const s = await setup();
    await s.cases.act(s.caseId, dslA, { kind: 'close', outcome: 'noFurtherAction' });
    const before = (await s.events()).length;
    await s.press(dslA, verbs.sharingRemoveAccess).catch(() => undefined);
    expect(s.graph.calls).toEqual([]);
    expect(await s.events()).toHaveLength(before);
  });
});

describe('Ask the owner', () => {
  it('records the ask, queues the owner’s card and says so', async () => {
    const s = await setup();
    const card = valid(await s.press(dslA, verbs.sharingAskOwner));
    expect(text(card)).toContain('The owner has been asked in their chat. Their answer will show here.');
    expect(text(card)).toContain('The owner has been asked and has not answered yet.');
    expect(text(card)).toContain('Dana DSL asked the owner to remove the sharing or say why it is needed');
    expect(JSON.stringify(card)).not.toContain('Ask the owner');
    expect(await s.state()).toMatchObject({ owner: { asked: true } });
    expect((await s.events()).at(-1)).toMatchObject({ type: 'ownerAsked', actorId: dslA.id });
    expect(s.sent).toEqual([
      { kind: 'case.post', caseId: s.caseId },
      { kind: 'owner.ask', caseId: s.caseId },
    ]);
  });

  it('does not ask an owner who has no chat with the app, and says what to do instead', async () => {
    const s = await setup({ ownerChat: false });
    const before = (await s.events()).length;
    const card = valid(await s.press(dslA, verbs.sharingAskOwner));
    expect(text(card)).toContain(
      'The owner has no chat with E-Safety for Teams yet (the app is not installed for them), so they cannot be asked here. Contact them directly and add a note.',
    );
    expect(await s.events()).toHaveLength(before);
    expect(s.sent).toEqual([]);
  });

  it('does not ask when Microsoft 365 did not say who shared the file', async () => {
    const { sharedBy: _sharer, ...anonymous } = share(1);
    const s = await setup({ shares: [anonymous] });
    const before = (await s.events()).length;
    const card = await s.press(dslA, verbs.sharingAskOwner);
    expect(text(card)).toContain('Microsoft 365 did not say who shared the file, so there is no one to ask.');
    expect(await s.events()).toHaveLength(before);
  });

  it('refuses a second ask before the owner answers, and anyone outside the route', async () => {
    const s = await setup();
    await s.press(dslA, verbs.sharingAskOwner);
    expect(await refused(s.press(dslA, verbs.sharingAskOwner))).toEqual({
      code: 'CASE_TRANSITION_REFUSED',
      reason: 'alreadyAsked',
    });
    expect(await refused(s.press(tutor, verbs.sharingAskOwner))).toMatchObject({ code: 'NOT_AUTHORISED' });
    expect((await s.events()).filter((e) => e.type === 'ownerAsked')).toHaveLength(1);
    expect(s.sent.filter((m) => m.kind === 'owner.ask')).toHaveLength(1);
  });
});

describe('Accept with reason', () => {
  it.each([
    ['no reason', {}],
    ['an empty reason', { [caseInputs.acceptReason]: '   ' }],
    ['a reason over 500 characters', { [caseInputs.acceptReason]: 'x'.repeat(501) }],
    ['a reason that is not text', { [caseInputs.acceptReason]: 42 }],
  ])('gives the card back with the problem named for %s, and leaves the case open', async (_name, data) => {
    const s = await setup();
    const before = (await s.events()).length;
    const card = valid(await s.press(dslA, verbs.sharingAccept, data));
    expect(text(card)).toContain('Say why the sharing is acceptable before accepting it.');
    expect(await s.events()).toHaveLength(before);
    expect((await s.state()).status).toBe('open');
  });

  it('closes the case with no further action and the reason on the record', async () => {
    const s = await setup();
    const card = valid(
      await s.press(dslA, verbs.sharingAccept, {
        [caseInputs.acceptReason]: '  Shared with the exam board under our agreement.  ',
      }),
    );
    expect(await s.state()).toMatchObject({ status: 'closed', outcome: 'noFurtherAction' });
    expect((await s.events()).at(-1)).toMatchObject({
      type: 'closed',
      actorId: dslA.id,
      data: { outcome: 'noFurtherAction' },
      narrative: { note: 'Sharing accepted: Shared with the exam board under our agreement.' },
    });
    expect(text(card).split('\n')).toContain('Outcome: No further action');
    expect(JSON.stringify(card)).not.toContain('Sharing…');
  });

  it('refuses someone outside the route and records nothing', async () => {
    const s = await setup();
    const before = (await s.events()).length;
    expect(
      await refused(s.press(tutor, verbs.sharingAccept, { [caseInputs.acceptReason]: 'Fine.' })),
    ).toMatchObject({ code: 'NOT_AUTHORISED' });
    expect(await s.events()).toHaveLength(before);
  });
});

describe('the owner’s answers', () => {
  async function asked(options: Setup = {}) {
    const s = await setup(options);
    await s.press(dslA, verbs.sharingAskOwner);
    s.sent.length = 0;
    return s;
  }

  it('records "I have removed it" as the owner’s and thanks them', async () => {
    const s = await asked();
    const card = valid(await s.press(owner, verbs.sharingOwnerRemoved));
    const reference = (await s.state()).reference;
    expect(text(card)).toContain('Thank you');
    expect(text(card)).toContain(`Your answer is on the record (reference ${reference}).`);
    expect((await s.events()).at(-1)).toMatchObject({
      type: 'ownerAnswered',
      actorId: owner.id,
      data: { answer: 'removed' },
      narrative: {},
    });
    expect((await s.state()).owner).toEqual({ asked: true, answer: 'removed' });
    expect(s.sent).toEqual([{ kind: 'case.post', caseId: s.caseId }]);
  });

  it('records "It is needed" with the owner’s reason', async () => {
    const s = await asked();
    await s.press(owner, verbs.sharingOwnerNeeded, { [sharingInputs.reason]: ' Parents’ evening list. ' });
    expect((await s.events()).at(-1)).toMatchObject({
      type: 'ownerAnswered',
      data: { answer: 'needed' },
      narrative: { reason: 'Parents’ evening list.' },
    });
    expect((await s.state()).owner).toEqual({ asked: true, answer: 'needed' });
  });

  it.each([
    ['no reason', {}],
    ['an empty reason', { [sharingInputs.reason]: ' ' }],
    ['a reason over 500 characters', { [sharingInputs.reason]: 'y'.repeat(501) }],
  ])('gives the owner’s card back with the problem named for "needed" with %s', async (_name, data) => {
    const s = await asked();
    const before = (await s.events()).length;
    const card = valid(await s.press(owner, verbs.sharingOwnerNeeded, data));
    expect(checkCard(card).verbs).toEqual([verbs.sharingOwnerRemoved, verbs.sharingOwnerNeeded]);
    expect(text(card)).toContain('Say why the sharing is needed, then send it.');
    expect(await s.events()).toHaveLength(before);
    expect((await s.state()).owner).toEqual({ asked: true });
  });

  it('takes an answer only from the owner', async () => {
    const s = await asked();
    for (const someoneElse of [dslA, tutor]) {
      expect(await refused(s.press(someoneElse, verbs.sharingOwnerRemoved))).toMatchObject({
        code: 'NOT_AUTHORISED',
      });
      expect(
        await refused(s.press(someoneElse, verbs.sharingOwnerNeeded, { [sharingInputs.reason]: 'Needed.' })),
      ).toMatchObject({ code: 'NOT_AUTHORISED' });
    }
    expect((await s.events()).map((e) => e.type)).not.toContain('ownerAnswered');
  });

  it('refuses an answer from an owner who was not asked', async () => {
    const s = await setup();
    expect(await refused(s.press(owner, verbs.sharingOwnerRemoved))).toEqual({
      code: 'CASE_TRANSITION_REFUSED',
      reason: 'notAsked',
    });
  });

  it('records the answer after the case was closed', async () => {
    const s = await asked();
    await s.press(dslA, verbs.sharingAccept, { [caseInputs.acceptReason]: 'IT removed it.' });
    const card = await s.press(owner, verbs.sharingOwnerRemoved);
    expect(text(card)).toContain('Your answer is on the record');
    expect(await s.state()).toMatchObject({ status: 'closed', owner: { asked: true, answer: 'removed' } });
  });

  // BUG (bot/sharing-actions.ts, ownerAnswer): the reason is checked before who is answering, so
  // anyone who presses "It is needed" without a reason on a case's id — not the owner, not in the
  // route — gets the owner's card back with the case summary (file name, what was found). The
  // answerer should be checked to be the owner (state.subjectId) first. Passes once that is fixed;
  // then drop `.failing`.
  it('shows the case to nobody but its owner, even without a reason', async () => {
    const s = await asked();
    const summary = (await s.state()).narrative.summary;
    expect(summary).toContain('Learner 1 support plan.docx');
    const shown = await s.press(tutor, verbs.sharingOwnerNeeded).then(
      (card) => text(card),
      () => '',
    );
    expect(shown).not.toContain('Learner 1 support plan');
  });
});
