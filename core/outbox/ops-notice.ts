/**
 * Operator notices: when monitoring work is about to be set aside (a notification poisoned after
 * its last try), the route's channel is told in fixed wording — never content, names or ids — so a
 * possibly missed signal never goes unnoticed. While it keeps happening, at most once an hour: the
 * hour is an aggregation window of the signal ledger under the notice's own key, so every worker
 * agrees on who sends it.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock';
import type { SignalLedger } from '../intake/signal-ledger';
import type { Logger } from '../logger';
import type { OpsNotice, Outbox } from './outbox';

const quietMs = 60 * 60_000;

export async function noticeOperators(
  deps: {
    readonly ledger: SignalLedger;
    readonly outbox: Outbox;
    readonly clock: Clock;
    readonly log: Logger;
  },
  route: string,
  notice: OpsNotice,
): Promise<void> {
  const candidate = randomUUID();
  const holder = await deps.ledger.claimWindow(`ops:${notice}`, candidate, deps.clock.now(), quietMs);
  if (holder !== candidate)
    return deps.log.warn({ notice, event: 'notice.quiet' }, 'operators already told within the hour');
  await deps.outbox.send({ kind: 'ops.notice', route, notice });
}
