/**
 * Local durability, tested the way it failed (issue 13): a process that runs Azurite the way
 * `npm start` does is killed with its whole process group (SIGKILL, as a terminal or a container
 * runtime does) right after Azurite acknowledged 300 queue messages; Azurite started again on the
 * same folder still has all 300. It runs the built app (`dist/`, which `npm install` builds).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueueClient } from '@azure/storage-queue';
import { startAzurite } from '../../local/storage/azurite';
import { repoRoot } from '../support/fixtures';
import { waitFor } from '../support/wait-for';

const built = join(repoRoot, 'dist', 'local', 'storage', 'azurite-process.js');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

it('keeps every acknowledged message when npm start’s whole process group is killed', async () => {
  expect(existsSync(built)).toBe(true);
  const location = mkdtempSync(join(tmpdir(), 'esafety-durable-'));
  const parentScript = join(location, 'parent.js');
  // The parent: starts Azurite as npm start does, says where, and then just runs.
  writeFileSync(
    parentScript,
    `const { startAzuriteProcess } = require(${JSON.stringify(built)});
     startAzuriteProcess({ location: ${JSON.stringify(join(location, 'data'))} }).then((a) => {
       process.stdout.write(JSON.stringify({ connectionString: a.connectionString, queuePort: a.queuePort }) + '\\n');
       setInterval(() => undefined, 1000);
     });`,
  );
  const parent = spawn(process.execPath, [parentScript], {
    detached: true,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const started = await new Promise<{ connectionString: string; queuePort: number }>((resolve, reject) => {
    let out = '';
    parent.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]!) as never);
    });
    parent.once('exit', (code) => reject(new Error(`parent exited ${code}`)));
  });
  const queue = new QueueClient(started.connectionString, 'durable');
  await queue.create();
  let acked = 0;
  for (let i = 0; i < 300; i += 20)
    await Promise.all(
      Array.from({ length: 20 }, (_, j) =>
        queue.sendMessage(Buffer.from(JSON.stringify({ n: i + j })).toString('base64')).then(() => acked++),
      ),
    );
  expect(acked).toBe(300);

  // SIGKILL to the parent's whole process group, at once.
  process.kill(-parent.pid!, 'SIGKILL');
  // Azurite, in a group of its own, notices its parent is gone, writes its database and exits.
  await waitFor(
    async () => {
      try {
        await new QueueClient(started.connectionString, 'durable', {
          retryOptions: { maxTries: 1, tryTimeoutInMs: 1_000 },
        }).getProperties();
        return false;
      } catch {
        return true;
      }
    },
    'Azurite to close after its parent was killed',
    20_000,
  );
  await new Promise((r) => setTimeout(r, 500));

  const again = await startAzurite({ location: join(location, 'data') });
  try {
    const reopened = new QueueClient(again.connectionString, 'durable');
    expect((await reopened.getProperties()).approximateMessagesCount).toBe(300);
  } finally {
    await again.stop();
    if (alive(parent.pid!)) process.kill(parent.pid!, 'SIGKILL');
  }
}, 60_000);
