import { CaseService } from '../../../core/cases/case-service';
import type { ChatMessageFacts, Participant } from '../../../core/detection/chat-signal';
import { silentLogger } from '../../../core/logger';
import { SignalIntake } from '../../../core/intake/signal-intake';
import { ChatMonitor } from '../../../core/monitoring/chat-monitor';
import { MemoryCaseStore } from '../../support/memory-case-store';
import { MemorySignalLedger } from '../../support/memory-signal-ledger';
import { MemoryTextClassifier } from '../../support/memory-text-classifier';
import { defaultPack, dslA } from '../../support/fixtures';

const learnersGroup = defaultPack.roles['learners']!.groupId;
const lee: Participant = { id: 'lee', displayName: 'Lee Learner', identity: 'internal' };
const stranger: Participant = { id: '8:live:x', displayName: 'Alex', identity: 'personal' };

function setup(start = Date.parse('2026-11-23T09:00:00Z'), classifier?: MemoryTextClassifier) {
  let now = start;
  const clock = { now: () => new Date(now) };
  const store = new MemoryCaseStore();
  const cases = new CaseService({ store, pack: defaultPack, clock, log: silentLogger });
  const ledger = new MemorySignalLedger();
  const intake = new SignalIntake({
    pack: defaultPack,
    cases,
    ledger,
    clock,
    log: silentLogger,
  });
  const monitor = new ChatMonitor({
    pack: defaultPack,
    intake,
    members: { members: () => Promise.resolve([lee, stranger]), forget: () => undefined },
    directory: { isMember: (user, group) => Promise.resolve(group === learnersGroup && user === 'lee') },
    indicators: ledger,
    clock,
    log: silentLogger,
    ...(classifier && { classifier }),
  });
  return { monitor, cases, store, advance: (ms: number) => (now += ms) };
}

let seq = 1_700_000_000_000;
function message(text: string, chatId = '19:chat-a@thread.v2'): ChatMessageFacts {
  return {
    messageId: String(seq++),
    conversation: { kind: 'chat', chatId },
    sender: stranger,
    text,
    createdAt: '2026-11-23T09:00:00Z',
    link: `https://teams.microsoft.com/l/message/${chatId}/1`,
  };
}

describe('chat monitor', () => {
  it('opens one case for a message, with the other signals in it on the chronology', async () => {
    const { monitor, cases } = setup();
    const result = await monitor.handle(message('what school do you go to?'));
    expect(result).toMatchObject({ outcome: 'opened', added: 2 });
    const [summary] = await cases.list();
    expect(summary).toMatchObject({ source: 'chatSignal', category: 'grooming', subjectId: 'lee' });
    const events = await cases.chronology(summary!.id);
    expect(events.map((e) => e.type)).toEqual(['opened', 'signalAdded']);
    const opened = events[0]!;
    expect(opened.type === 'opened' && opened.narrative.excerpt).toBe('what school do you go to?');
    expect(opened.type === 'opened' && opened.data.signal?.participantIds).toEqual(['8:live:x', 'lee']);
  });

  it('says on the case which words matched, which library entry, and why a DSL should look', async () => {
    const { monitor, cases } = setup();
    await monitor.handle(message('so r u alone rn?'));
    const [summary] = await cases.list();
    const [opened] = await cases.chronology(summary!.id);
    const entry = defaultPack.detection.library.find(
      (e) => e.id === (opened?.type === 'opened' ? opened.data.signal?.entry : ''),
    );
    expect(entry?.category).toBe('grooming');
    expect(opened?.type === 'opened' && opened.narrative.description).toContain('"are you alone"');
    expect(opened?.type === 'opened' && opened.narrative.description).toContain(entry!.why);
  });

  it('treats a redelivered message as already recorded', async () => {
    const { monitor, cases } = setup();
    const m = message('are you alone');
    await monitor.handle(m);
    expect(await monitor.handle(m)).toEqual({ outcome: 'seenBefore' });
    expect(await cases.list()).toHaveLength(1);
  });

  it('processes the same message arriving five times at once into one case and one set of events', async () => {
    const { monitor, cases } = setup();
    const m = message('delete our chats so no one sees');
    await Promise.all(Array.from({ length: 5 }, () => monitor.handle(m)));
    const all = await cases.list();
    expect(all).toHaveLength(1);
    expect((await cases.chronology(all[0]!.id)).map((e) => e.type)).toEqual(['opened', 'signalAdded']);
  });

  it('adds later signals in the chat to the open case within the window, and opens a new case after it', async () => {
    const { monitor, cases, advance } = setup();
    await monitor.handle(message('are you alone'));
    advance(30 * 60_000);
    expect(await monitor.handle(message('send me a nude'))).toMatchObject({ outcome: 'joined', added: 1 });
    expect(await cases.list()).toHaveLength(1);
    advance(61 * 60_000);
    expect(await monitor.handle(message('our little secret'))).toMatchObject({ outcome: 'opened' });
    expect(await cases.list()).toHaveLength(2);
  });

  it('opens a new case when the DSL closed the chat’s case, instead of writing to a closed one', async () => {
    const { monitor, cases } = setup();
    const first = await monitor.handle(message('are you alone'));
    const caseId = first.outcome === 'opened' ? first.caseId : '';
    await cases.act(caseId, dslA, { kind: 'close', outcome: 'noFurtherAction' });
    const next = await monitor.handle(message('send me a nude'));
    expect(next).toMatchObject({ outcome: 'opened' });
    expect(next.outcome === 'opened' && next.caseId).not.toBe(caseId);
  });

  it('adds what an edit newly says to the case its message went to, even after the window, never a new case', async () => {
    const { monitor, cases, advance } = setup();
    const original = message('hi there');
    await monitor.handle(original);
    advance(3 * 60 * 60_000);
    const edited = { ...original, text: 'hi there, our little secret' };
    expect(await monitor.handle(edited)).toMatchObject({ outcome: 'joined', added: 1 });
    const all = await cases.list();
    expect(all).toHaveLength(1);
    expect(all[0]?.severity).toBe('high');
  });

  it('keeps different chats apart', async () => {
    const { monitor, cases } = setup();
    await monitor.handle(message('are you alone', '19:chat-a@thread.v2'));
    await monitor.handle(message('are you alone', '19:chat-b@thread.v2'));
    expect(await cases.list()).toHaveLength(2);
  });

  it('raises the case to the most severe signal added', async () => {
    const { monitor, cases } = setup();
    await monitor.handle(message('hi there'));
    expect((await cases.list())[0]?.severity).toBe('medium');
    await monitor.handle(message('our little secret'));
    expect((await cases.list())[0]?.severity).toBe('high');
  });
});

describe('the machine-learning layer', () => {
  const words = 'the weather is grey again today';

  it('turns a rating the pack counts into a signal explained on the case, about the learner at risk', async () => {
    const classifier = new MemoryTextClassifier({ [words]: [{ category: 'selfHarm', severity: 5 }] });
    const { monitor, cases } = setup(undefined, classifier);
    const lees = { ...message(words), sender: lee };
    expect(await monitor.handle(lees)).toMatchObject({ outcome: 'opened' });
    const [summary] = await cases.list();
    expect(summary).toMatchObject({ category: 'self-harm', severity: 'high', subjectId: 'lee' });
    const state = await cases.get(summary!.id);
    expect(state).toMatchObject({ subjectPart: 'harmed' });
    expect(state?.narrative.summary).toContain('rated this message self-harm 5 of 7');
  });

  it('ignores a rating below the level the pack sets', async () => {
    const classifier = new MemoryTextClassifier({ [words]: [{ category: 'violence', severity: 2 }] });
    const { monitor, cases } = setup(undefined, classifier);
    await monitor.handle(message(words));
    // Only the stranger's presence is on the case: the rating below the pack's level is not.
    const [summary] = await cases.list();
    const events = await cases.chronology(summary!.id);
    expect(events.map((e) => (e.type === 'opened' ? e.data.signal?.kind : e.type))).toEqual([
      'externalContact',
    ]);
  });

  it('is not asked about a conversation with no learner in it', async () => {
    const classifier = new MemoryTextClassifier();
    const { monitor } = setup(undefined, classifier);
    const staffOnly = {
      ...message('a staff-room chat'),
      sender: { id: 'tariq', identity: 'internal' as const },
    };
    const noLearners = new ChatMonitor({
      ...(monitor as unknown as { deps: ConstructorParameters<typeof ChatMonitor>[0] }).deps,
      members: { members: () => Promise.resolve([]), forget: () => undefined },
    });
    await noLearners.handle(staffOnly);
    expect(classifier.classified).toEqual([]);
  });

  it('lets the library decide alone when the service does not answer', async () => {
    const classifier = new MemoryTextClassifier({ 'are you alone': 'unavailable' });
    const { monitor, cases } = setup(undefined, classifier);
    expect(await monitor.handle(message('are you alone'))).toMatchObject({ outcome: 'opened' });
    expect((await cases.list())[0]).toMatchObject({ category: 'grooming' });
  });
});
