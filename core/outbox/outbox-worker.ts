/**
 * The outbox worker: does what a queued outbox message asks (the `case-posts` queue trigger calls
 * it). Failures are thrown so the queue retries them and finally keeps them in its poison queue.
 */
import type { CaseService } from '../cases/case-service';
import type { Clock } from '../clock';
import type { ConversationStore } from '../conversations';
import type { Logger } from '../logger';
import type { PolicyPack } from '../policy/policy-pack';
import type { AssessmentService } from '../assessments/assessment-service';
import type { QuizService } from '../quizzes/quiz-service';
import { showCard, showCaseCard, type TeamsSender } from './cards';
import type { OutboxMessage } from './outbox';

type NoticeMessage = Extract<OutboxMessage, { kind: 'ops.notice' }>;

export interface OutboxWorkerDeps {
  readonly cases: Pick<CaseService, 'get' | 'chronology'>;
  readonly assessments: Pick<AssessmentService, 'get' | 'history'>;
  readonly quizzes: Pick<QuizService, 'run' | 'quizOf' | 'tally' | 'resultOf'>;
  readonly pack: PolicyPack;
  readonly conversations: ConversationStore;
  readonly sender: TeamsSender;
  readonly clock: Clock;
  readonly log: Logger;
}

export async function deliverOutboxMessage(deps: OutboxWorkerDeps, message: OutboxMessage): Promise<void> {
  const { cases, pack, conversations, sender, log } = deps;
  switch (message.kind) {
    case 'case.post':
      return showCaseCard(deps, message.caseId);
    case 'case.retired': {
      const post = (await conversations.cardPost(message.caseId))?.record.post;
      if (!post) return log.info({ caseId: message.caseId, event: 'retire.noCard' }, 'no card to retire');
      await sender.retireCaseCard(post, message.reference);
      return log.info({ caseId: message.caseId, event: 'retire.done' }, 'card of a purged case retired');
    }
    case 'reporter.notify': {
      const state = await cases.get(message.caseId);
      if (!state || pack.routes[state.route]?.notifyReporter === false) return;
      const user = await conversations.user(state.reporterId);
      if (!user)
        return log.info(
          { caseId: state.id, event: 'notify.noConversation' },
          'reporter has no chat with the bot',
        );
      await sender.tellReporter(user, state, message.change);
      return log.info({ caseId: state.id, change: message.change, event: 'notify.sent' }, 'reporter told');
    }
    case 'assessment.post': {
      const { assessments } = deps;
      const get = (id: string) => assessments.get(id).catch(() => undefined);
      return showCard(deps, message.assessmentId, {
        what: 'assessment',
        get,
        post: async (place, state) =>
          sender.postAssessmentCard(place, state, await assessments.history(state.id)),
        update: async (post, state) =>
          sender.updateAssessmentCard(post, state, await assessments.history(state.id)),
      });
    }
    case 'requester.notify': {
      const state = await deps.assessments.get(message.assessmentId);
      const user = await conversations.user(state.requesterId);
      if (!user)
        return log.info(
          { assessmentId: state.id, event: 'notify.noConversation' },
          'requester has no chat with the bot',
        );
      await sender.tellRequester(user, state, message.change);
      return log.info(
        { assessmentId: state.id, change: message.change, event: 'notify.sent' },
        'requester told',
      );
    }
    case 'quiz.post': {
      // The class card is posted once and never updated for progress: an update would put the
      // posted card back in front of every learner still answering (Teams shows a message's new
      // card to everyone but the users it refreshes for). Tutors see the figures through refresh.
      const { quizzes } = deps;
      return showCard(deps, message.runId, {
        what: 'quiz',
        get: async (id) => {
          const run = await quizzes.run(id).catch(() => undefined);
          return run?.place && { run, quiz: await quizzes.quizOf(run), version: 1, route: '' };
        },
        place: (s) => Promise.resolve(s.run.place),
        post: async (place, s) => sender.postQuizCard(place, s.run, s.quiz),
        update: () => Promise.resolve(),
      });
    }
    case 'quiz.progress': {
      // The tutor's own card, in their chat, updated as learners start and finish: its version is
      // the class's figures, which only grow.
      const { quizzes } = deps;
      return showCard(deps, `${message.runId}-progress`, {
        what: 'quizProgress',
        get: async () => {
          const run = await quizzes.run(message.runId).catch(() => undefined);
          if (!run || run.kind !== 'class') return undefined;
          const tally = await quizzes.tally(run.id);
          const version = 1 + tally.started + tally.finished + tally.passed;
          return { run, tally, quiz: await quizzes.quizOf(run), version, route: '' };
        },
        place: (s) => conversations.user(s.run.startedBy),
        post: async (place, s) => sender.postProgressCard(place, s.run, s.quiz, s.tally),
        update: async (post, s) => sender.updateProgressCard(post, s.run, s.quiz, s.tally),
      });
    }
    case 'quiz.assigned': {
      const { quizzes } = deps;
      const where = { runId: message.runId, personId: message.personId };
      const user = await conversations.user(message.personId);
      // Kept in the training record as not started; `esafety training report` shows them.
      if (!user)
        return log.warn({ ...where, event: 'assign.noConversation' }, 'person has no chat with the bot');
      const run = await quizzes.run(message.runId);
      await sender.sendQuiz(user, run, await quizzes.quizOf(run));
      return log.info({ ...where, event: 'assign.sent' }, 'staff quiz sent');
    }
    case 'quiz.remind': {
      const { quizzes } = deps;
      const where = { runId: message.runId, personId: message.personId };
      const user = await conversations.user(message.personId);
      if (!user)
        return log.info({ ...where, event: 'remind.noConversation' }, 'learner has no chat with the bot');
      const run = await quizzes.run(message.runId);
      const result = await quizzes.resultOf(run.id, message.personId);
      if (result.state === 'passed')
        return log.info({ ...where, event: 'remind.passed' }, 'passed since: not reminded');
      await sender.remindLearner(user, run, await quizzes.quizOf(run), result);
      return log.info({ ...where, state: result.state, event: 'remind.sent' }, 'learner reminded');
    }
    case 'owner.ask': {
      const state = await cases.get(message.caseId);
      const user = state?.subjectId === undefined ? undefined : await conversations.user(state.subjectId);
      // The card action checked for a chat before asking; it may have gone since (app removed).
      if (!state || !user)
        return log.warn({ caseId: message.caseId, event: 'owner.noConversation' }, 'owner cannot be asked');
      await sender.askOwner(user, state);
      return log.info({ caseId: state.id, event: 'owner.asked' }, 'owner asked about their sharing');
    }
    case 'ops.notice':
      return showNotice(deps, message);
  }
}

/**
 * One live notice card per route: the first `signalPoisoned` posts it, later ones update it, and
 * `signalsReplayed` turns it into "processed, nothing waiting" and closes it, so the next outage
 * gets a card of its own. The card record (`notice:<route>`) keeps the count shown (0: closed).
 */
async function showNotice(deps: OutboxWorkerDeps, message: NoticeMessage): Promise<void> {
  const { conversations, sender, log } = deps;
  const key = `notice:${message.route}`;
  const current = await conversations.cardPost(key);
  const open = current?.record.post && current.record.version > 0 ? current.record.post : undefined;
  const view = {
    notice: message.notice,
    ...(message.count !== undefined && { count: message.count }),
    ...(message.at !== undefined && { at: message.at }),
  };
  const event = { route: message.route, notice: message.notice };
  if (message.notice === 'signalsReplayed') {
    if (!open) return log.info({ ...event, event: 'notice.nothingOpen' }, 'no notice to clear');
    await sender.updateNotice(open, view);
    await conversations.putCardPost(key, { post: open, version: 0 }, current?.token);
    return log.info({ ...event, event: 'notice.cleared' }, 'operator notice cleared');
  }
  const shown = Math.max(1, message.count ?? 1);
  if (open) {
    await sender.updateNotice(open, view);
    await conversations.putCardPost(key, { post: open, version: shown }, current?.token);
    return log.warn({ ...event, event: 'notice.updated' }, 'operator notice updated');
  }
  const place = await conversations.route(message.route);
  if (!place) return log.error({ ...event, event: 'notice.noChannel' }, 'no channel for notice');
  const post = await sender.postNotice(place, view);
  await conversations.putCardPost(key, { post, version: shown }, current?.token);
  log.warn({ ...event, event: 'notice.posted' }, 'operator notice posted');
}
