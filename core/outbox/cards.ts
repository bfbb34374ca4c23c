/**
 * One card per case (and per risk assessment, quiz class card and tutor's progress card), however
 * many workers post at once. The card record (ConversationStore
 * `cardPost`) is only written by compare-and-swap, and only by the worker holding its lease:
 *
 * 1. A worker takes the lease (a short-lived claim written into the record) before it calls Teams.
 *    A worker that finds the lease held by someone else leaves the card to them and stops: the
 *    holder, after it releases the lease, reads the case again and shows any newer version itself.
 * 2. The holder posts the card (a new thread, the first time) or updates it in place, then writes
 *    where the card is and which version it shows, releasing the lease in the same write.
 * 3. It then reads the case again; if a change was committed meanwhile it takes the lease again and
 *    updates the card, so the card ends on the last version.
 *
 * The one window left, documented and tested: a worker that crashes after Teams accepted a new
 * thread but before the record write (milliseconds) leaves a lease without a post. When that lease
 * expires the next worker cannot tell whether the thread exists (the Bot Connector cannot list a
 * channel's messages), so it posts again and logs `post.retakenAfterCrash`. A crash during an
 * update is harmless: the next update replaces the card. The case post sweep re-queues any card
 * left behind its case, so an expired lease is always followed up.
 */
import { randomUUID } from 'node:crypto';
import { backOff } from 'exponential-backoff';
import type { CaseEvent } from '../cases/case-events';
import type { CaseService } from '../cases/case-service';
import type { CaseState } from '../cases/case-state';
import type { Clock } from '../clock';
import type { CardPost, CardPostRecord, ConversationRef, ConversationStore } from '../conversations';
import { fail, toEsafetyError } from '../errors';
import type { Logger } from '../logger';
import type { AssessmentEvent, AssessmentState } from '../assessments/assessment';
import type { PersonResult, QuizRun, QuizSnapshot, Tally } from '../quizzes/quiz';
import type { NoticeView, RequesterChange } from './outbox';

/** Teams, as the outbox needs it (bot/teams-sender.ts): it renders the cards and paces the sends. */
export interface TeamsSender {
  /** A new thread (or message, in a chat) with the case card in a route's place; where it went. */
  postCaseCard(place: ConversationRef, state: CaseState, events: readonly CaseEvent[]): Promise<CardPost>;
  /** Replaces the card of an earlier post with the case as it is now. */
  updateCaseCard(post: CardPost, state: CaseState, events: readonly CaseEvent[]): Promise<void>;
  /** Replaces a purged case's card with a notice that its record was deleted. */
  retireCaseCard(post: CardPost, reference: string): Promise<void>;
  /** An operator notice in its own thread, in fixed wording. */
  postNotice(place: ConversationRef, notice: NoticeView): Promise<CardPost>;
  /** Shows the notice's new state on its card, in place. */
  updateNotice(post: CardPost, notice: NoticeView): Promise<void>;
  /** A short message to a reporter that their concern moved (no detail). */
  tellReporter(user: ConversationRef, state: CaseState, change: 'claimed' | 'closed'): Promise<void>;
  /** A risk assessment's approver card, new in its route's place; where it went. */
  postAssessmentCard(
    place: ConversationRef,
    state: AssessmentState,
    events: readonly AssessmentEvent[],
  ): Promise<CardPost>;
  updateAssessmentCard(
    post: CardPost,
    state: AssessmentState,
    events: readonly AssessmentEvent[],
  ): Promise<void>;
  /** The requester's card in their chat: the decision, the approver's question, a review reminder. */
  tellRequester(user: ConversationRef, state: AssessmentState, change: RequesterChange): Promise<void>;
  /** A quiz's class card, new in its class; where it went. */
  postQuizCard(place: ConversationRef, run: QuizRun, quiz: QuizSnapshot): Promise<CardPost>;
  /** The tutor's progress card, new in their chat; where it went. */
  postProgressCard(place: ConversationRef, run: QuizRun, quiz: QuizSnapshot, tally: Tally): Promise<CardPost>;
  /** Replaces the tutor's progress card with the class's figures as they are now. */
  updateProgressCard(post: CardPost, run: QuizRun, quiz: QuizSnapshot, tally: Tally): Promise<void>;
  /** A staff quiz sent to one person, in their chat, with the button that starts it. */
  sendQuiz(user: ConversationRef, run: QuizRun, quiz: QuizSnapshot): Promise<void>;
  /** A learner's reminder in their chat: take the quiz, or what to revisit before trying again. */
  remindLearner(user: ConversationRef, run: QuizRun, quiz: QuizSnapshot, result: PersonResult): Promise<void>;
  /** The owner of a shared file, in their chat: remove the sharing, or say why it is needed. */
  askOwner(user: ConversationRef, state: CaseState): Promise<void>;
}

export interface CardsDeps {
  readonly cases: Pick<CaseService, 'get' | 'chronology'>;
  readonly conversations: ConversationStore;
  readonly sender: Pick<TeamsSender, 'postCaseCard' | 'updateCaseCard'>;
  readonly clock: Clock;
  readonly log: Logger;
  /** How long a lease lasts: longer than the slowest post (Teams' backoff included). */
  readonly leaseMs?: number;
}

const defaultLeaseMs = 2 * 60_000;
/** Rounds of "someone else wrote first, look again" before giving the message back to the queue. */
const maxRounds = 20;

/** What the card machinery needs of the thing a card shows (a case, an assessment). */
interface Shown {
  readonly version: number;
  readonly route: string;
}

/** How one kind of aggregate is read and put on a card. */
export interface CardSubject<S extends Shown> {
  readonly what: string;
  get(id: string): Promise<S | undefined>;
  /** Where its card goes when that is not its route's registered place (a quiz: its class). */
  place?(state: S): Promise<ConversationRef | undefined>;
  /** A new post in the route's place; where it went. */
  post(place: ConversationRef, state: S): Promise<CardPost>;
  /** Replaces an earlier post's card with the state as it is now. */
  update(post: CardPost, state: S): Promise<void>;
}

/** Posts or updates a case's card so that its route's channel shows the case as it is now. */
export function showCaseCard(deps: CardsDeps, caseId: string): Promise<void> {
  const { cases, sender } = deps;
  return showCard(deps, caseId, {
    what: 'case',
    get: (id) => cases.get(id),
    post: async (place, state) => sender.postCaseCard(place, state, await cases.chronology(state.id)),
    update: async (post, state) => sender.updateCaseCard(post, state, await cases.chronology(state.id)),
  });
}

/**
 * Posts or updates the one card of an aggregate (case or assessment) in its route's place, by the
 * lease protocol above. The card record is keyed by the aggregate's id (case and assessment ids
 * never collide: `c…` and `a…`).
 */
export async function showCard<S extends Shown>(
  deps: Pick<CardsDeps, 'conversations' | 'clock' | 'log' | 'leaseMs'>,
  id: string,
  subject: CardSubject<S>,
): Promise<void> {
  const { conversations, clock } = deps;
  const log = deps.log.child({ component: 'cards', [`${subject.what}Id`]: id });
  const leaseMs = deps.leaseMs ?? defaultLeaseMs;
  for (let round = 0; round < maxRounds; round++) {
    const current = await conversations.cardPost(id);
    const record: CardPostRecord = current?.record ?? { version: 0 };
    const now = clock.now().getTime();
    if (record.lease && Date.parse(record.lease.until) > now) {
      // The holder shows the latest version once it is done (step 3): nothing is left undone.
      return log.debug({ event: 'post.leftToHolder' }, 'another worker is posting this card');
    }
    const state = await subject.get(id);
    if (!state) return log.warn({ event: 'post.noCase' }, `nothing to post: ${subject.what} not found`);
    if (record.post && !record.lease && record.version >= state.version) {
      return log.debug({ event: 'post.current' }, 'card already shows this version');
    }
    const place = record.post
      ? undefined
      : subject.place
        ? await subject.place(state)
        : await conversations.route(state.route);
    if (!record.post && !place) {
      // Kept, not dropped: `register <route>` in a channel posts every waiting card.
      return log.warn({ route: state.route, event: 'post.routeUnregistered' }, 'no channel for route');
    }
    const lease = { holder: randomUUID(), until: new Date(now + leaseMs).toISOString() };
    const leaseToken = await conversations.putCardPost(id, { ...record, lease }, current?.token);
    if (leaseToken === undefined) continue; // another worker wrote first: look again
    if (record.lease && !record.post) {
      log.warn({ event: 'post.retakenAfterCrash' }, 'an expired lease left no post: posting again');
    }
    const shown = await showUnderLease(deps, id, subject, record, place, leaseToken);
    if (!shown) return log.warn({ event: 'post.leaseLost' }, 'lease expired before the card was recorded');
    log.info(
      { version: shown.version, event: record.post ? 'post.updated' : 'post.created' },
      record.post ? `${subject.what} card updated` : `${subject.what} card posted`,
    );
    // Changes committed while we held the lease were left to us (step 3).
    const latest = await subject.get(id);
    if (!latest || latest.version <= shown.version) return;
  }
  fail('CASE_CONFLICT', 'The card record kept changing.', { id });
}

/** Shows the state (read now, under the lease) and records the post; undefined if the lease was lost. */
async function showUnderLease<S extends Shown>(
  deps: Pick<CardsDeps, 'conversations'>,
  id: string,
  subject: CardSubject<S>,
  record: CardPostRecord,
  place: ConversationRef | undefined,
  leaseToken: string,
): Promise<{ version: number } | undefined> {
  const { conversations } = deps;
  let post: CardPost;
  let state: S;
  try {
    state = (await subject.get(id)) ?? fail('UNEXPECTED', `The ${subject.what} disappeared.`, { id });
    if (record.post) {
      await subject.update(record.post, state);
      post = record.post;
    } else {
      post = await subject.post(place ?? fail('UNEXPECTED', 'No place to post.', { id }), state);
    }
  } catch (err) {
    // Nothing new was shown: give the lease back so the retry (or another worker) goes at once.
    const { lease: _released, ...released } = record;
    await conversations.putCardPost(id, released, leaseToken).catch(() => undefined);
    throw err;
  }
  // Teams accepted: record it now. A storage blip here must not strand a posted thread, so retry.
  const saved = await backOff(
    () => conversations.putCardPost(id, { post, version: state.version }, leaseToken),
    {
      numOfAttempts: 5,
      startingDelay: 100,
      maxDelay: 2_000,
      retry: (err: unknown) => toEsafetyError(err).kind === 'system',
    },
  );
  return saved === undefined ? undefined : { version: state.version };
}
