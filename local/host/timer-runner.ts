/**
 * Runs timer-triggered functions locally on their NCRONTAB schedules (seconds field included, as
 * Azure Functions uses), with croner. A run still going when the next is due is skipped, as the
 * Functions host does for a singleton timer.
 */
import { randomUUID } from 'node:crypto';
import { InvocationContext } from '@azure/functions';
import { Cron } from 'croner';
import { toEsafetyError } from '../../core/errors';
import { withLogContext, type Logger } from '../../core/logger';
import type { TimerRegistration } from '../../functions/registrations';

export function startTimers(registrations: readonly TimerRegistration[], baseLog: Logger): { stop(): void } {
  const log = baseLog.child({ component: 'timer-runner' });
  const jobs = registrations.map(
    (t) =>
      new Cron(t.schedule, { protect: true, timezone: 'UTC' }, async () => {
        const invocationId = randomUUID();
        // Every line logged for this invocation carries its id, as the Functions host's do.
        const invocationLog = log.child({ function: t.name });
        const ctx = new InvocationContext({
          invocationId,
          functionName: t.name,
          logHandler: (level, ...args) =>
            invocationLog.debug({ level }, typeof args[0] === 'string' ? args[0] : 'function log'),
        });
        await withLogContext({ invocationId }, async () => {
          try {
            await t.handler(ctx);
          } catch (err) {
            invocationLog.error(
              { code: toEsafetyError(err).code, event: 'timer.failed' },
              'timer run failed',
            );
          }
        });
      }),
  );
  registrations.forEach((t, i) => {
    if (t.runOnStartup) void jobs[i]?.trigger();
  });
  return { stop: () => jobs.forEach((j) => j.stop()) };
}
