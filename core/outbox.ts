/**
 * Work that must happen after a case changes, outside the request that changed it: posting or
 * updating the case card in its route's channel, telling the reporter the case moved. Messages go
 * on a durable queue first; a queue-triggered function does the work, retried and finally
 * poisoned, never dropped (DESIGN.md section 3).
 */
import { z } from 'zod';
import type { CaseEvent } from './cases/case-events';
import type { CaseState } from './cases/case-state';

export const outboxQueueName = 'case-posts';

export const outboxMessageSchema = z.discriminatedUnion('kind', [
  /** Post the case card to its route's channel, or update it in place if already posted. */
  z.object({ kind: z.literal('case.post'), caseId: z.string().min(1).max(64) }),
  /** Tell the reporter, without detail, that their concern was picked up or closed. */
  z.object({
    kind: z.literal('reporter.notify'),
    caseId: z.string().min(1).max(64),
    change: z.enum(['claimed', 'closed']),
  }),
]);

export type OutboxMessage = z.output<typeof outboxMessageSchema>;

export interface Outbox {
  send(message: OutboxMessage): Promise<void>;
}

/** What a change to a case asks to be done next. */
export function followUps(state: CaseState, event: CaseEvent): OutboxMessage[] {
  const messages: OutboxMessage[] = [{ kind: 'case.post', caseId: state.id }];
  if (state.source === 'staffReport' && (event.type === 'claimed' || event.type === 'closed')) {
    messages.push({ kind: 'reporter.notify', caseId: state.id, change: event.type });
  }
  return messages;
}
