/**
 * The local dev host: serves the app's function registrations over HTTP on loopback, as the Azure
 * Functions host would (Core Tools cannot be installed here: its install step downloads a binary).
 * Handlers receive real `HttpRequest` / `InvocationContext` objects from @azure/functions.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpRequest, HttpResponse, InvocationContext } from '@azure/functions';
import { toEsafetyError } from '../../core/errors';
import { withLogContext, type Logger } from '../../core/logger';
import { problemResponse } from '../../functions/http-problem';
import type { HttpRegistration } from '../../functions/registrations';

export interface DevHostOptions {
  readonly port: number;
  /** The functions to serve; none until `serve` is called when absent. */
  readonly registrations?: readonly HttpRegistration[];
  readonly log: Logger;
}

export interface RunningDevHost {
  readonly url: string;
  /**
   * Serves these functions from now on. The local system listens first and composes the app
   * second, because the app's settings include the URL it is reached at.
   */
  serve(registrations: readonly HttpRegistration[]): void;
  stop(): Promise<void>;
}

/** Azure Functions' default request size limit is far higher; nothing we accept is near 1 MB. */
const maxBody = 1024 * 1024;

export async function startDevHost(options: DevHostOptions): Promise<RunningDevHost> {
  const log = options.log.child({ component: 'dev-host' });
  let registrations = options.registrations ?? [];
  const server: Server = createServer((req, res) => {
    void serve(req, res, registrations, log);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    serve: (served) => {
      registrations = served;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function serve(
  req: IncomingMessage,
  res: ServerResponse,
  registrations: readonly HttpRegistration[],
  log: Logger,
) {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const route = url.pathname.replace(/^\/api\//, '');
  const reg = url.pathname.startsWith('/api/') ? registrations.find((r) => r.route === route) : undefined;
  const send = (status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  if (!reg) return send(404, { error: 'NOT_FOUND', message: `No function at ${url.pathname}` });
  const method = (req.method ?? 'GET').toUpperCase();
  if (!reg.methods.includes(method as HttpRegistration['methods'][number])) {
    return send(405, {
      error: 'METHOD_NOT_ALLOWED',
      message: `${method} is not accepted at ${url.pathname}`,
    });
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBody)
      return send(413, { error: 'PAYLOAD_TOO_LARGE', message: 'Request body is over 1 MB.' });
    chunks.push(chunk as Buffer);
  }
  // Every line logged for this invocation carries its id (its log context), as the Functions host's do.
  const invocationId = randomUUID();
  const invocationLog = log.child({ function: reg.name });
  const request = new HttpRequest({
    method,
    url: url.toString(),
    headers: Object.fromEntries(
      Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]),
    ),
    query: Object.fromEntries(url.searchParams),
    ...(chunks.length > 0 && { body: { bytes: new Uint8Array(Buffer.concat(chunks)) } }),
  });
  const context = new InvocationContext({
    invocationId,
    functionName: reg.name,
    logHandler: (level, ...args) =>
      invocationLog.debug({ level }, typeof args[0] === 'string' ? args[0] : 'function log'),
  });
  await withLogContext({ invocationId }, async () => {
    try {
      const result = await reg.handler(request, context);
      const response = result instanceof HttpResponse ? result : new HttpResponse(result);
      const body = Buffer.from(await response.arrayBuffer());
      res.writeHead(response.status, Object.fromEntries(response.headers.entries())).end(body);
      invocationLog.debug({ status: response.status }, 'request served');
    } catch (err) {
      const e = toEsafetyError(err);
      invocationLog.error({ code: e.code }, 'function failed');
      const answer = problemResponse(e);
      send(answer.status ?? 500, answer.jsonBody);
    }
  });
}
