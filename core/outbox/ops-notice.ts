/**
 * Operator notices: when monitoring work is set aside (a notification poisoned after its last try),
 * the route's channel is told in fixed wording with a count and a time — never content, names or
 * ids — so a possibly missed signal never goes unnoticed; the same card later says when it has been
 * replayed (core/outbox/outbox-worker.ts `showNotice`). From the queue triggers, at most once an
 * hour while it keeps happening: the hour is an aggregation window of the signal ledger under the
 * notice's own key, so every worker agrees on who sends it. The replay timer updates the card every
 * quarter of an hour without that gate.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock';
import type { SignalLedger } from '../intake/signal-ledger';
import type { Logger } from '../logger';
import type { NoticeView, Outbox } from './outbox';

const quietMs = 60 * 60_000;

export async function noticeOperators(
  deps: {
    readonly ledger: SignalLedger;
    readonly outbox: Outbox;
    readonly clock: Clock;
    readonly log: Logger;
  },
  route: string,
  view: NoticeView,
): Promise<void> {
  const candidate = randomUUID();
  const holder = await deps.ledger.claimWindow(`ops:${view.notice}`, candidate, deps.clock.now(), quietMs);
  if (holder !== candidate)
    return deps.log.warn(
      { notice: view.notice, event: 'notice.quiet' },
      'operators already told within the hour',
    );
  await deps.outbox.send({ kind: 'ops.notice', route, ...view });
}
