/**
 * A local Microsoft Graph tenant simulator over HTTPS (self-signed certificate for 127.0.0.1), so
 * the real Graph SDK and msal-node code paths run unchanged against `local/tenant.yaml`.
 *
 * Entra side: OpenID metadata, JWKS, and the client-credentials token endpoint (RS256 tokens for the
 * one registered app). Graph side: every call must carry a valid bearer token for Graph;
 * `POST /v1.0/users/{id}/checkMemberGroups` answers from tenant.yaml.
 * Loopback only.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, jwtVerify, SignJWT, type KeyLike } from 'jose';
import selfsigned from 'selfsigned';
import type { LocalTenant } from './tenant';

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

const graphAudience = 'https://graph.microsoft.com';

export async function startTenantSimulator(options: {
  tenant: LocalTenant;
  app: SimulatedApp;
  port?: number;
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

  const server = createServer({ key: tls.private, cert: tls.cert }, (req, res) => {
    void route(req, res).catch(() =>
      json(res, 500, { error: { code: 'InternalServerError', message: 'simulator error' } }),
    );
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
    if (req.method === 'GET' && url.pathname === `/${t}/discovery/v2.0/keys`)
      return json(res, 200, { keys: [jwk] });
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
    }
    json(res, 404, {
      error: {
        code: 'Request_ResourceNotFound',
        message: `No route ${req.method} ${url.pathname} in the simulator.`,
      },
    });
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
      roles: ['GroupMember.Read.All'],
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
