/**
 * The bot with its Bot Framework token check on, as in Azure, over HTTP: the local system trusts the
 * tenant simulator's channel (its OpenID metadata and keys) through botbuilder's own validation, and
 * the bot's replies carry its own token from the simulator. Only a token the channel signed for this
 * bot and this serviceUrl is let in; everything else is a 401 that changes nothing.
 */
import { randomUUID } from 'node:crypto';
import { decodeJwt, generateKeyPair, SignJWT } from 'jose';
import { httpsRequest } from '../../adapters/https-transport';
import { localBotApp } from '../../local/graph-simulator/tenant-simulator';
import { botFrameworkIssuer } from '../../local/graph-simulator/simulated-bot-framework';
import { shownText } from '../support/card-text';
import { startStack, type LocalStack } from '../support/local-stack';
import { cardAction, groomingReport, message, type TeamsUser } from '../support/teams-activities';
import { waitFor } from '../support/wait-for';

const sam: TeamsUser = { aadObjectId: '11111111-1111-4111-8111-111111111111', name: 'Sam Staff' };
const refused = { error: 'NOT_AUTHENTICATED', message: 'The request is not authenticated.' };

let stack: LocalStack;
beforeAll(async () => {
  stack = await startStack({ botTokens: true, routes: true, queues: true });
});
afterAll(() => stack.stop());
beforeEach(() => stack.connector.clear());

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const channelToken = (options: { audience?: string; serviceUrl?: string; expiresInSeconds?: number } = {}) =>
  stack.simulator.botFramework.issue({
    audience: options.audience ?? localBotApp.clientId,
    serviceUrl: options.serviceUrl ?? stack.connector.url,
    ...(options.expiresInSeconds !== undefined && { expiresInSeconds: options.expiresInSeconds }),
  });

/** The claims of a real channel token, signed with a key of our own under the channel's key id. */
async function forged(): Promise<string> {
  const real = await channelToken();
  const [header] = real.split('.');
  const { kid } = JSON.parse(Buffer.from(header ?? '', 'base64url').toString('utf8')) as { kid: string };
  const { privateKey } = await generateKeyPair('RS256');
  return new SignJWT({ serviceurl: stack.connector.url })
    .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
    .setIssuer(botFrameworkIssuer)
    .setAudience(localBotApp.clientId)
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(privateKey);
}

/** The same claims with no signature at all (`alg: none`). */
async function unsigned(): Promise<string> {
  const [, payload] = (await channelToken()).split('.');
  const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
  return `${header}.${payload ?? ''}.`;
}

/** A token the tenant gives the Graph app: real, signed, but not the channel's. */
async function graphToken(): Promise<string> {
  const graph = stack.app.config.graph;
  const res = await httpsRequest(`${stack.simulator.url}/${graph?.tenantId ?? ''}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: graph?.clientId ?? '',
      client_secret: graph?.clientSecret ?? '',
      scope: 'https://graph.microsoft.com/.default',
    }).toString(),
    ca: stack.simulator.ca,
  });
  return (JSON.parse(res.body) as { access_token: string }).access_token;
}

describe('the bot with Bot Framework token validation on', () => {
  it('answers a request with a token the channel signed for it, and replies with its own token', async () => {
    const res = await stack.post(message(sam, stack.connector.url, 'report'), bearer(await channelToken()));
    expect(res.status).toBe(200);
    const [card] = stack.connector.cards();
    expect(shownText(card)).toContain('Report an e-safety concern');
    // The reply went out with a token the tenant issued to the bot for the Bot Connector.
    const [reply] = stack.connector.calls;
    expect(reply?.bearer).toBeDefined();
    expect(decodeJwt(reply?.bearer ?? '')).toMatchObject({
      appid: localBotApp.clientId,
      aud: botFrameworkIssuer,
    });
  });

  it('opens a case from a signed report and posts its card to the DSL channel with its own token', async () => {
    const res = await stack.post(
      cardAction(sam, stack.connector.url, 'incident.submit', groomingReport),
      bearer(await channelToken()),
    );
    expect(res.status).toBe(200);
    const reference = /ES-\d{4}-\d{4}/.exec(shownText(res.body.value))?.[0] ?? 'no reference';
    const post = await waitFor(
      () =>
        stack.connector.calls.find(
          (c) => c.path === '/v3/conversations' && shownText(c.body).includes(reference),
        ),
      'the case card in the DSL channel',
    );
    expect(decodeJwt(post.bearer ?? '')).toMatchObject({ appid: localBotApp.clientId });
  });

  it.each([
    ['no token (as the Agents Playground sends)', () => Promise.resolve(undefined)],
    ['an unsigned token', unsigned],
    ['a token signed by someone else under the channel key id', forged],
    ['an expired token', () => channelToken({ expiresInSeconds: -600 })],
    ['a token for another bot', () => channelToken({ audience: randomUUID() })],
    ['a token for another serviceUrl', () => channelToken({ serviceUrl: 'https://smba.example.net/' })],
    ["the tenant's Graph token", graphToken],
  ])('refuses %s with a 401 that says only that, and changes nothing', async (_, token) => {
    const t = await token();
    const headers = t === undefined ? {} : bearer(t);
    const before = (await stack.app.store.allCaseIds()).length;
    for (const activity of [
      message(sam, stack.connector.url, 'report'),
      cardAction(sam, stack.connector.url, 'incident.submit', groomingReport),
    ]) {
      const res = await stack.post(activity, headers);
      expect(res.status).toBe(401);
      expect(res.body).toEqual(refused);
    }
    expect(stack.connector.calls).toEqual([]);
    expect((await stack.app.store.allCaseIds()).length).toBe(before);
  });
});
