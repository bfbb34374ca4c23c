/**
 * The Azure AI Content Safety adapter over real HTTP, against a loopback server that replays
 * recorded answers (test/support/content-safety-recordings/) and keeps every request it received:
 * the contract suite, the request the adapter sends, long texts, retries, deadlines and failures.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { AccessToken, TokenCredential } from '@azure/identity';
import {
  ContentSafetyClassifier,
  maxTextCodePoints,
  type ContentSafetyAuth,
  type ContentSafetyOptions,
} from '../../adapters/content-safety';
import type { EsafetyError } from '../../core/errors';
import { silentLogger } from '../../core/logger';
import { loadConfig } from '../../functions/config';
import { compose } from '../../functions/composition-root';
import {
  contractTexts,
  describeTextClassifierContract,
  longTextLines,
} from '../contract/text-classifier.contract';
import { repoRoot } from '../support/fixtures';
import { RecordingLogger } from '../support/recording-logger';

interface Recording {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: unknown;
}

interface Received {
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, string>;
  readonly headers: IncomingHttpHeaders;
  readonly body: { text: string; categories: string[]; outputType: string };
}

const recordingsDir = join(__dirname, '..', 'support', 'content-safety-recordings');
const recording = (name: string): Recording =>
  JSON.parse(readFileSync(join(recordingsDir, `${name}.json`), 'utf8')) as Recording;

/** Which recording answers a request (`seen`: earlier requests with the same text), or none at all. */
type Route = (request: Received, seen: number) => string;
const noAnswer = 'no-answer';

/** The contract texts' recordings; any other text is harmless. */
const contractRoute: Route = ({ body: { text } }) => {
  if (text === contractTexts.threat) return 'violent-threat';
  if (text === contractTexts.selfHarm) return 'self-harm';
  if (text === contractTexts.unavailable) return 'server-error';
  if (text.includes(longTextLines.early)) return 'long-text-hateful-part';
  if (text.includes(longTextLines.late)) return 'long-text-violent-part';
  return 'harmless';
};

const received: Received[] = [];
let route: Route = contractRoute;
let server: Server;
let endpoint: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://replay');
      const request: Received = {
        method: req.method ?? '',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: req.headers,
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Received['body'],
      };
      const seen = received.filter((r) => r.body.text === request.body.text).length;
      received.push(request);
      const name = route(request, seen);
      if (name === noAnswer) return; // the connection stays open until the client gives up
      const answer = recording(name);
      res.writeHead(answer.status, answer.headers).end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  return new Promise<void>((r) => server.close(() => r()));
});

let waits: number[] = [];
beforeEach(() => {
  received.length = 0;
  route = contractRoute;
  waits = [];
});

const key = 'replay-server-key-0123456789abcdef';

/** The adapter against the replay server; retries record their wait instead of sleeping. */
function classifier(
  options: ContentSafetyOptions = {},
  auth: ContentSafetyAuth = { kind: 'key', key },
  url = endpoint,
) {
  return new ContentSafetyClassifier(
    { endpoint: url, auth },
    {
      pause: (ms) => {
        waits.push(ms);
        return Promise.resolve();
      },
      ...options,
    },
  );
}

async function failure(classifying: Promise<unknown>): Promise<EsafetyError> {
  return classifying.then(
    () => {
      throw new Error('expected the classification to fail');
    },
    (err: unknown) => err as EsafetyError,
  );
}

class FakeCredential implements TokenCredential {
  readonly requests: string[][] = [];
  constructor(private readonly lifetimeMs = 60 * 60_000) {}
  getToken(scopes: string | string[]): Promise<AccessToken> {
    this.requests.push([scopes].flat());
    return Promise.resolve({
      token: `token-${this.requests.length}`,
      expiresOnTimestamp: Date.now() + this.lifetimeMs,
    });
  }
}

describeTextClassifierContract('Azure AI Content Safety (recorded answers over HTTP)', () => classifier());

describe('the Analyze Text request', () => {
  it('is a POST to /contentsafety/text:analyze?api-version=2024-09-01 with the key, asking for all four categories in eight levels', async () => {
    await classifier().classify(contractTexts.threat);
    expect(received).toHaveLength(1);
    const [request] = received;
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe('/contentsafety/text:analyze');
    expect(request?.query).toEqual({ 'api-version': '2024-09-01' });
    expect(request?.headers['ocp-apim-subscription-key']).toBe(key);
    expect(request?.headers['authorization']).toBeUndefined();
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.body).toEqual({
      text: contractTexts.threat,
      categories: ['Hate', 'Sexual', 'Violence', 'SelfHarm'],
      outputType: 'EightSeverityLevels',
    });
  });

  it('goes to the same path when the endpoint ends with a slash, as the portal shows it', async () => {
    await classifier({}, { kind: 'key', key }, `${endpoint}/`).classify(contractTexts.harmless);
    expect(received.map((r) => r.path)).toEqual(['/contentsafety/text:analyze']);
  });

  it('sends nothing for a blank text', async () => {
    expect(await classifier().classify('  ')).toEqual([]);
    expect(received).toHaveLength(0);
  });

  it('with a managed identity, sends a bearer token for the Cognitive Services scope and no key, asking for one token for many calls', async () => {
    const credential = new FakeCredential();
    const identity = classifier({ credential }, { kind: 'identity' });
    await Promise.all([
      identity.classify(contractTexts.threat),
      identity.classify(contractTexts.selfHarm),
      identity.classify(contractTexts.harmless),
    ]);
    await identity.classify(contractTexts.harmless);
    expect(credential.requests).toEqual([['https://cognitiveservices.azure.com/.default']]);
    expect(received).toHaveLength(4);
    for (const request of received) {
      expect(request.headers['authorization']).toBe('Bearer token-1');
      expect(request.headers['ocp-apim-subscription-key']).toBeUndefined();
    }
  });

  it('asks for a new token when the one it has expires within five minutes', async () => {
    const credential = new FakeCredential(60_000);
    const identity = classifier({ credential }, { kind: 'identity' });
    await identity.classify(contractTexts.harmless);
    await identity.classify(contractTexts.harmless);
    expect(received.map((r) => r.headers['authorization'])).toEqual(['Bearer token-1', 'Bearer token-2']);
  });

  it('fails UPSTREAM_UNAVAILABLE, sending nothing, when no token is issued', async () => {
    const credential: TokenCredential = { getToken: () => Promise.reject(new Error('no identity here')) };
    const error = await failure(
      classifier({ credential }, { kind: 'identity' }).classify(contractTexts.harmless),
    );
    expect(error.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(error.details).toEqual({ operation: 'token' });
    expect(received).toHaveLength(0);
  });
});

describe('a text longer than one request allows', () => {
  it('is sent in parts of at most 10,000 code points that cover it from start to end', async () => {
    await classifier().classify(contractTexts.long);
    const parts = received.map((r) => r.body.text);
    expect(parts.length).toBeGreaterThanOrEqual(3);
    for (const part of parts) {
      expect(Array.from(part).length).toBeLessThanOrEqual(maxTextCodePoints);
      expect(contractTexts.long).toContain(part);
    }
    expect(parts.some((p) => contractTexts.long.startsWith(p))).toBe(true);
    expect(parts.some((p) => contractTexts.long.endsWith(p))).toBe(true);
  });

  it('fails as a whole when one of its parts fails', async () => {
    route = (request) => (request.body.text.includes(longTextLines.late) ? 'invalid-request' : 'harmless');
    const error = await failure(classifier().classify(contractTexts.long));
    expect(error.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(error.details['status']).toBe(400);
  });
});

describe('when the service is busy or failing', () => {
  it('retries a 429 after the Retry-After it names, then takes the answer, logging the wait but not the text', async () => {
    route = (request, seen) => (seen === 0 ? 'throttled' : contractRoute(request, seen));
    const log = new RecordingLogger();
    const verdicts = await classifier({ log }).classify(contractTexts.threat);
    expect(verdicts).toContainEqual({ category: 'violence', severity: 4 });
    expect(received).toHaveLength(2);
    expect(waits).toEqual([1000]);
    expect(log.find({ event: 'contentSafety.retry', status: 429, waitMs: 1000 })).toHaveLength(1);
    expect(JSON.stringify(log.entries)).not.toContain('know where you live');
  });

  it('retries a 500 twice with a doubling back-off, then fails UPSTREAM_UNAVAILABLE with the status and the service code', async () => {
    const error = await failure(classifier().classify(contractTexts.unavailable));
    expect(received).toHaveLength(3);
    expect(waits).toEqual([250, 500]);
    expect(error.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(error.details).toMatchObject({ status: 500, upstreamCode: 'InternalError', attempts: 3 });
  });

  it('does not retry a 400, and names the service code but neither its message nor the text', async () => {
    route = () => 'invalid-request';
    const error = await failure(classifier().classify(contractTexts.threat));
    expect(received).toHaveLength(1);
    expect(error.details).toMatchObject({ status: 400, upstreamCode: 'InvalidRequestBody' });
    const said = JSON.stringify({ message: error.message, details: error.details, cause: error.cause });
    expect(said).not.toContain('know where you live');
    expect(said).not.toContain('does not match the API definition');
  });

  it('does not retry a 401 (a wrong key or endpoint)', async () => {
    route = () => 'unauthorized';
    const error = await failure(classifier().classify(contractTexts.harmless));
    expect(received).toHaveLength(1);
    expect(error.details).toMatchObject({ status: 401, upstreamCode: '401' });
    expect(error.message).not.toContain('subscription key');
  });

  it('fails at once when the service asks for a wait that would end past the deadline', async () => {
    route = () => 'throttled-for-a-minute';
    const error = await failure(classifier().classify(contractTexts.harmless));
    expect(received).toHaveLength(1);
    expect(waits).toEqual([]);
    expect(error.details).toMatchObject({ status: 429, waitMs: 60_000 });
  });

  it('gives up at the deadline when the service does not answer', async () => {
    route = () => noAnswer;
    const error = await failure(classifier({ deadlineMs: 300 }).classify(contractTexts.harmless));
    expect(error.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(error.message).toContain('did not answer within 300 ms');
    expect(received).toHaveLength(1);
  });

  it('treats an answer in another shape as the service failing, naming only where it was wrong', async () => {
    route = () => 'unexpected-shape';
    const error = await failure(classifier().classify(contractTexts.harmless));
    expect(error.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(error.details['paths']).toBe('categoriesAnalysis.0.severity');
  });

  it('fails UPSTREAM_UNAVAILABLE after its retries when nothing listens at the endpoint', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const error = await failure(
      classifier({}, { kind: 'key', key }, `http://127.0.0.1:${port}`).classify(contractTexts.harmless),
    );
    expect(error.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(error.details).toMatchObject({ attempts: 3 });
    expect(waits).toEqual([250, 500]);
  });
});

describe('the composition root', () => {
  it('exposes a classifier only when Content Safety is configured', () => {
    const off = compose(loadConfig({}), { log: silentLogger, root: repoRoot });
    expect(off.classifier).toBeUndefined();
    const on = compose(
      loadConfig({
        ESAFETY_CONTENT_SAFETY_ENDPOINT: 'https://college-safety.cognitiveservices.azure.com',
        ESAFETY_CONTENT_SAFETY_CLIENT_ID: '7d0b1c2a-3e4f-4a5b-8c6d-7e8f9a0b1c2d',
      }),
      { log: silentLogger, root: repoRoot },
    );
    expect(on.classifier).toBeInstanceOf(ContentSafetyClassifier);
  });
});
