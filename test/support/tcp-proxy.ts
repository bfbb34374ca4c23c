/**
 * A TCP proxy on loopback in front of a service (Azurite, for the chaos e2e), which can make the
 * service unreachable from outside without touching it: `down()` holds every connection open and
 * answers nothing (as a network partition looks to a client: its requests time out), `up()` drops
 * what it held and forwards again.
 */
import { createServer, connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface TcpProxy {
  readonly port: number;
  down(): void;
  up(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let isDown = false;
  const held = new Set<Socket>();
  const open = new Set<Socket>();
  const server = createServer((client) => {
    open.add(client);
    client.on('close', () => open.delete(client));
    client.on('error', () => client.destroy());
    if (isDown) {
      held.add(client);
      return;
    }
    const upstream = connect(target.port, target.host);
    open.add(upstream);
    upstream.on('close', () => {
      open.delete(upstream);
      client.destroy();
    });
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    down() {
      isDown = true;
      // Connections already open go quiet too: everything in flight is cut off.
      open.forEach((s) => s.pause());
      for (const s of open) held.add(s);
    },
    up() {
      isDown = false;
      held.forEach((s) => s.destroy());
      held.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        open.forEach((s) => s.destroy());
        held.forEach((s) => s.destroy());
        server.close(() => resolve());
      }),
  };
}
