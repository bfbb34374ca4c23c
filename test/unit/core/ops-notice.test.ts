/**
 * The operator notice in a route's channel: one live card per outage — posted when notifications
 * first wait, updated with what waits, turned into "nothing is waiting" when they are replayed —
 * and the hourly gate on the queue triggers' notices.
 */
import type { CardPost, ConversationRef } from '../../../core/conversations';
import { silentLogger } from '../../../core/logger';
import { noticeOperators } from '../../../core/outbox/ops-notice';
import type { NoticeView, OutboxMessage } from '../../../core/outbox/outbox';
import { deliverOutboxMessage, type OutboxWorkerDeps } from '../../../core/outbox/outbox-worker';
import { opsNoticeCard } from '../../../cards/message/message';
import { defaultPack, steppingClock } from '../../support/fixtures';
import { MemoryConversationStore } from '../../support/memory-conversation-store';
import { MemorySignalLedger } from '../../support/memory-signal-ledger';

class NoticeBoard {
  readonly cards = new Map<string, NoticeView>();
  readonly threads: string[] = [];
  postNotice(_place: ConversationRef, view: NoticeView): Promise<CardPost> {
    const activityId = `n${this.threads.length + 1}`;
    this.threads.push(activityId);
    this.cards.set(activityId, view);
    return Promise.resolve({ conversation: { id: 'dsl' }, activityId });
  }
  updateNotice(post: CardPost, view: NoticeView): Promise<void> {
    this.cards.set(post.activityId, view);
    return Promise.resolve();
  }
}

async function setUp() {
  const conversations = new MemoryConversationStore();
  await conversations.saveRoute('dsl', { conversation: { id: 'dsl' } });
  const board = new NoticeBoard();
  const deps = {
    pack: defaultPack,
    conversations,
    sender: board,
    clock: steppingClock(),
    log: silentLogger,
  } as unknown as OutboxWorkerDeps;
  const deliver = (view: NoticeView) =>
    deliverOutboxMessage(deps, { kind: 'ops.notice', route: 'dsl', ...view });
  return { board, deliver };
}

describe('the operator notice card', () => {
  it('is posted once, updated with what waits, then cleared in place', async () => {
    const { board, deliver } = await setUp();
    await deliver({ notice: 'signalPoisoned', count: 1, at: '2026-12-03T09:00:00.000Z' });
    await deliver({ notice: 'signalPoisoned', count: 4, at: '2026-12-03T09:00:00.000Z' });
    expect(board.threads).toEqual(['n1']);
    expect(board.cards.get('n1')).toMatchObject({ notice: 'signalPoisoned', count: 4 });

    await deliver({ notice: 'signalsReplayed', count: 4, at: '2026-12-03T09:15:00.000Z' });
    expect(board.threads).toEqual(['n1']);
    expect(board.cards.get('n1')).toMatchObject({ notice: 'signalsReplayed', count: 4 });
  });

  it('gives the next outage a card of its own, leaving the cleared one as it is', async () => {
    const { board, deliver } = await setUp();
    await deliver({ notice: 'signalPoisoned', count: 2 });
    await deliver({ notice: 'signalsReplayed', count: 2 });
    await deliver({ notice: 'signalPoisoned', count: 1 });
    expect(board.threads).toEqual(['n1', 'n2']);
    expect(board.cards.get('n1')?.notice).toBe('signalsReplayed');
    expect(board.cards.get('n2')?.notice).toBe('signalPoisoned');
  });

  it('turns the same card into "needs IT" when what waits will not be replayed again', async () => {
    const { board, deliver } = await setUp();
    await deliver({ notice: 'signalPoisoned', count: 2 });
    await deliver({ notice: 'signalsStuck', count: 2 });
    expect(board.threads).toEqual(['n1']);
    expect(board.cards.get('n1')?.notice).toBe('signalsStuck');
    const text = JSON.stringify(opsNoticeCard(board.cards.get('n1')!));
    expect(text).toContain('Monitoring notifications need IT');
    expect(text).not.toContain('tried again automatically');
  });

  it('posts nothing when there is nothing to clear', async () => {
    const { board, deliver } = await setUp();
    await deliver({ notice: 'signalsReplayed', count: 3 });
    expect(board.threads).toEqual([]);
  });
});

describe('the queue triggers telling operators', () => {
  it('send at most one notice an hour while messages keep being poisoned', async () => {
    const sent: OutboxMessage[] = [];
    const deps = {
      ledger: new MemorySignalLedger(),
      outbox: { send: (m: OutboxMessage) => Promise.resolve(void sent.push(m)) },
      clock: steppingClock(),
      log: silentLogger,
    };
    for (let n = 1; n <= 3; n++) await noticeOperators(deps, 'dsl', { notice: 'signalPoisoned', count: n });
    expect(sent).toEqual([{ kind: 'ops.notice', route: 'dsl', notice: 'signalPoisoned', count: 1 }]);
  });
});
