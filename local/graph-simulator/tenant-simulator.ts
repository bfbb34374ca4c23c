/**
 * A local Microsoft Graph tenant simulator over HTTPS (self-signed certificate for 127.0.0.1), so
 * the real Graph SDK and msal-node code paths run unchanged against `local/tenant.yaml`.
 *
 * Entra side: OpenID metadata, JWKS (per tenant and `common`), and the client-credentials token
 * endpoint (RS256 tokens for the one registered app). Graph side: every call must carry a valid
 * bearer token for Graph; `POST /v1.0/users/{id}/checkMemberGroups` answers from tenant.yaml; chats,
 * channel and chat messages (simulated-teams.ts); subscriptions and change notifications with
 * encrypted resource data (simulated-subscriptions.ts). Collections page 20 items at a time.
 * Control routes for scenarios live under `/_simulator/` (deliveries, replays with faults, forged
 * notifications, lifecycle events, an outage of member lists). Loopback only. With `dataDir`, chats and
 * subscriptions survive a restart (as they would in a real tenant).
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, jwtVerify, SignJWT, type KeyLike } from 'jose';
import selfsigned from 'selfsigned';
import { SimulatedSubscriptions, GraphSimulatorError, faults, type Fault } from './simulated-subscriptions';
import { SimulatedTeams, type Chat } from './simulated-teams';
import type { StoredSubscription } from './simulated-subscriptions';
import type { LocalTenant } from '../tenant';

export interface SimulatedApp {
  readonly clientId: string;
  readonly clientSecret: string;
}

export interface RunningTenantSimulator {
  /** `https://127.0.0.1:<port>`: both the authority host and the Graph base URL. */
  readonly url: string;
  /** PEM of the certificate to trust. */
  readonly ca: string;
  stop(): Promise<void>;
}

interface SavedState {
  readonly chats: Chat[];
  readonly subscriptions: StoredSubscription[];
}

const graphAudience = 'https://graph.microsoft.com';

export async function startTenantSimulator(options: {
  tenant: LocalTenant;
  app: SimulatedApp;
  port?: number;
  /** Where chats and subscriptions are kept between runs; in memory only when absent. */
  dataDir?: string;
}): Promise<RunningTenantSimulator> {
  const { tenant, app } = options;
  const tls = await Promise.resolve(
    selfsigned.generate([{ name: 'commonName', value: '127.0.0.1' }], {
      keySize: 2048,
      notAfterDate: new Date(Date.now() + 30 * 24 * 3600 * 1000),
      extensions: [
        {
          name: 'subjectAltName',
          altNames: [
            { type: 7, ip: '127.0.0.1' },
            { type: 2, value: 'localhost' },
          ],
        },
      ],
    }),
  );
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const kid = randomUUID();
  const jwk = { ...(await exportJWK(publicKey)), kid, use: 'sig', alg: 'RS256' };
  let base = '';
  const issuer = () => `https://sts.windows.net/${tenant.tenantId}/`;

  const statePath = options.dataDir && join(options.dataDir, 'tenant-simulator-state.json');
  const save = () => {
    if (!statePath) return;
    const state: SavedState = { chats: teams.snapshot(), subscriptions: subscriptions.snapshot() };
    writeFileSync(statePath, JSON.stringify(state));
  };
  const subscriptions = new SimulatedSubscriptions({
    tenantId: tenant.tenantId,
    appId: app.clientId,
    onChange: save,
    sign: (claims, audience) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
        .setIssuer(issuer())
        .setAudience(audience)
        .setIssuedAt()
        .setNotBefore('0s')
        .setExpirationTime('1h')
        .sign(privateKey),
  });
  let membersOutageUntil = 0;
  const teams = new SimulatedTeams(
    tenant,
    (change, resource) => subscriptions.publish(change, resource),
    save,
  );
  if (statePath && existsSync(statePath)) {
    const saved = JSON.parse(readFileSync(statePath, 'utf8')) as SavedState;
    teams.restore(saved.chats);
    subscriptions.restore(saved.subscriptions);
  } else if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });

  const server = createServer({ key: tls.private, cert: tls.cert }, (req, res) => {
    void route(req, res).catch((err: unknown) => {
      if (err instanceof GraphSimulatorError)
        return json(res, err.status, { error: { code: err.code, message: err.message } });
      json(res, 500, { error: { code: 'InternalServerError', message: 'simulator error' } });
    });
  });

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', base);
    const body = await readBody(req);
    const t = tenant.tenantId;
    if (req.method === 'GET' && url.pathname === `/${t}/v2.0/.well-known/openid-configuration`) {
      return json(res, 200, {
        issuer: `${base}/${t}/v2.0`,
        authorization_endpoint: `${base}/${t}/oauth2/v2.0/authorize`,
        token_endpoint: `${base}/${t}/oauth2/v2.0/token`,
        end_session_endpoint: `${base}/${t}/oauth2/v2.0/logout`,
        jwks_uri: `${base}/${t}/discovery/v2.0/keys`,
        response_types_supported: ['code', 'token'],
        subject_types_supported: ['pairwise'],
        id_token_signing_alg_values_supported: ['RS256'],
      });
    }
    if (
      req.method === 'GET' &&
      (url.pathname === `/${t}/discovery/v2.0/keys` || url.pathname === '/common/discovery/v2.0/keys')
    )
      return json(res, 200, { keys: [jwk] });
    if (url.pathname.startsWith('/_simulator/')) return control(req, res, url, body);
    if (req.method === 'POST' && url.pathname === `/${t}/oauth2/v2.0/token`)
      return token(res, new URLSearchParams(body), privateKey);
    if (url.pathname.startsWith('/v1.0/')) {
      if (!(await authorised(req, publicKey))) {
        return json(res, 401, {
          error: { code: 'InvalidAuthenticationToken', message: 'Access token is missing or invalid.' },
        });
      }
      const member = /^\/v1\.0\/users\/([^/]+)\/checkMemberGroups$/.exec(url.pathname);
      if (req.method === 'POST' && member)
        return checkMemberGroups(res, decodeURIComponent(member[1] ?? ''), body);
      const handled = await graph(req, res, url, body);
      if (handled) return;
    }
    json(res, 404, {
      error: {
        code: 'Request_ResourceNotFound',
        message: `No route ${req.method} ${url.pathname} in the simulator.`,
      },
    });
  }

  /** Chats, messages, subscriptions: true when a route answered. */
  async function graph(req: IncomingMessage, res: ServerResponse, url: URL, body: string): Promise<boolean> {
    const path = url.pathname.replace(/^\/v1\.0/, '');
    const method = req.method ?? 'GET';
    const skip = Number(url.searchParams.get('$skiptoken') ?? 0) || 0;
    const parts = (re: RegExp) => re.exec(path)?.slice(1).map(decodeURIComponent);
    const input = () => (body ? (JSON.parse(body) as unknown) : {});
    if (method === 'GET' && /\/members$/.test(path) && Date.now() < membersOutageUntil) {
      res
        .writeHead(503, { 'content-type': 'application/json', 'retry-after': '0' })
        .end(JSON.stringify({ error: { code: 'ServiceUnavailable', message: 'Simulated outage.' } }));
      return true;
    }
    const collection = (result: { value: unknown[]; next?: number }) => {
      const next = new URL(url.toString());
      next.searchParams.set('$skiptoken', String(result.next));
      json(res, 200, {
        '@odata.context': `${base}/v1.0/$metadata`,
        value: result.value,
        ...(result.next !== undefined && { '@odata.nextLink': next.toString() }),
      });
      return true;
    };
    let m: string[] | undefined;
    if (method === 'POST' && path === '/chats') return created(res, teams.createChat(input()));
    if ((m = parts(/^\/chats\/([^/]+)\/members$/)) && method === 'GET')
      return collection(teams.chatMembers(m[0] ?? '', skip));
    if ((m = parts(/^\/chats\/([^/]+)\/members$/)) && method === 'POST')
      return created(res, await teams.addChatMember(m[0] ?? '', input()));
    if ((m = parts(/^\/chats\/([^/]+)\/messages$/)) && method === 'POST')
      return created(res, await teams.postChatMessage(m[0] ?? '', input()));
    if ((m = parts(/^\/chats\/([^/]+)\/messages\/([^/]+)$/))) {
      if (method === 'GET') return ok(res, teams.chatMessage(m[0] ?? '', m[1] ?? ''));
      if (method === 'PATCH') {
        await teams.editChatMessage(m[0] ?? '', m[1] ?? '', input());
        return noContent(res);
      }
    }
    // Graph also addresses a message as the notification's resource: chats('…')/messages('…').
    if ((m = parts(/^\/chats\('([^']+)'\)\/messages\('([^']+)'\)$/)) && method === 'GET')
      return ok(res, teams.chatMessage(m[0] ?? '', m[1] ?? ''));
    if ((m = parts(/^\/teams\/([^/]+)\/channels\/([^/]+)\/members$/)) && method === 'GET')
      return collection(teams.channelMembers(m[0] ?? '', m[1] ?? '', skip));
    if ((m = parts(/^\/teams\/([^/]+)\/channels\/([^/]+)\/messages$/)) && method === 'POST')
      return created(res, await teams.postChannelMessage(m[0] ?? '', m[1] ?? '', input()));
    if ((m = parts(/^\/users\/([^/]+)\/chats\/getAllMessages$/)) && method === 'GET')
      return collection(teams.userMessages(m[0] ?? '', url.searchParams.get('$filter'), skip));
    if ((m = parts(/^\/groups\/([^/]+)\/members$/)) && method === 'GET')
      return collection(teams.groupMembers(m[0] ?? '', skip));
    if (path === '/subscriptions') {
      if (method === 'POST') return created(res, subscriptions.view(await subscriptions.create(input())));
      if (method === 'GET') {
        const all = [...subscriptions.all.values()].map((s) => subscriptions.view(s));
        return collection({
          value: all.slice(skip, skip + 20),
          ...(skip + 20 < all.length && { next: skip + 20 }),
        });
      }
    }
    if ((m = parts(/^\/subscriptions\/([^/]+)\/reauthorize$/)) && method === 'POST') {
      subscriptions.get(m[0] ?? '');
      return ok(res, {});
    }
    if ((m = parts(/^\/subscriptions\/([^/]+)$/))) {
      if (method === 'GET') return ok(res, subscriptions.view(subscriptions.get(m[0] ?? '')));
      if (method === 'PATCH') return ok(res, subscriptions.view(subscriptions.renew(m[0] ?? '', input())));
      if (method === 'DELETE') {
        subscriptions.remove(m[0] ?? '');
        return noContent(res);
      }
    }
    return false;
  }

  /** Scenario controls: list deliveries, replay one (with a fault), fire a lifecycle event. */
  async function control(req: IncomingMessage, res: ServerResponse, url: URL, body: string): Promise<void> {
    const input = (body ? JSON.parse(body) : {}) as { fault?: string; lifecycleEvent?: string };
    if (req.method === 'GET' && url.pathname === '/_simulator/deliveries')
      return json(res, 200, { value: subscriptions.list() });
    if (req.method === 'GET' && url.pathname === '/_simulator/chats')
      return json(res, 200, {
        value: teams.snapshot().map((c) => ({ id: c.id, topic: c.topic, messages: c.messages.length })),
      });
    const redeliver = /^\/_simulator\/deliveries\/([^/]+)\/redeliver$/.exec(url.pathname);
    if (req.method === 'POST' && redeliver) {
      const fault = (input.fault ?? 'none') as Fault;
      if (!faults.includes(fault))
        return json(res, 400, { error: `fault must be one of ${faults.join(', ')}` });
      return json(res, 200, { status: await subscriptions.redeliver(redeliver[1] ?? '', fault) });
    }
    if (req.method === 'GET' && url.pathname === '/_simulator/validation-token')
      return json(res, 200, { token: await subscriptions.token() });
    if (req.method === 'POST' && url.pathname === '/_simulator/outage') {
      // Member lists answer 503 for this many seconds (0 ends it): processing fails and retries.
      membersOutageUntil = Date.now() + Number((input as { seconds?: number }).seconds ?? 0) * 1000;
      return json(res, 200, { until: new Date(membersOutageUntil).toISOString() });
    }
    if (req.method === 'POST' && url.pathname === '/_simulator/forge') {
      const fault = (input.fault ?? 'token') as Fault;
      if (!faults.includes(fault))
        return json(res, 400, { error: `fault must be one of ${faults.join(', ')}` });
      const message = (input as { message?: Record<string, unknown> }).message ?? {};
      return json(res, 200, { statuses: await subscriptions.forge('/chats/getAllMessages', message, fault) });
    }
    const lifecycle = /^\/_simulator\/subscriptions\/([^/]+)\/lifecycle$/.exec(url.pathname);
    if (req.method === 'POST' && lifecycle) {
      const event = input.lifecycleEvent ?? '';
      if (!['reauthorizationRequired', 'subscriptionRemoved', 'missed'].includes(event))
        return json(res, 400, {
          error: 'lifecycleEvent must be reauthorizationRequired, subscriptionRemoved or missed',
        });
      return json(res, 200, { status: await subscriptions.lifecycle(lifecycle[1] ?? '', event) });
    }
    json(res, 404, { error: `No control ${req.method} ${url.pathname}` });
  }

  async function token(res: ServerResponse, form: URLSearchParams, key: KeyLike): Promise<void> {
    if (form.get('grant_type') !== 'client_credentials') {
      return json(res, 400, {
        error: 'unsupported_grant_type',
        error_description: 'Only client_credentials is simulated.',
      });
    }
    if (form.get('client_id') !== app.clientId || form.get('client_secret') !== app.clientSecret) {
      return json(res, 401, {
        error: 'invalid_client',
        error_description: 'AADSTS7000215: Invalid client secret provided.',
      });
    }
    const scope = form.get('scope') ?? '';
    if (!scope.endsWith('/.default'))
      return json(res, 400, { error: 'invalid_scope', error_description: 'Use <resource>/.default.' });
    const accessToken = await new SignJWT({
      appid: app.clientId,
      tid: tenant.tenantId,
      roles: ['GroupMember.Read.All', 'Chat.Read.All', 'ChannelMessage.Read.All', 'ChatMember.Read.All'],
    })
      .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
      .setIssuer(issuer())
      .setAudience(scope.replace(/\/\.default$/, ''))
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(key);
    json(res, 200, {
      token_type: 'Bearer',
      expires_in: 3599,
      ext_expires_in: 3599,
      access_token: accessToken,
    });
  }

  async function authorised(req: IncomingMessage, key: KeyLike): Promise<boolean> {
    const header = req.headers['authorization'] ?? '';
    const bearer = /^Bearer (.+)$/.exec(header)?.[1];
    if (!bearer) return false;
    try {
      await jwtVerify(bearer, key, { issuer: issuer(), audience: graphAudience });
      return true;
    } catch {
      return false;
    }
  }

  function checkMemberGroups(res: ServerResponse, userId: string, body: string): void {
    if (!tenant.users.some((u) => u.id === userId)) {
      return json(res, 404, {
        error: { code: 'Request_ResourceNotFound', message: `Resource '${userId}' does not exist.` },
      });
    }
    const groupIds = (JSON.parse(body || '{}') as { groupIds?: unknown }).groupIds;
    if (!Array.isArray(groupIds) || groupIds.length > 20) {
      return json(res, 400, {
        error: { code: 'Request_BadRequest', message: 'groupIds must list 1 to 20 group ids.' },
      });
    }
    const value = groupIds.filter((g) => tenant.groups.find((x) => x.id === g)?.members.includes(userId));
    json(res, 200, { '@odata.context': `${base}/v1.0/$metadata#Collection(Edm.String)`, value });
  }

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    ca: tls.cert,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

function ok(res: ServerResponse, body: unknown): true {
  json(res, 200, body);
  return true;
}

function created(res: ServerResponse, body: unknown): true {
  json(res, 201, body);
  return true;
}

function noContent(res: ServerResponse): true {
  res.writeHead(204).end();
  return true;
}

/** The app registration the simulator knows locally (not a secret: it only opens the simulator). */
export const localGraphApp: SimulatedApp = {
  clientId: '7e5a0000-0000-4000-8000-0000000000a1',
  clientSecret: 'local-simulator-secret',
};

/** The configuration that points the app's Graph settings at a running simulator. */
export function simulatorSettings(
  simulator: RunningTenantSimulator,
  tenant: LocalTenant,
): Record<string, string> {
  return {
    ESAFETY_GRAPH_TENANT_ID: tenant.tenantId,
    ESAFETY_GRAPH_CLIENT_ID: localGraphApp.clientId,
    ESAFETY_GRAPH_CLIENT_SECRET: localGraphApp.clientSecret,
    ESAFETY_GRAPH_AUTHORITY_HOST: simulator.url,
    ESAFETY_GRAPH_BASE_URL: simulator.url,
  };
}
