import { silentLogger } from '../../core/logger';
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
});
