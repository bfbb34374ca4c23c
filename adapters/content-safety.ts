/**
 * Azure AI Content Safety text analysis: the production TextClassifier
 * (core/detection/text-classifier.ts), in the college's own Content Safety resource and region.
 *
 * One REST call per part of a text, with Node's built-in fetch:
 * `POST {endpoint}/contentsafety/text:analyze?api-version=2024-09-01` (the current GA version) with
 * `{ text, categories: ['Hate','Sexual','Violence','SelfHarm'], outputType: 'EightSeverityLevels' }`,
 * answered with `{ categoriesAnalysis: [{ category, severity }] }`, severity 0–7. Authentication is
 * the resource's key (`Ocp-Apim-Subscription-Key`) or a Microsoft Entra token for
 * `https://cognitiveservices.azure.com/.default` (the Function App's managed identity through
 * DefaultAzureCredential, as for storage in adapters/storage-clients.ts).
 * - REST quickstart: https://learn.microsoft.com/azure/ai-services/content-safety/quickstart-text
 * - Input requirements (10K characters; split longer text):
 *   https://learn.microsoft.com/azure/ai-services/content-safety/overview#input-requirements
 * - The 2024-09-01 API definition (`AnalyzeTextOptions.text`: at most 10,000 Unicode code points;
 *   both security schemes; errors as `{ error: { code, message } }`):
 *   https://github.com/Azure/azure-rest-api-specs/blob/main/specification/cognitiveservices/data-plane/ContentSafety/stable/2024-09-01/contentsafety.json
 *
 * A text longer than one request allows is split into parts (at whitespace where possible, each
 * part overlapping the previous one a little so a sentence across a cut is also seen whole) and the
 * highest severity per category is kept. Every call has one deadline, retries included; 429 and
 * 5xx answers and dropped connections are retried a few times, waiting as long as Retry-After says
 * when that fits in the deadline. Every failure is UPSTREAM_UNAVAILABLE with the status and the
 * service's error code, never the service's message or the text. Nothing of the text is logged.
 * Plain http is allowed only to a loopback address (tests).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { DefaultAzureCredential, type AccessToken, type TokenCredential } from '@azure/identity';
import { z } from 'zod';
import type {
  ClassifierCategory,
  ClassifierVerdict,
  TextClassifier,
} from '../core/detection/text-classifier';
import { EsafetyError, fail, failedPaths } from '../core/errors';
import { silentLogger, type Logger } from '../core/logger';
import { isLoopback } from './storage-clients';

export const contentSafetyApiVersion = '2024-09-01';
/** The token scope of Azure AI services (Cognitive Services) data-plane calls. */
export const contentSafetyScope = 'https://cognitiveservices.azure.com/.default';
/** The most text one Analyze Text request may carry, in Unicode code points. */
export const maxTextCodePoints = 10_000;

export type ContentSafetyAuth =
  | { readonly kind: 'key'; readonly key: string }
  | {
      readonly kind: 'identity';
      /** A user-assigned managed identity's client id; absent, the system-assigned identity. */
      readonly clientId?: string;
    };

export interface ContentSafetySettings {
  /** The resource's endpoint, `https://<resource>.cognitiveservices.azure.com`. */
  readonly endpoint: string;
  readonly auth: ContentSafetyAuth;
}

export interface ContentSafetyOptions {
  /** Deadline of one `classify` call, every part and retry included (default 5 s). */
  readonly deadlineMs?: number;
  /** Retries of a 429, a 5xx or a dropped connection, per part (default 2). */
  readonly maxRetries?: number;
  /** First wait before a retry when the service names none; doubles each time (default 250 ms). */
  readonly backoffMs?: number;
  /** Parts of a long text analysed at once (default 3). */
  readonly concurrency?: number;
  /** Where identity tokens come from (default DefaultAzureCredential). */
  readonly credential?: TokenCredential;
  /** How a retry waits (tests record the waits instead). */
  readonly pause?: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly log?: Logger;
}

/** The service's category names, in the order verdicts are returned. */
const categories = {
  Hate: 'hate',
  Sexual: 'sexual',
  Violence: 'violence',
  SelfHarm: 'selfHarm',
} as const satisfies Record<string, ClassifierCategory>;
const verdictOrder: readonly ClassifierCategory[] = Object.values(categories);

const analyzeTextResult = z.object({
  categoriesAnalysis: z.array(
    z.object({
      category: z.string(),
      severity: z.number().int().min(0).max(7).optional(),
    }),
  ),
});
const errorResponse = z.object({ error: z.object({ code: z.string() }) });
const safeCode = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * Why an endpoint may not be used, or undefined when it may: the resource's https endpoint with no
 * path, query or credentials; plain http only to a loopback address.
 */
export function contentSafetyEndpointProblem(url: URL): string | undefined {
  if (url.protocol === 'http:' && !isLoopback(url))
    return 'must use https (http is allowed only to a loopback address)';
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an https URL';
  if (url.pathname !== '/' || url.search || url.hash || url.username || url.password)
    return "must be the resource's endpoint alone, such as https://<resource>.cognitiveservices.azure.com";
  return undefined;
}

/**
 * A text cut into parts of at most `max` code points (never inside a surrogate pair), at
 * whitespace where there is some in the last tenth of a part; each part after the first starts up
 * to `overlap` code points before the previous one ended, at a word where possible.
 */
export function textParts(text: string, max = maxTextCodePoints, overlap = 200): string[] {
  const points = Array.from(text);
  if (points.length <= max) return [text];
  const isSpace = (i: number) => /\s/u.test(points[i] ?? '');
  const parts: string[] = [];
  let start = 0;
  for (;;) {
    let end = Math.min(start + max, points.length);
    if (end < points.length) {
      for (let i = end; i > end - Math.floor(max / 10); i--)
        if (isSpace(i - 1)) {
          end = i;
          break;
        }
    }
    parts.push(points.slice(start, end).join(''));
    if (end >= points.length) return parts;
    let next = Math.max(start + 1, end - overlap);
    for (let i = next; i < end; i++)
      if (isSpace(i - 1)) {
        next = i;
        break;
      }
    start = next;
  }
}

/**
 * How long the service asked us to wait, in ms: `retry-after-ms` / `x-ms-retry-after-ms`, or
 * `Retry-After` in seconds or as an HTTP date. Undefined when it named no wait.
 */
export function retryAfterMs(headers: Headers, now = Date.now()): number | undefined {
  const ms = headers.get('retry-after-ms') ?? headers.get('x-ms-retry-after-ms');
  if (ms !== null && /^\d+(\.\d+)?$/.test(ms.trim())) return Math.ceil(Number(ms));
  const value = headers.get('retry-after')?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

type PartVerdicts = ReadonlyMap<ClassifierCategory, number>;

export class ContentSafetyClassifier implements TextClassifier {
  private readonly url: URL;
  private readonly credential: TokenCredential | undefined;
  private readonly deadlineMs: number;
  private readonly maxRetries: number;
  private readonly backoffMs: number;
  private readonly concurrency: number;
  private readonly pause: (ms: number, signal: AbortSignal) => Promise<void>;
  private readonly log: Logger;
  private token: { readonly value: string; readonly refreshAt: number } | undefined;
  private pendingToken: Promise<string> | undefined;

  constructor(
    private readonly settings: ContentSafetySettings,
    options: ContentSafetyOptions = {},
  ) {
    const endpoint = URL.canParse(settings.endpoint) ? new URL(settings.endpoint) : undefined;
    const problem = endpoint ? contentSafetyEndpointProblem(endpoint) : 'must be a URL';
    if (!endpoint || problem)
      fail('CONFIG_INVALID', `The Azure AI Content Safety endpoint ${problem}.`, {
        setting: 'ESAFETY_CONTENT_SAFETY_ENDPOINT',
      });
    this.url = new URL('/contentsafety/text:analyze', endpoint);
    this.url.searchParams.set('api-version', contentSafetyApiVersion);
    const { auth } = settings;
    this.credential =
      auth.kind === 'key'
        ? undefined
        : (options.credential ??
          new DefaultAzureCredential(auth.clientId ? { managedIdentityClientId: auth.clientId } : {}));
    this.deadlineMs = options.deadlineMs ?? 5000;
    this.maxRetries = options.maxRetries ?? 2;
    this.backoffMs = options.backoffMs ?? 250;
    this.concurrency = Math.max(1, options.concurrency ?? 3);
    this.pause = options.pause ?? ((ms, signal) => sleep(ms, undefined, { signal }));
    this.log = options.log ?? silentLogger;
  }

  async classify(text: string): Promise<ClassifierVerdict[]> {
    if (text.trim() === '') return [];
    const parts = textParts(text);
    const stop = new AbortController();
    const signal = AbortSignal.any([stop.signal, AbortSignal.timeout(this.deadlineMs)]);
    const startedAt = Date.now();
    const results: PartVerdicts[] = [];
    let next = 0;
    const worker = async () => {
      while (next < parts.length && !signal.aborted) {
        const index = next++;
        results[index] = await this.analyze(parts[index] ?? '', signal, startedAt, parts.length);
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(this.concurrency, parts.length) }, worker));
    } catch (err) {
      stop.abort();
      if (err instanceof EsafetyError) throw err;
      return fail(
        'UPSTREAM_UNAVAILABLE',
        `Azure AI Content Safety did not answer within ${this.deadlineMs} ms.`,
        { operation: 'analyzeText', deadlineMs: this.deadlineMs, parts: parts.length },
      );
    }
    const worst = new Map<ClassifierCategory, number>();
    for (const part of results)
      for (const [category, severity] of part)
        worst.set(category, Math.max(worst.get(category) ?? 0, severity));
    return verdictOrder.flatMap((category) => {
      const severity = worst.get(category);
      return severity === undefined ? [] : [{ category, severity }];
    });
  }

  /** One part: the request, retried while the answer is transient and the deadline allows. */
  private async analyze(
    part: string,
    signal: AbortSignal,
    startedAt: number,
    parts: number,
  ): Promise<PartVerdicts> {
    const body = JSON.stringify({
      text: part,
      categories: Object.keys(categories),
      outputType: 'EightSeverityLevels',
    });
    const details = { operation: 'analyzeText', parts };
    for (let attempt = 0; ; attempt++) {
      const headers = { ...(await this.authorization(signal)), 'content-type': 'application/json' };
      let response: Response;
      try {
        response = await fetch(this.url, { method: 'POST', headers, body, signal, redirect: 'error' });
      } catch (err) {
        if (signal.aborted) throw err; // the deadline, or another part failed: classify says which
        if (attempt >= this.maxRetries)
          fail(
            'UPSTREAM_UNAVAILABLE',
            'Azure AI Content Safety could not be reached.',
            { ...details, attempts: attempt + 1 },
            err,
          );
        await this.wait(this.backoffMs * 2 ** attempt, signal, startedAt, {
          ...details,
          status: 'noAnswer',
          attempts: attempt + 1,
        });
        continue;
      }
      if (response.ok) return verdictsOf(await response.text(), details);
      const status = response.status;
      const upstreamCode = errorCodeOf(response.headers, await response.text());
      const failure = { ...details, status, attempts: attempt + 1, ...(upstreamCode && { upstreamCode }) };
      if (!(status === 429 || status >= 500) || attempt >= this.maxRetries)
        fail('UPSTREAM_UNAVAILABLE', `Azure AI Content Safety answered ${status}.`, failure);
      const named = retryAfterMs(response.headers);
      await this.wait(named ?? this.backoffMs * 2 ** attempt, signal, startedAt, failure);
    }
  }

  /** Waits before a retry, or fails at once when the wait would end past the deadline. */
  private async wait(
    ms: number,
    signal: AbortSignal,
    startedAt: number,
    failure: Record<string, string | number>,
  ): Promise<void> {
    const left = this.deadlineMs - (Date.now() - startedAt);
    if (ms >= left)
      fail(
        'UPSTREAM_UNAVAILABLE',
        `Azure AI Content Safety asked for a wait of ${ms} ms, past the ${this.deadlineMs} ms deadline.`,
        { ...failure, waitMs: ms },
      );
    this.log.warn(
      {
        event: 'contentSafety.retry',
        status: failure['status'],
        attempt: failure['attempts'] ?? 1,
        waitMs: ms,
      },
      'Azure AI Content Safety: retrying',
    );
    await this.pause(ms, signal);
  }

  private async authorization(signal: AbortSignal): Promise<Record<string, string>> {
    const { auth } = this.settings;
    if (auth.kind === 'key') return { 'Ocp-Apim-Subscription-Key': auth.key };
    return { authorization: `Bearer ${await this.accessToken(signal)}` };
  }

  /** A token for the Cognitive Services scope, shared by concurrent calls and reused until near expiry. */
  private accessToken(signal: AbortSignal): Promise<string> {
    if (this.token && Date.now() < this.token.refreshAt) return Promise.resolve(this.token.value);
    this.pendingToken ??= this.fetchToken(signal).finally(() => (this.pendingToken = undefined));
    return this.pendingToken;
  }

  private async fetchToken(signal: AbortSignal): Promise<string> {
    let token: AccessToken | null;
    try {
      token = (await this.credential?.getToken(contentSafetyScope, { abortSignal: signal })) ?? null;
    } catch (err) {
      return fail(
        'UPSTREAM_UNAVAILABLE',
        'No Microsoft Entra token was issued for Azure AI Content Safety.',
        { operation: 'token' },
        err,
      );
    }
    if (!token)
      return fail(
        'UPSTREAM_UNAVAILABLE',
        'No Microsoft Entra token was issued for Azure AI Content Safety.',
        {
          operation: 'token',
        },
      );
    const refreshAt = Math.min(
      token.refreshAfterTimestamp ?? Infinity,
      token.expiresOnTimestamp - 5 * 60_000,
    );
    this.token = { value: token.token, refreshAt };
    return token.token;
  }
}

/** The verdicts of one answer; an answer in another shape is the service's failure, not ours. */
function verdictsOf(text: string, details: Record<string, string | number>): PartVerdicts {
  const parsed = analyzeTextResult.safeParse(parseJson(text));
  if (!parsed.success)
    return fail('UPSTREAM_UNAVAILABLE', 'Azure AI Content Safety answered in an unexpected shape.', {
      ...details,
      paths: failedPaths(parsed.error),
    });
  const verdicts = new Map<ClassifierCategory, number>();
  for (const { category, severity } of parsed.data.categoriesAnalysis) {
    const ours = (categories as Record<string, ClassifierCategory | undefined>)[category];
    if (ours && severity !== undefined) verdicts.set(ours, Math.max(verdicts.get(ours) ?? 0, severity));
  }
  return verdicts;
}

/** The service's error code (`x-ms-error-code`, or `error.code` of the body) when it is a plain code. */
function errorCodeOf(headers: Headers, body: string): string | undefined {
  const parsed = errorResponse.safeParse(parseJson(body));
  const code = headers.get('x-ms-error-code') ?? (parsed.success ? parsed.data.error.code : undefined);
  return code !== undefined && safeCode.test(code) ? code : undefined;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
