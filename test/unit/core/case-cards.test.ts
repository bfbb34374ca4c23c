import { CaseService } from '../../../core/cases/case-service';
import type { CaseState } from '../../../core/cases/case-state';
import type { CardPost, ConversationRef } from '../../../core/conversations';
import { silentLogger } from '../../../core/logger';
import { showCaseCard, type TeamsSender } from '../../../core/outbox/cards';
import { defaultPack, dslA, report, staff } from '../../support/fixtures';
import { MemoryCaseStore } from '../../support/memory-case-store';
import { MemoryConversationStore } from '../../support/memory-conversation-store';

/**
 * A recording Teams: every thread it was asked to start, and the case version each thread shows
 * (the last write to it wins, as in a Teams channel). Sends take a little while, like HTTP.
 */
class RecordingTeams implements Pick<
  TeamsSender,
  'postCaseCard' | 'updateCaseCard' | 'retireCaseCard' | 'postNotice' | 'tellReporter'
> {
  readonly threads = new Map<string, number>();
  failNext = 0;
  private n = 0;

  async postCaseCard(_place: ConversationRef, state: CaseState): Promise<CardPost> {
    await this.io();
    const activityId = `a${++this.n}`;
    this.threads.set(activityId, state.version);
    return { conversation: { id: 'channel' }, activityId };
  }
  async updateCaseCard(post: CardPost, state: CaseState): Promise<void> {
    await this.io();
    this.threads.set(post.activityId, state.version);
  }
  postNotice = () => Promise.resolve({ conversation: { id: 'channel' }, activityId: 'notice' });
  retireCaseCard = () => Promise.resolve();
  tellReporter = () => Promise.resolve();

  private async io() {
    await new Promise((r) => setTimeout(r, Math.random() * 5));
    if (this.failNext > 0) {
      this.failNext--;
      throw Object.assign(new Error('Bad Gateway'), { statusCode: 502 });
    }
  }
}

async function setup() {
  let now = Date.parse('2026-11-23T09:00:00Z');
  const clock = { now: () => new Date(now) };
  const store = new MemoryCaseStore();
  const cases = new CaseService({ store, pack: defaultPack, clock, log: silentLogger });
  const conversations = new MemoryConversationStore();
  await conversations.saveRoute('dsl', { reference: { serviceUrl: 'x', conversation: { id: 'c' } } });
  const teams = new RecordingTeams();
  const deps = { cases, conversations, sender: teams, clock, log: silentLogger };
  const { state } = await cases.open(report(), staff, `k${Math.random()}`);
  return { cases, conversations, teams, deps, caseId: state.id, advance: (ms: number) => (now += ms) };
}

describe('case cards', () => {
  it('posts a case once, then updates that card in place', async () => {
    const { cases, teams, deps, caseId } = await setup();
    await showCaseCard(deps, caseId);
    await cases.act(caseId, dslA, { kind: 'claim' });
    await showCaseCard(deps, caseId);
    await showCaseCard(deps, caseId); // a redelivered message: nothing to do
    expect([...teams.threads.values()]).toEqual([2]);
  });

  it('makes one thread showing the last version when 20 changes are posted by many workers at once', async () => {
    const { cases, teams, deps, caseId } = await setup();
    const posts: Promise<void>[] = [showCaseCard(deps, caseId)];
    for (let i = 1; i <= 20; i++) {
      await cases.act(caseId, dslA, { kind: 'addNote', note: `note ${i}` });
      // Each change queues one post; two workers take them as they come.
      posts.push(showCaseCard(deps, caseId), showCaseCard(deps, caseId));
    }
    await Promise.all(posts);
    expect(teams.threads.size).toBe(1);
    expect([...teams.threads.values()]).toEqual([21]);
  });

  it('gives the lease back when Teams fails, so the retry posts at once and only once', async () => {
    const { teams, deps, caseId, conversations } = await setup();
    teams.failNext = 1;
    await expect(showCaseCard(deps, caseId)).rejects.toThrow('Bad Gateway');
    expect((await conversations.cardPost(caseId))?.record.lease).toBeUndefined();
    await showCaseCard(deps, caseId);
    expect([...teams.threads.values()]).toEqual([1]);
  });

  it('leaves a card to the worker holding its lease, and takes over only once the lease has expired', async () => {
    const { teams, deps, caseId, conversations, advance } = await setup();
    // A worker took the lease and died before Teams answered (or after: it cannot be told apart).
    await conversations.putCardPost(caseId, {
      version: 0,
      lease: { holder: 'dead-worker', until: '2026-11-23T09:02:00.000Z' },
    });
    await showCaseCard(deps, caseId);
    expect(teams.threads.size).toBe(0);
    advance(3 * 60_000);
    await showCaseCard(deps, caseId);
    expect(teams.threads.size).toBe(1);
    expect((await conversations.cardPost(caseId))?.record).toMatchObject({
      version: 1,
      post: { activityId: 'a1' },
    });
  });

  it('documents the one window: a crash between Teams accepting a thread and the record write makes a second thread, after the lease', async () => {
    const { teams, deps, caseId, conversations, advance } = await setup();
    const put = conversations.putCardPost.bind(conversations);
    // The process dies right after Teams accepted the thread: every record write fails from then on.
    jest
      .spyOn(conversations, 'putCardPost')
      .mockImplementationOnce(put)
      .mockRejectedValue(Object.assign(new Error('process killed'), { statusCode: undefined }));
    await expect(showCaseCard(deps, caseId)).rejects.toThrow('process killed');
    jest.restoreAllMocks();
    expect(teams.threads.size).toBe(1);
    // Until the lease expires (2 minutes), nobody posts again …
    await showCaseCard(deps, caseId);
    expect(teams.threads.size).toBe(1);
    // … then the next worker cannot know the thread exists, and posts it again.
    advance(3 * 60_000);
    await showCaseCard(deps, caseId);
    expect(teams.threads.size).toBe(2);
  });

  it('posts nothing and claims nothing while the route has no channel', async () => {
    const { teams, cases, deps, conversations } = await setup();
    const { state } = await cases.open(
      report({ subjectType: 'staff', category: 'inappropriate-staff-contact' }),
      staff,
      'staff-case',
    );
    await showCaseCard(deps, state.id);
    expect(teams.threads.size).toBe(0);
    expect(await conversations.cardPost(state.id)).toBeUndefined();
  });
});
