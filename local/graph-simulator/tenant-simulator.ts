/**
 * A local Microsoft Graph tenant simulator over HTTPS (self-signed certificate for 127.0.0.1), so
 * the real Graph SDK and msal-node code paths run unchanged against `local/tenant.yaml`.
 *
 * Entra side: OpenID metadata, JWKS (per tenant and `common`), and the client-credentials token
 * endpoint (RS256 tokens for the Graph app, and Bot Connector tokens for the bot's app). Bot Framework
 * side (simulated-bot-framework.ts): the channel's OpenID metadata, endorsed keys and tokens, for a
 * bot run with its token check on. Graph side: every call must carry a valid
 * bearer token for Graph; `POST /v1.0/users/{id}/checkMemberGroups` answers from tenant.yaml; chats,
 * channel and chat messages (simulated-teams.ts); subscriptions and change notifications with
 * encrypted resource data (simulated-subscriptions.ts); OneDrive and SharePoint sharing, delta, drive
 * subscriptions and audit log queries (simulated-drives.ts). Collections page 20 items at a time.
 * Control routes for scenarios live under `/_simulator/` (deliveries, replays with faults, forged
 * notifications, lifecycle events, a Graph outage (every read 503 or 429), files, delta resyncs, audit settings and
 * records). Loopback only. With `dataDir`, chats, subscriptions, drives and the audit log survive a
 * restart (as they would in a real tenant).
 *
 * Sharing calls (createLink, invite, removing a permission) name the person acting in the request
 * header `x-simulator-user: <tenant user id>`: it stands in for the signed-in user of a delegated
 * token, which the simulator's app-only tokens do not carry.
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
import { ResyncRequiredError, SimulatedDrives, type DrivesState } from './simulated-drives';
import type { StoredSubscription } from './simulated-subscriptions';
import type { LocalTenant } from '../tenant';
import { json, readBody } from './http';
import {
  botFrameworkIssuer,
  startBotFrameworkIdentity,
  type RunningBotFrameworkIdentity,
} from './simulated-bot-framework';

export interface SimulatedApp {
  readonly clientId: string;
  readonly clientSecret: string;
}

export interface RunningTenantSimulator {
  /** `https://127.0.0.1:<port>`: both the authority host and the Graph base URL. */
  readonly url: string;
  /** PEM of the certificate to trust. */
  readonly ca: string;
  /** The Bot Framework channel's keys and tokens, for a bot run with its token check on. */
  readonly botFramework: RunningBotFrameworkIdentity;
  stop(): Promise<void>;
}

interface SavedState {
  readonly chats: Chat[];
  readonly subscriptions: StoredSubscription[];
  /** Absent from state saved before drives were simulated. */
  readonly drives?: DrivesState;
}

const graphAudience = 'https://graph.microsoft.com';

export async function startTenantSimulator(options: {
  tenant: LocalTenant;
  app: SimulatedApp;
  port?: number;
  /** Where chats, subscriptions, drives and audit records are kept between runs; in memory only when absent. */
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
  let saveTimer: NodeJS.Timeout | undefined;
  const save = () => {
    if (!statePath) return;
    clearTimeout(saveTimer);
    saveTimer = undefined;
    const state: SavedState = {
      chats: teams.snapshot(),
      subscriptions: subscriptions.snapshot(),
      drives: drives.snapshot(),
    };
    writeFileSync(statePath, JSON.stringify(state));
  };
  // Drive changes come in bursts (a bulk share, thousands of audit records): saved together shortly
  // after, and on stop.
  const flush = () => {
    try {
      save();
    } catch {
      // The data folder is gone (a test's scratch folder removed first): nothing left to keep.
    }
  };
  const saveSoon = () => {
    if (statePath && !saveTimer) saveTimer = setTimeout(flush, 100);
  };
  const subscriptions = new SimulatedSubscriptions({
    tenantId: tenant.tenantId,
    appId: app.clientId,
    onChange: save,
    driveExists: (driveId): boolean => drives.hasDrive(driveId),
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
  /** A Graph outage: until then every read answers this status (503, or 429 with Retry-After). */
  let outage = { until: 0, status: 503 };
  const teams = new SimulatedTeams(
    tenant,
    (change, resource) => subscriptions.publish(change, resource),
    save,
  );
  const drives: SimulatedDrives = new SimulatedDrives(
    tenant,
    (change) => subscriptions.publish(change, undefined),
    saveSoon,
  );
  if (statePath && existsSync(statePath)) {
    const saved = JSON.parse(readFileSync(statePath, 'utf8')) as SavedState;
    teams.restore(saved.chats);
    subscriptions.restore(saved.subscriptions);
    if (saved.drives) drives.restore(saved.drives);
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
    // Reads only: people keep chatting and sharing in Teams while the app cannot read Graph.
    if (method === 'GET' && Date.now() < outage.until) {
      const throttled = outage.status === 429;
      res
        .writeHead(outage.status, {
          'content-type': 'application/json',
          'retry-after': throttled ? '1' : '0',
        })
        .end(
          JSON.stringify({
            error: {
              code: throttled ? 'TooManyRequests' : 'ServiceUnavailable',
              message: 'Simulated outage.',
            },
          }),
        );
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
    if (path.startsWith('/drives/') || path.startsWith('/shares/')) return driveRoutes(req, res, url, body);
    if (path.startsWith('/security/auditLog/')) {
      if (drives.throttled()) {
        res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '1' }).end(
          JSON.stringify({
            error: { code: 'TooManyRequests', message: 'Too many requests. Retry after 1 second.' },
          }),
        );
        return true;
      }
      if (path === '/security/auditLog/queries') {
        if (method === 'POST') return created(res, drives.createAuditQuery(input()));
        if (method === 'GET') return collection(drives.auditQueries(skip));
      }
      if ((m = parts(/^\/security\/auditLog\/queries\/([^/]+)$/)) && method === 'GET')
        return ok(res, drives.auditQuery(m[0] ?? ''));
      if ((m = parts(/^\/security\/auditLog\/queries\/([^/]+)\/records$/)) && method === 'GET')
        return collection(drives.auditRecords(m[0] ?? '', skip));
    }
    if (path === '/subscriptions') {
      if (method === 'POST')
        return created(
          res,
          subscriptions.view(await subscriptions.create(input(), { prefer: header(req, 'prefer') })),
        );
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

  /** Drives, files, permissions, the shares API and delta: true when a route answered. */
  function driveRoutes(req: IncomingMessage, res: ServerResponse, url: URL, body: string): boolean {
    const path = url.pathname.replace(/^\/v1\.0/, '');
    const method = req.method ?? 'GET';
    const parts = (re: RegExp) => re.exec(path)?.slice(1).map(decodeURIComponent);
    const input = () => (body ? (JSON.parse(body) as unknown) : {});
    const actor = header(req, 'x-simulator-user');
    let m: string[] | undefined;
    if ((m = parts(/^\/drives\/([^/]+)$/)) && method === 'GET') return ok(res, drives.drive(m[0] ?? ''));
    if ((m = parts(/^\/drives\/([^/]+)\/items\/([^/]+)$/)) && method === 'GET')
      return ok(res, drives.item(m[0] ?? '', m[1] ?? ''));
    if ((m = parts(/^\/drives\/([^/]+)\/items\/([^/]+)\/permissions$/)) && method === 'GET')
      return ok(res, {
        '@odata.context': `${base}/v1.0/$metadata#Collection(permission)`,
        value: drives.permissions(m[0] ?? '', m[1] ?? ''),
      });
    if ((m = parts(/^\/drives\/([^/]+)\/items\/([^/]+)\/permissions\/([^/]+)$/)) && method === 'DELETE') {
      drives.deletePermission(m[0] ?? '', m[1] ?? '', m[2] ?? '', actor);
      return noContent(res);
    }
    if ((m = parts(/^\/drives\/([^/]+)\/items\/([^/]+)\/createLink$/)) && method === 'POST') {
      const link = drives.createLink(m[0] ?? '', m[1] ?? '', input(), actor);
      json(res, link.created ? 201 : 200, link.permission);
      return true;
    }
    if ((m = parts(/^\/drives\/([^/]+)\/items\/([^/]+)\/invite$/)) && method === 'POST')
      return ok(res, {
        '@odata.context': `${base}/v1.0/$metadata#Collection(permission)`,
        value: drives.invite(m[0] ?? '', m[1] ?? '', input(), actor),
      });
    if ((m = parts(/^\/shares\/([^/]+)\/driveItem$/)) && method === 'GET')
      return ok(res, drives.sharedItem(m[0] ?? ''));
    if ((m = parts(/^\/drives\/([^/]+)\/root\/delta(?:\(\))?$/)) && method === 'GET') {
      const driveId = m[0] ?? '';
      const link = (token?: string) =>
        `${base}/v1.0/drives/${encodeURIComponent(driveId)}/root/delta` +
        (token === undefined ? '' : `?token=${encodeURIComponent(token)}`);
      const sharingChanges = /(^|[\s,;])deltashowsharingchanges([\s,;=]|$)/i.test(
        header(req, 'prefer') ?? '',
      );
      try {
        const page = drives.delta(driveId, url.searchParams.get('token'), { sharingChanges });
        return ok(res, {
          '@odata.context': `${base}/v1.0/$metadata#Collection(driveItem)`,
          value: page.value,
          ...(page.nextToken !== undefined
            ? { '@odata.nextLink': link(page.nextToken) }
            : { '@odata.deltaLink': link(page.deltaToken) }),
        });
      } catch (err) {
        if (!(err instanceof ResyncRequiredError)) throw err;
        res
          .writeHead(410, { 'content-type': 'application/json', location: link() })
          .end(JSON.stringify({ error: { code: err.code, message: err.message } }));
        return true;
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
      // Every Graph read answers 503 (or `status: 429`) for this many seconds (0 ends it).
      const { seconds = 0, status = 503 } = input as { seconds?: number; status?: number };
      if (status !== 503 && status !== 429) return json(res, 400, { error: 'status must be 503 or 429' });
      outage = { until: Date.now() + Number(seconds) * 1000, status };
      return json(res, 200, { until: new Date(outage.until).toISOString(), status });
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
    if (driveControl(req, res, url, body)) return;
    json(res, 404, { error: `No control ${req.method} ${url.pathname}` });
  }

  /**
   * Drive and audit controls: create files, read permissions without a token, force a delta resync,
   * set the audit record limit or throttle the next audit requests, add synthetic audit records.
   */
  function driveControl(req: IncomingMessage, res: ServerResponse, url: URL, body: string): boolean {
    const input = () => (body ? (JSON.parse(body) as unknown) : {});
    const parts = (re: RegExp) => re.exec(url.pathname)?.slice(1).map(decodeURIComponent);
    let m: string[] | undefined;
    if ((m = parts(/^\/_simulator\/drives\/([^/]+)\/items$/)) && req.method === 'POST')
      return created(res, drives.addItems(m[0] ?? '', input()));
    if ((m = parts(/^\/_simulator\/drives\/([^/]+)\/items\/([^/]+)\/permissions$/)) && req.method === 'GET')
      return ok(res, { value: drives.permissions(m[0] ?? '', m[1] ?? '') });
    if ((m = parts(/^\/_simulator\/drives\/([^/]+)\/resync$/)) && req.method === 'POST') {
      drives.resync(m[0] ?? '');
      return ok(res, { resynced: m[0] });
    }
    if (url.pathname === '/_simulator/audit' && req.method === 'POST')
      return ok(res, drives.configureAudit(input()));
    if (url.pathname === '/_simulator/audit/records' && req.method === 'POST')
      return ok(res, drives.addSyntheticRecords(input()));
    return false;
  }

  async function token(res: ServerResponse, form: URLSearchParams, key: KeyLike): Promise<void> {
    if (form.get('grant_type') !== 'client_credentials') {
      return json(res, 400, {
        error: 'unsupported_grant_type',
        error_description: 'Only client_credentials is simulated.',
      });
    }
    // Two registrations: the Graph app, and the bot's, which gets tokens for the Bot Connector only.
    const client = [app, localBotApp].find(
      (a) => a.clientId === form.get('client_id') && a.clientSecret === form.get('client_secret'),
    );
    if (!client) {
      return json(res, 401, {
        error: 'invalid_client',
        error_description: 'AADSTS7000215: Invalid client secret provided.',
      });
    }
    const scope = form.get('scope') ?? '';
    if (!scope.endsWith('/.default'))
      return json(res, 400, { error: 'invalid_scope', error_description: 'Use <resource>/.default.' });
    const bot = client === localBotApp;
    if (bot !== (scope === `${botFrameworkIssuer}/.default`))
      return json(res, 400, {
        error: 'invalid_scope',
        error_description: `AADSTS70011: ${scope} is not a scope this app may ask for.`,
      });
    const accessToken = await new SignJWT({
      appid: client.clientId,
      tid: tenant.tenantId,
      roles: bot
        ? []
        : [
            // What docs/permissions.md asks an admin to consent to (esafety doctor reads them).
            'GroupMember.Read.All',
            'Chat.Read.All',
            'ChannelMessage.Read.All',
            'ChatMember.Read.All',
            'ChannelMember.Read.All',
            'Files.ReadWrite.All',
            'AuditLogsQuery-SharePoint.Read.All',
            'AuditLogsQuery-OneDrive.Read.All',
          ],
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
  const botFramework = await startBotFrameworkIdentity();
  return {
    url: base,
    ca: tls.cert,
    botFramework,
    stop: async () => {
      subscriptions.stop();
      await botFramework.stop();
      await new Promise<void>((resolve) => {
        if (saveTimer) flush();
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
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

/** The bot's app registration in the simulated tenant (as localGraphApp, it opens only the simulator). */
export const localBotApp: SimulatedApp = {
  clientId: '7e5a0000-0000-4000-8000-0000000000b0',
  clientSecret: 'local-bot-secret',
};

/**
 * The bot's settings for a run with its Bot Framework token check on: its registration in the
 * simulated tenant, trusting the simulated channel's keys (and, for its own tokens, the simulator).
 */
export function botTokenSettings(
  simulator: RunningTenantSimulator,
  tenant: LocalTenant,
): Record<string, string> {
  return {
    ESAFETY_BOT_APP_ID: localBotApp.clientId,
    ESAFETY_BOT_APP_PASSWORD: localBotApp.clientSecret,
    ESAFETY_BOT_TENANT_ID: tenant.tenantId,
    ESAFETY_BOT_OPENID_METADATA_URL: simulator.botFramework.metadataUrl,
  };
}

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
