/**
 * `esafety doctor` against the running local system, as an admin runs it beside `npm start`: every
 * check passes on a system that works, and a broken one (storage unreachable, a route with no
 * channel) exits 1 with a line naming the fix — the other checks still reported.
 */
import { InvocationContext } from '@azure/functions';
import type { DoctorCheck } from '../../cli/doctor';
import { localCli, startStack, type LocalStack } from '../support/local-stack';

const stacks: LocalStack[] = [];
afterAll(() => Promise.all(stacks.map((s) => s.stop())));

/** One stack with the routes registered and one without, each started once. */
const started = new Map<boolean, Promise<LocalStack>>();
function stackWith(routes: boolean): Promise<LocalStack> {
  const existing = started.get(routes);
  if (existing) return existing;
  const made = (async () => {
    const stack = await startStack({ routes });
    stacks.push(stack);
    const timer = stack.regs.timers.find((t) => t.name === 'graphSubscriptions');
    await timer?.handler(new InvocationContext({ functionName: 'graphSubscriptions' }));
    return stack;
  })();
  started.set(routes, made);
  return made;
}

/** `esafety doctor --json` beside the stack, with `env` on top of its settings. */
async function doctor(stack: LocalStack, env: Record<string, string> = {}) {
  const { code, out } = await localCli(stack, env)('doctor', '--json');
  return { code, checks: JSON.parse(out) as DoctorCheck[] };
}

describe('esafety doctor', () => {
  it('passes every check on the running local system, and names each', async () => {
    const stack = await stackWith(true);
    const { code, checks } = await doctor(stack);
    expect(checks.filter((c) => !c.ok)).toEqual([]);
    expect(code).toBe(0);
    expect(checks.map((c) => c.check)).toEqual(
      expect.arrayContaining([
        'configuration',
        'policy pack',
        'storage',
        'field key',
        'graph token',
        'subscription /chats/getAllMessages',
        'bot identity',
        'route dsl',
        'poison queues',
      ]),
    );
  });

  it('exits 1 when a route has no channel, saying how to register one', async () => {
    const stack = await stackWith(false);
    const { code, checks } = await doctor(stack);
    expect(code).toBe(1);
    expect(checks).toContainEqual({
      check: 'route dsl',
      ok: false,
      detail: expect.stringContaining('no channel registered'),
      fix: 'In the channel for these cases, type "@E-Safety register dsl"',
    });
    expect(checks.find((c) => c.check === 'graph token')?.ok).toBe(true);
  });

  it('exits 1 when storage cannot be reached, naming the setting, and still runs the other checks', async () => {
    const stack = await stackWith(true);
    const { code, checks } = await doctor(stack, {
      // Nothing listens on port 9 (discard) here: every storage call fails.
      ESAFETY_STORAGE_CONNECTION_STRING:
        'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;TableEndpoint=http://127.0.0.1:9/devstoreaccount1;QueueEndpoint=http://127.0.0.1:9/devstoreaccount1',
    });
    expect(code).toBe(1);
    expect(checks).toContainEqual(
      expect.objectContaining({
        check: 'storage',
        ok: false,
        fix: expect.stringContaining('ESAFETY_STORAGE_CONNECTION_STRING'),
      }),
    );
    expect(checks.find((c) => c.check === 'graph token')?.ok).toBe(true);
  }, 60_000);
});
