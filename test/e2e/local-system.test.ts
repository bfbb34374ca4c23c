/**
 * The local system as npm start runs it (local/local-system.ts): its own Azurite, a data folder
 * whose local-runtime.json lets the admin CLI find it on whatever ports it took, and tenant.yaml's
 * routes, so a case's card reaches the DSL channel without anyone registering it.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../cli/esafety';
import { silentLogger } from '../../core/logger';
import { localRuntimeFilePath, readLocalRuntimeFile } from '../../functions/local-runtime-file';
import { startLocalSystem } from '../../local/local-system';
import { report, repoRoot, staff, uniquePrefix } from '../support/fixtures';
import { startStack } from '../support/local-stack';
import { waitFor } from '../support/wait-for';

describe('the local system', () => {
  it('starts Azurite and leaves local-runtime.json, through which the admin CLI finds its cases; stopping removes it', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'esafety-system-'));
    const prefix = uniquePrefix();
    const system = await startLocalSystem({
      root: repoRoot,
      dataDir,
      storage: { azurite: 'in-process' },
      env: { ESAFETY_TABLE_PREFIX: prefix, ESAFETY_LOG_LEVEL: 'silent' },
      log: silentLogger,
    });
    try {
      expect(system.azurite?.tablePort).toBeGreaterThan(0);
      expect(readLocalRuntimeFile(dataDir)?.env['ESAFETY_STORAGE_CONNECTION_STRING']).toContain(
        `TableEndpoint=http://127.0.0.1:${system.azurite?.tablePort}/`,
      );
      const { state } = await system.app.cases.open(report(), staff, 'local-system');
      const out: string[] = [];
      const code = await runCli(['cases', 'list'], {
        out: (s) => out.push(s),
        err: (s) => out.push(s),
        env: { ESAFETY_LOCAL_DATA_DIR: dataDir, ESAFETY_TABLE_PREFIX: prefix, ESAFETY_LOG_LEVEL: 'silent' },
        cwd: repoRoot,
      });
      expect({ code, out: out.join('\n') }).toMatchObject({
        code: 0,
        out: expect.stringContaining(state.reference),
      });
      const health = await fetch(`${system.host.url}/api/health`);
      expect(health.status).toBe(200);
    } finally {
      await system.stop();
    }
    expect(existsSync(localRuntimeFilePath(dataDir))).toBe(false);
    rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  it("saves tenant.yaml's routes with the Bot Connector it is given: a case's card reaches the DSL channel with no one registering it", async () => {
    const stack = await startStack({ routes: true, queues: true });
    try {
      const { state } = await stack.app.cases.open(report(), staff, 'routes');
      const thread = await waitFor(
        () =>
          stack.connector.calls.find(
            (c) =>
              c.method === 'POST' &&
              c.path === '/v3/conversations' &&
              JSON.stringify(c.body).includes(state.reference),
          ),
        'the case card',
      );
      expect(thread.body['channelData']).toMatchObject({ channel: { id: '19:dsl-channel@thread.tacv2' } });
    } finally {
      await stack.stop();
    }
  });
});
