import { CaseService } from '../../../core/cases/case-service';
import { silentLogger } from '../../../core/logger';
import { followUps, type OutboxMessage } from '../../../core/outbox/outbox';
import { sweepCasePosts } from '../../../core/outbox/sweep';
import { defaultPack, dslA, report, staff, steppingClock } from '../../support/fixtures';
import { MemoryCaseStore } from '../../support/memory-case-store';
import { MemoryConversationStore } from '../../support/memory-conversation-store';

async function setup() {
  const cases = new CaseService({
    store: new MemoryCaseStore(),
    pack: defaultPack,
    clock: steppingClock(),
    log: silentLogger,
  });
  const conversations = new MemoryConversationStore();
  const sent: OutboxMessage[] = [];
  const deps = {
    cases,
    conversations,
    outbox: { send: (m: OutboxMessage) => Promise.resolve(void sent.push(m)) },
    clock: steppingClock('2026-11-23T12:00:00.000Z'),
    log: silentLogger,
  };
  await conversations.saveRoute('dsl', { reference: {}, channelId: '19:dsl' });
  return { cases, conversations, sent, deps };
}

describe('case card sweep', () => {
  it('re-queues a card that was never posted, and one that shows an older version of its case', async () => {
    const { cases, conversations, sent, deps } = await setup();
    const unposted = (await cases.open(report(), staff, 'a')).state;
    const stale = (await cases.open(report(), staff, 'b')).state;
    await conversations.putCardPost(stale.id, { post: { conversation: {}, activityId: '1' }, version: 1 });
    await cases.act(stale.id, dslA, { kind: 'claim' });
    const current = (await cases.open(report(), staff, 'c')).state;
    await conversations.putCardPost(current.id, {
      post: { conversation: {}, activityId: '2' },
      version: current.version,
    });

    expect(await sweepCasePosts(deps)).toBe(2);
    expect(sent.map((m) => (m.kind === 'case.post' ? m.caseId : m.kind)).sort()).toEqual(
      [unposted.id, stale.id].sort(),
    );
  });

  it('leaves cases on a route with no channel to `register`', async () => {
    const { cases, sent, deps } = await setup();
    await cases.open(report({ subjectType: 'staff', category: 'inappropriate-staff-contact' }), staff, 'k');
    expect(await sweepCasePosts(deps)).toBe(0);
    expect(sent).toEqual([]);
  });
});

describe('follow-ups of a change', () => {
  it('posts the card on every change and tells the reporter of a claim or a close', async () => {
    const { cases } = await setup();
    const opened = await cases.open(report(), staff, 'k');
    const claimed = await cases.act(opened.state.id, dslA, { kind: 'claim' });
    const noted = await cases.act(opened.state.id, dslA, { kind: 'addNote', note: 'n' });
    const closed = await cases.act(opened.state.id, dslA, { kind: 'close', outcome: 'noFurtherAction' });
    const id = opened.state.id;
    expect(followUps(claimed.state, claimed.event)).toEqual([
      { kind: 'case.post', caseId: id },
      { kind: 'reporter.notify', caseId: id, change: 'claimed' },
    ]);
    expect(followUps(noted.state, noted.event)).toEqual([{ kind: 'case.post', caseId: id }]);
    expect(followUps(closed.state, closed.event)).toEqual([
      { kind: 'case.post', caseId: id },
      { kind: 'reporter.notify', caseId: id, change: 'closed' },
    ]);
  });
});
