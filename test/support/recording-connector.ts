/**
 * A recording Bot Connector service for e2e tests: the bot's `serviceUrl` points here, so every reply
 * and proactive post the bot makes over HTTP is captured. Loopback only. It answers as the Bot
 * Connector does: `{ id }` for activities, `{ id, activityId }` for new conversations.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const list = (v: unknown): unknown[] => (Array.isArray(v) ? (v as unknown[]) : []);

export interface RecordedCall {
  readonly method: string;
  readonly path: string;
  readonly body: Json;
  /** The bearer token the bot sent, if any (it sends one when it has an app id). */
  readonly bearer?: string;
  /** Set when the connector answered with a failure status instead of accepting. */
  readonly answered?: number;
}

export class RecordingConnector {
  readonly calls: RecordedCall[] = [];
  private server: Server | undefined;
  private counter = 0;
  private readonly failures: { status: number; retryAfter?: string; path: string }[] = [];
  url = '';

  /** The next requests to `path` are answered with this status (e.g. 429 and a Retry-After in seconds). */
  failNext(times: number, status: number, options: { retryAfter?: string; path: string }): void {
    for (let i = 0; i < times; i++) this.failures.push({ status, ...options });
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const body = obj(text ? JSON.parse(text) : {});
        const path = (req.url ?? '/').split('?')[0] ?? '/';
        const index = this.failures.findIndex((f) => f.path === path);
        const failure = index >= 0 ? this.failures.splice(index, 1)[0] : undefined;
        this.calls.push({
          method: req.method ?? 'GET',
          path,
          body,
          ...(req.headers.authorization?.startsWith('Bearer ') && {
            bearer: req.headers.authorization.slice('Bearer '.length),
          }),
          ...(failure && { answered: failure.status }),
        });
        if (failure) {
          const headers = {
            'content-type': 'application/json',
            ...(failure.retryAfter !== undefined && { 'retry-after': failure.retryAfter }),
          };
          res
            .writeHead(failure.status, headers)
            .end(JSON.stringify({ error: { code: 'Throttled', message: 'Too many requests' } }));
          return;
        }
        const id = `${Date.now()}${++this.counter}`;
        const channelId = obj(obj(body['channelData'])['channel'])['id'];
        const reply =
          path === '/v3/conversations' && req.method === 'POST'
            ? {
                id: `${typeof channelId === 'string' ? channelId : 'conversation'};messageid=${id}`,
                activityId: id,
              }
            : { id };
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(reply));
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server?.address() as AddressInfo).port}/`;
    return this;
  }

  /** Cards sent in replies and posts, oldest first. */
  cards(): Json[] {
    return this.calls.flatMap((c) =>
      list(c.body['attachments'] ?? obj(c.body['activity'])['attachments']).map((a) =>
        obj(obj(a)['content']),
      ),
    );
  }

  texts(): string[] {
    return this.calls.flatMap((c) => (typeof c.body['text'] === 'string' ? [c.body['text']] : []));
  }

  clear(): void {
    this.calls.length = 0;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.server) return resolve();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}
