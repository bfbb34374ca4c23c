/**
 * The Microsoft Graph gateway: the Graph SDK (@microsoft/microsoft-graph-client) with app-only
 * tokens from @azure/msal-node (client credentials). Throttling and transient failures are handled
 * in one place, the SDK's RetryHandler middleware: 429 and every 5xx, honouring Retry-After
 * (https://learn.microsoft.com/graph/throttling), exponential back-off otherwise. Paging follows
 * `@odata.nextLink` with the SDK's PageIterator (`allPages`).
 * The authority and Graph base URL are configurable so that, locally, the same code talks to the
 * tenant simulator over HTTPS.
 */
import { ConfidentialClientApplication, type INetworkModule, type NetworkResponse } from '@azure/msal-node';
import {
  Client,
  HTTPMessageHandler,
  MiddlewareFactory,
  PageIterator,
  RetryHandler,
  RetryHandlerOptions,
  type PageCollection,
  type AuthenticationProvider,
  type Context,
  type Middleware,
} from '@microsoft/microsoft-graph-client';
import { fail, httpStatusOf } from '../core/errors';
import { httpsRequest } from './https-transport';

export interface GraphSettings {
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** `https://login.microsoftonline.com` in Azure; the simulator's URL locally. */
  readonly authorityHost: string;
  /** `https://graph.microsoft.com` in Azure; the simulator's URL locally. */
  readonly graphBaseUrl: string;
  /** PEM of a CA to trust (the local simulator's); absent in Azure. */
  readonly extraCa?: string;
  /** The token scope: Graph's resource, whichever host serves it (national clouds differ). */
  readonly scope?: string;
  /** Retries of a throttled or failed call (default 3). */
  readonly maxRetries?: number;
}

/** The SDK's RetryHandler, widened from 429/503/504 to 429 and every 5xx. */
function retryHandler(maxRetries: number): RetryHandler {
  const handler = new RetryHandler(new RetryHandlerOptions(1, maxRetries));
  // `isRetry` is the SDK's status filter (private in its typings); 500 and 502 are transient too.
  (handler as unknown as { isRetry: (r: Response) => boolean }).isRetry = (r) =>
    r.status === 429 || r.status >= 500;
  return handler;
}

/** Every item of a Graph collection, following `@odata.nextLink` page by page. */
export async function allPages<T>(client: Client, path: string): Promise<T[]> {
  const items: T[] = [];
  const first = (await client.api(path).version('v1.0').get()) as PageCollection;
  const pages = new PageIterator(client, first, (item: T) => {
    items.push(item);
    return true;
  });
  await pages.iterate();
  return items;
}

/**
 * App-only access tokens for Graph from msal-node (client credentials; msal caches them until near
 * expiry). `esafety doctor` reads the roles off one.
 */
export function graphTokens(settings: GraphSettings): () => Promise<string> {
  const authorityUrl = new URL(settings.authorityHost);
  const msal = new ConfidentialClientApplication({
    auth: {
      clientId: settings.clientId,
      clientSecret: settings.clientSecret,
      authority: `${settings.authorityHost.replace(/\/$/, '')}/${settings.tenantId}`,
      ...(settings.extraCa && { knownAuthorities: [authorityUrl.host] }),
    },
    system: settings.extraCa ? { networkClient: msalNetwork(settings.extraCa) } : {},
  });
  const scope = settings.scope ?? 'https://graph.microsoft.com/.default';
  return async () => {
    const result = await msal.acquireTokenByClientCredential({ scopes: [scope] });
    return result?.accessToken ?? fail('UPSTREAM_UNAVAILABLE', 'No Microsoft Graph token was issued.');
  };
}

export function createGraphClient(settings: GraphSettings): Client {
  const authProvider: AuthenticationProvider = { getAccessToken: graphTokens(settings) };
  const middleware: Middleware[] = MiddlewareFactory.getDefaultMiddlewareChain(authProvider).map((m) =>
    m instanceof RetryHandler ? retryHandler(settings.maxRetries ?? 3) : m,
  );
  if (settings.extraCa) middleware.splice(middleware.length - 1, 1, trustingHttpHandler(settings.extraCa));
  chain(middleware);
  const graphUrl = new URL(settings.graphBaseUrl);
  return Client.initWithMiddleware({
    middleware: middleware[0],
    baseUrl: graphUrl.origin,
    customHosts: new Set([graphUrl.hostname]),
  });
}

function chain(middleware: Middleware[]): void {
  middleware.forEach((m, i) => {
    const next = middleware[i + 1];
    if (next && m.setNext) m.setNext(next);
  });
}

/** The last hop of the Graph middleware chain, over node:https with the extra CA. */
function trustingHttpHandler(ca: string): Middleware {
  const handler = new HTTPMessageHandler();
  handler.execute = async (context: Context) => {
    const url =
      typeof context.request === 'string'
        ? context.request
        : (context.request as unknown as { url: string }).url;
    const options = context.options ?? {};
    const headers = Object.fromEntries(new Headers(options.headers).entries());
    const body = typeof options.body === 'string' ? options.body : undefined;
    const res = await httpsRequest(url, {
      method: options.method ?? 'GET',
      headers,
      ca,
      ...(body !== undefined && { body }),
    });
    context.response = new Response(res.status === 204 ? null : res.body, {
      status: res.status,
      headers: res.headers,
    });
  };
  return handler;
}

/** msal-node's network client over node:https with an extra CA (the local tenant simulator's). */
export function msalNetwork(ca: string): INetworkModule {
  const send = async <T>(
    method: string,
    url: string,
    options?: { headers?: Record<string, string>; body?: string },
  ): Promise<NetworkResponse<T>> => {
    const res = await httpsRequest(url, {
      method,
      ca,
      ...(options?.headers && { headers: options.headers }),
      ...(options?.body !== undefined && { body: options.body }),
    });
    return { status: res.status, headers: res.headers, body: JSON.parse(res.body || '{}') as T };
  };
  return {
    sendGetRequestAsync: (url, options) => send('GET', url, options),
    sendPostRequestAsync: (url, options) => send('POST', url, options),
  };
}

/** Runs a Graph call; a failure that is left after the retry middleware becomes a coded error. */
export async function graphCall<T>(call: () => Promise<T>, operation: string): Promise<T> {
  try {
    return await call();
  } catch (err) {
    const status = httpStatusOf(err);
    return fail(
      'UPSTREAM_UNAVAILABLE',
      `Microsoft Graph could not ${operation} (${status ?? 'no answer'}).`,
      {
        operation,
        status,
      },
      err,
    );
  }
}
