/**
 * Each bot route on its own, through botbuilder's in-memory TestAdapter: no HTTP, no storage.
 * (test/e2e drives the same routes over HTTP against Azurite.)
 */
import { TestAdapter, type Activity } from 'botbuilder';
import { EsafetyBot } from '../../../bot/esafety-bot';
import { AssessmentService } from '../../../core/assessments/assessment-service';
import { CaseService } from '../../../core/cases/case-service';
import type { Directory } from '../../../core/auth/authorise';
import { silentLogger } from '../../../core/logger';
import type { OutboxMessage } from '../../../core/outbox/outbox';
import { defaultPack, report, staff, steppingClock } from '../../support/fixtures';
import { MemoryAssessmentStore } from '../../support/memory-assessment-store';
import { MemoryCaseStore } from '../../support/memory-case-store';
import { QuizService } from '../../../core/quizzes/quiz-service';
import { MemoryQuizStore } from '../../support/memory-quiz-store';
import { MemoryDraftStore } from '../../support/memory-draft-store';
import { MemoryConversationStore } from '../../support/memory-conversation-store';

const dslGroup = defaultPack.roles['dsl']!.groupId;
const dana = { id: '29:dana', name: 'Dana DSL', aadObjectId: 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' };
const tariq = { id: '29:tariq', name: 'Tariq Tutor', aadObjectId: '55555555-5555-4555-8555-555555555555' };
const sam = { id: '29:sam', name: 'Sam Staff', aadObjectId: staff.id };
const directory: Directory = {
  isMember: (user, group) => Promise.resolve(group === dslGroup && user === dana.aadObjectId),
};

function setup() {
  const store = new MemoryCaseStore();
  const cases = new CaseService({ store, pack: defaultPack, clock: steppingClock(), log: silentLogger });
  const conversations = new MemoryConversationStore();
  const sent: OutboxMessage[] = [];
  const assessments = new AssessmentService({
    store: new MemoryAssessmentStore(),
    drafts: new MemoryDraftStore(),
    pack: defaultPack,
    directory,
    clock: steppingClock(),
    log: silentLogger,
  });
  const quizzes = new QuizService({
    store: new MemoryQuizStore(),
    pack: defaultPack,
    directory,
    clock: steppingClock(),
    log: silentLogger,
  });
  const bot = new EsafetyBot({
    cases,
    assessments,
    quizzes,
    pack: defaultPack,
    directory,
    conversations,
    outbox: { send: (m) => Promise.resolve(void sent.push(m)) },
    clock: steppingClock(),
    log: silentLogger,
  });
  const adapter = new TestAdapter((context) => bot.run(context));
  return { adapter, cases, conversations, sent };
}

const personal = { id: 'a:personal', conversationType: 'personal' };
const channel = { id: '19:dsl@thread.tacv2;messageid=1', conversationType: 'channel', isGroup: true };
const say = (from: typeof sam, text: string, conversation: object = personal): Partial<Activity> => ({
  type: 'message',
  text,
  from,
  conversation: conversation as Activity['conversation'],
  ...(conversation === channel && { channelData: { channel: { id: '19:dsl@thread.tacv2' } } }),
});
const invoke = (from: typeof sam, verb: string, data: object): Partial<Activity> => ({
  type: 'invoke',
  name: 'adaptiveCard/action',
  from,
  conversation: personal as Activity['conversation'],
  value: { action: { type: 'Action.Execute', verb, data } },
});
const cardText = (a: Partial<Activity>) =>
  JSON.stringify(a.attachments?.[0]?.content ?? (a.value as { body?: unknown })?.body ?? a.value);

describe('bot routes', () => {
  it('answers "report" in personal chat with the report form', async () => {
    const { adapter } = setup();
    await adapter
      .send(say(sam, 'report'))
      .assertReply((a) => expect(cardText(a)).toContain('Report an e-safety concern'));
  });

  it('keeps reports out of channels', async () => {
    const { adapter } = setup();
    await adapter
      .send(say(sam, 'report', channel))
      .assertReply((a) => expect(cardText(a)).toContain('Report in a private chat'));
  });

  it.each(['help', 'what is this?'])('answers "%s" with help', async (text) => {
    const { adapter } = setup();
    await adapter
      .send(say(sam, text))
      .assertReply((a) => expect(cardText(a)).toContain('Never promise confidentiality'));
  });

  it('lists open cases for a DSL and refuses anyone else', async () => {
    const { adapter, cases } = setup();
    const { state } = await cases.open(report(), staff, 'k');
    await adapter.send(say(dana, 'cases')).assertReply((a) => expect(cardText(a)).toContain(state.reference));
    await adapter
      .send(say(tariq, 'cases'))
      .assertReply((a) => expect(cardText(a)).toContain('Only the safeguarding team'));
  });

  it('registers a channel for a route when a member asks, and posts the cases that were waiting', async () => {
    const { adapter, cases, conversations, sent } = setup();
    const { state } = await cases.open(report(), staff, 'k');
    await adapter
      .send(say(tariq, 'register dsl', channel))
      .assertReply((a) => expect(cardText(a)).toContain('Not allowed'));
    expect(await conversations.route('dsl')).toBeUndefined();
    await adapter
      .send(say(dana, 'register dsl', channel))
      .assertReply((a) => expect(cardText(a)).toContain('Posting 1 open case'));
    expect(await conversations.route('dsl')).toMatchObject({ channelId: '19:dsl@thread.tacv2' });
    expect(sent).toEqual([{ kind: 'case.post', caseId: state.id }]);
  });

  it('remembers the reporter’s personal chat so they can be told when their case moves', async () => {
    const { adapter, conversations } = setup();
    await adapter.send(say(sam, 'hello')).assertReply(() => undefined);
    expect(await conversations.user(sam.aadObjectId)).toMatchObject({ conversation: { id: 'a:personal' } });
  });

  it('returns the form with the problem for an invalid report, and a receipt for a valid one', async () => {
    const { adapter } = setup();
    await adapter
      .send(
        invoke(sam, 'incident.submit', {
          subjectType: 'learner',
          under18: 'yes',
          category: 'contact',
          subcategory: 'grooming',
        }),
      )
      .assertReply((a) => expect(cardText(a)).toContain('Describe what happened.'));
    await adapter
      .send(
        invoke(sam, 'incident.submit', {
          subjectType: 'learner',
          under18: 'yes',
          category: 'contact',
          subcategory: 'grooming',
          description: 'Secret chats.',
        }),
      )
      .assertReply((a) => expect(cardText(a)).toMatch(/Concern received: ES-\d{4}-\d{4}/));
  });

  it('lets a DSL claim and refuses a tutor without recording anything', async () => {
    const { adapter, cases } = setup();
    const { state } = await cases.open(report(), staff, 'k');
    await adapter
      .send(invoke(tariq, 'case.claim', { caseId: state.id }))
      .assertReply((a) => expect(cardText(a)).toContain('Not allowed'));
    expect(await cases.chronology(state.id)).toHaveLength(1);
    await adapter
      .send(invoke(dana, 'case.claim', { caseId: state.id }))
      .assertReply((a) => expect(cardText(a)).toContain('Dana DSL claimed the case'));
  });

  it('refuses a card action from an activity without an Entra identity', async () => {
    const { adapter } = setup();
    await adapter
      .send(invoke({ id: '29:x', name: 'Nobody', aadObjectId: '' }, 'case.claim', { caseId: 'c1' }))
      .assertReply((a) => expect(cardText(a)).toContain('could not be identified'));
  });
});
