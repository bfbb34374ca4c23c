/**
 * HTTPS requests that trust one extra CA: the local tenant simulator's self-signed certificate.
 * Node's global fetch cannot take a CA, so locally the Graph SDK and msal-node send through this;
 * in Azure they use their own transports and this is not used.
 */
import { request } from 'node:https';

export interface TransportResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

export function httpsRequest(
  url: string,
  options: {
    method: string;
    headers?: Record<string, string>;
    body?: string;
    ca: string;
    timeoutMs?: number;
  },
): Promise<TransportResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: options.method,
        headers: options.headers,
        ca: options.ca,
        // A fresh connection each time: Node 20's global agent keeps sockets alive, and reusing one
        // the server is closing at that moment fails with ECONNRESET and no answer (seen as Graph
        // status -1 in the admin CLI under load). Local traffic only, so the handshake is cheap.
        agent: false,
        timeout: options.timeoutMs ?? 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: Object.fromEntries(
              Object.entries(res.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]),
            ),
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`request to ${new URL(url).host} timed out`)));
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}
