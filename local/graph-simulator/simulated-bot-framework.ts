/**
 * The Bot Framework channel's identity, simulated, so the bot can run locally with its token check
 * on, as it does in Azure: the OpenID metadata and signing keys botbuilder validates inbound tokens
 * against, and tokens signed as the Bot Framework signs what Teams sends a bot
 * (https://learn.microsoft.com/azure/bot-service/rest-api/bot-framework-rest-connector-authentication#connector-to-bot):
 * issuer `https://api.botframework.com`, audience the bot's app id, a `serviceurl` claim, RS256 with a
 * key endorsed for the channel (`msteams`).
 *
 * Served over plain http on loopback: botbuilder fetches metadata with its own client, which cannot
 * be given the simulator's self-signed CA. Only keys and tokens for this machine's simulated channel
 * are here; the app's configuration accepts such a metadata URL in local mode only (functions/config.ts).
 * `POST /_simulator/token` issues a token, as a test or a scenario acting as Teams needs one.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { json, readBody } from './http';

/** The issuer of every Bot Framework channel token (public Azure). */
export const botFrameworkIssuer = 'https://api.botframework.com';

export interface ChannelTokenRequest {
  /** The bot's app id: the token's audience. */
  readonly audience: string;
  /** The activity's `serviceUrl`, which the token vouches for. */
  readonly serviceUrl: string;
  /** Lifetime from now; negative for a token that expired that long ago (default 1 h). */
  readonly expiresInSeconds?: number;
}

export interface RunningBotFrameworkIdentity {
  /** The OpenID metadata document's URL (the bot's `ESAFETY_BOT_OPENID_METADATA_URL`). */
  readonly metadataUrl: string;
  /** A channel token, signed with the published key. */
  issue(request: ChannelTokenRequest): Promise<string>;
  stop(): Promise<void>;
}

export async function startBotFrameworkIdentity(options: { port?: number } = {}) {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const kid = randomUUID();
  const jwk: JWK & { endorsements: string[] } = {
    ...(await exportJWK(publicKey)),
    kid,
    use: 'sig',
    alg: 'RS256',
    endorsements: ['msteams'],
  };
  let base = '';

  const issue = (request: ChannelTokenRequest): Promise<string> => {
    const now = Math.floor(Date.now() / 1000);
    const exp = now + (request.expiresInSeconds ?? 3600);
    return new SignJWT({ serviceurl: request.serviceUrl })
      .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
      .setIssuer(botFrameworkIssuer)
      .setAudience(request.audience)
      .setIssuedAt(Math.min(now, exp - 60))
      .setNotBefore(Math.min(now, exp - 60))
      .setExpirationTime(exp)
      .sign(privateKey);
  };

  const server = createServer((req, res) => {
    void route(req, res).catch(() => json(res, 500, { error: 'simulator error' }));
  });

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', base).pathname;
    if (req.method === 'GET' && path === '/v1/.well-known/openidconfiguration')
      return json(res, 200, {
        issuer: botFrameworkIssuer,
        authorization_endpoint: `${base}/v1/.well-known/authorize`,
        jwks_uri: `${base}/v1/.well-known/keys`,
        id_token_signing_alg_values_supported: ['RS256'],
        token_endpoint_auth_methods_supported: ['private_key_jwt'],
      });
    if (req.method === 'GET' && path === '/v1/.well-known/keys') return json(res, 200, { keys: [jwk] });
    if (req.method === 'POST' && path === '/_simulator/token') {
      const input = JSON.parse((await readBody(req)) || '{}') as Partial<ChannelTokenRequest>;
      if (typeof input.audience !== 'string' || typeof input.serviceUrl !== 'string')
        return json(res, 400, { error: 'audience and serviceUrl are required' });
      return json(res, 200, {
        token: await issue({
          audience: input.audience,
          serviceUrl: input.serviceUrl,
          ...(typeof input.expiresInSeconds === 'number' && { expiresInSeconds: input.expiresInSeconds }),
        }),
      });
    }
    json(res, 404, { error: `No route ${req.method} ${path}` });
  }

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    metadataUrl: `${base}/v1/.well-known/openidconfiguration`,
    issue,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  } satisfies RunningBotFrameworkIdentity;
}
