/**
 * Runs timer-triggered functions locally on their NCRONTAB schedules (seconds field included, as
 * Azure Functions uses), with croner. A run still going when the next is due is skipped, as the
 * Functions host does for a singleton timer.
 */
import { randomUUID } from 'node:crypto';
import { InvocationContext } from '@azure/functions';
import { Cron } from 'croner';
import { toEsafetyError } from '../../core/errors';
import type { Logger } from '../../core/logger';
import type { TimerRegistration } from '../../functions/registrations';

export function startTimers(registrations: readonly TimerRegistration[], log: Logger): { stop(): void } {
  const jobs = registrations.map(
    (t) =>
      new Cron(t.schedule, { protect: true, timezone: 'UTC' }, async () => {
        const ctx = new InvocationContext({
          invocationId: randomUUID(),
          functionName: t.name,
          logHandler: () => undefined,
        });
        try {
          await t.handler(ctx);
        } catch (err) {
          log.error(
            { timer: t.name, code: toEsafetyError(err).code, event: 'timer.failed' },
            'timer run failed',
          );
        }
      }),
  );
  registrations.forEach((t, i) => {
    if (t.runOnStartup) void jobs[i]?.trigger();
  });
  return { stop: () => jobs.forEach((j) => j.stop()) };
}
