/**
 * Runs a command as a child that cannot outlive `npm start`: this guard is forked with an IPC
 * channel and kills its command when the channel closes — when `npm start` stops, and also when it
 * is killed outright (SIGKILL leaves no chance to clean up, but the channel still closes).
 * Usage (forked): child-guard.js <executable> [args…]
 */
import { spawn } from 'node:child_process';

const [command, ...args] = process.argv.slice(2);
if (command) {
  const child = spawn(command, args, { stdio: 'ignore' });
  child.once('exit', (code) => process.exit(code ?? 1));
  process.once('disconnect', () => {
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 3000).unref();
  });
}
