import { silentLogger } from '../../core/logger';
import { RecordingLogger } from '../support/recording-logger';
import { startTimers } from '../../local/host/timer-runner';
import { waitFor } from '../support/wait-for';

describe('local timer runner', () => {
  it('runs a timer on its NCRONTAB schedule and keeps going after a failed run', async () => {
    let runs = 0;
    const timers = startTimers(
      [
        {
          name: 'everySecond',
          schedule: '* * * * * *',
          handler: () => (++runs === 1 ? Promise.reject(new Error('first run fails')) : Promise.resolve()),
        },
      ],
      silentLogger,
    );
    await waitFor(() => runs >= 2, 'two runs', 5_000);
    timers.stop();
    const after = runs;
    await new Promise((r) => setTimeout(r, 1_200));
    expect(runs).toBe(after);
  });

  it('logs a failed run with the invocation id the timer function was given', async () => {
    const log = new RecordingLogger();
    const invocations: string[] = [];
    const timers = startTimers(
      [
        {
          name: 'failing',
          schedule: '0 0 0 1 1 *',
          runOnStartup: true,
          handler: (ctx) => {
            invocations.push(ctx.invocationId);
            return Promise.reject(new Error('fails'));
          },
        },
      ],
      log,
    );
    await waitFor(
      () => log.find({ event: 'timer.failed' }).length === 1,
      'the failed run to be logged',
      5_000,
    );
    timers.stop();
    expect(log.find({ event: 'timer.failed' })[0]?.fields).toMatchObject({
      function: 'failing',
      invocationId: invocations[0],
      code: 'UNEXPECTED',
    });
  });
});
