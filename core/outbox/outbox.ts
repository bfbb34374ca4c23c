/**
 * Work that must happen after a change, outside the request that made it: posting or updating the
 * card of a case (or a risk assessment, a quiz) where it belongs, telling the reporter, requester or
 * learner what moved, sending a staff quiz. Messages go
 * on a durable queue first; a queue-triggered function does the work, retried and finally
 * poisoned, never dropped (docs/architecture.md, "After a change").
 */
import { z } from 'zod';
import type { CaseEvent } from '../cases/case-events';
import type { CaseState } from '../cases/case-state';
import type { AssessmentEvent, AssessmentState } from '../assessments/assessment';

/**
 * `signalPoisoned`: monitoring notifications could not be processed and wait in the poison queue,
 * to be replayed automatically; `signalsStuck`: what waits will not be replayed again (tried too
 * often, or unreadable) and needs a person; `signalsReplayed`: nothing waits (the card says so).
 */
export const opsNoticeKinds = ['signalPoisoned', 'signalsStuck', 'signalsReplayed'] as const;
export type OpsNotice = (typeof opsNoticeKinds)[number];

/** What a requester is told about their risk assessment. */
export const requesterChanges = ['infoRequested', 'decided', 'reviewDue'] as const;
export type RequesterChange = (typeof requesterChanges)[number];

export const outboxMessageSchema = z.discriminatedUnion('kind', [
  /** Post the case card to its route's channel, or update it in place if already posted. */
  z.object({ kind: z.literal('case.post'), caseId: z.string().min(1).max(64) }),
  /** A purged case's card becomes a notice that its record was deleted (no detail remains). */
  z.object({
    kind: z.literal('case.retired'),
    caseId: z.string().min(1).max(64),
    reference: z.string().regex(/^ES-\d{4}-\d{4,}$/),
  }),
  /** Tell the reporter, without detail, that their concern was picked up or closed. */
  z.object({
    kind: z.literal('reporter.notify'),
    caseId: z.string().min(1).max(64),
    change: z.enum(['claimed', 'closed']),
  }),
  /** Post the approver's card of a risk assessment to its route, or update it in place. */
  z.object({ kind: z.literal('assessment.post'), assessmentId: z.string().min(1).max(64) }),
  /** Tell the requester in their chat what happened to their assessment. */
  z.object({
    kind: z.literal('requester.notify'),
    assessmentId: z.string().min(1).max(64),
    change: z.enum(requesterChanges),
  }),
  /** Post a quiz's class card to its class (once). */
  z.object({ kind: z.literal('quiz.post'), runId: z.string().regex(/^q[0-9a-f]{1,40}$/) }),
  /** Post the tutor's progress card in their chat, or update it in place with the class's figures. */
  z.object({ kind: z.literal('quiz.progress'), runId: z.string().regex(/^q[0-9a-f]{1,40}$/) }),
  /** Send one person a staff quiz (`quiz assign`) in their chat. */
  z.object({
    kind: z.literal('quiz.assigned'),
    runId: z.string().regex(/^q[0-9a-f]{1,40}$/),
    personId: z.guid(),
  }),
  /** Remind one learner (not started, or not passed yet: with what to revisit) in their chat. */
  z.object({
    kind: z.literal('quiz.remind'),
    runId: z.string().regex(/^q[0-9a-f]{1,40}$/),
    personId: z.guid(),
  }),
  /** Ask the owner of a shared file, in their chat, to remove the sharing or say why it is needed. */
  z.object({ kind: z.literal('owner.ask'), caseId: z.string().min(1).max(64) }),
  /**
   * Tell a route's channel that monitoring work waits (a notification that could not be processed),
   * and, on one card updated in place, when it no longer does. Fixed wording with a count and a time
   * (cards/message/message.ts `opsNoticeCard`): never message content, names or ids.
   */
  z.object({
    kind: z.literal('ops.notice'),
    route: z.string().min(1).max(64),
    notice: z.enum(opsNoticeKinds),
    /** How many notifications wait (signalPoisoned) or were replayed (signalsReplayed). */
    count: z.number().int().min(0).max(1_000_000).optional(),
    /** When: the oldest waiting, or the replay (ISO). */
    at: z.iso.datetime().optional(),
  }),
]);

export type OutboxMessage = z.output<typeof outboxMessageSchema>;

/** What an operator notice's card shows. */
export type NoticeView = Pick<Extract<OutboxMessage, { kind: 'ops.notice' }>, 'notice' | 'count' | 'at'>;

export interface Outbox {
  send(message: OutboxMessage): Promise<void>;
}

/**
 * What a change to a case asks to be done next: one card post per change (the card shows the case
 * as it is when it is posted, so several changes in a row end in one current card).
 */
export function followUps(state: CaseState, event: CaseEvent): OutboxMessage[] {
  const messages: OutboxMessage[] = [{ kind: 'case.post', caseId: state.id }];
  if (state.source === 'staffReport' && (event.type === 'claimed' || event.type === 'closed')) {
    messages.push({ kind: 'reporter.notify', caseId: state.id, change: event.type });
  }
  if (event.type === 'ownerAsked') messages.push({ kind: 'owner.ask', caseId: state.id });
  return messages;
}

/** What a change to a risk assessment asks to be done next: the approver's card, and the requester told. */
export function assessmentFollowUps(state: AssessmentState, event: AssessmentEvent): OutboxMessage[] {
  const messages: OutboxMessage[] = [{ kind: 'assessment.post', assessmentId: state.id }];
  if (event.type === 'infoRequested' || event.type === 'decided' || event.type === 'reviewDue')
    messages.push({ kind: 'requester.notify', assessmentId: state.id, change: event.type });
  return messages;
}
