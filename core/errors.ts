/**
 * The one catalogue of errors this product raises (after the Agents SDK's `errorHelper.ts`). Every
 * error has a stable code, a kind and a message that is safe to show a person.
 *
 * - `user` errors are the caller's to fix (bad input, a refused action): 4xx, an error card, exit 1.
 * - `system` errors are ours or the platform's (storage down, a bug): 5xx, retry, page an operator.
 */

export type ErrorKind = 'user' | 'system';

interface ErrorSpec {
  readonly kind: ErrorKind;
  /** HTTP status a web edge answers with. */
  readonly status: number;
}

export const errorCatalogue = {
  // Configuration and start-up.
  CONFIG_INVALID: { kind: 'system', status: 500 },
  /** A capability whose settings are absent (chat monitoring, the bot): 503 until they are set. */
  NOT_CONFIGURED: { kind: 'system', status: 503 },
  // Input that failed its schema at an edge.
  INPUT_INVALID: { kind: 'user', status: 400 },
  // Policy packs.
  POLICY_INVALID: { kind: 'user', status: 400 },
  POLICY_NOT_FOUND: { kind: 'user', status: 404 },
  // Cases.
  CASE_NOT_FOUND: { kind: 'user', status: 404 },
  /** An action or a signal reached a closed case (reopen it first; a signal starts a new case). */
  CASE_CLOSED: { kind: 'user', status: 409 },
  /** Any other action the case's current state does not allow (already claimed, unknown agency …). */
  CASE_TRANSITION_REFUSED: { kind: 'user', status: 409 },
  CASE_CONFLICT: { kind: 'system', status: 409 },
  CASE_TOO_LARGE: { kind: 'user', status: 413 },
  NOT_AUTHORISED: { kind: 'user', status: 403 },
  /** A caller that did not prove who it is (the bot endpoint's Bot Framework token). */
  NOT_AUTHENTICATED: { kind: 'user', status: 401 },
  // Technology and off-site learning risk assessments.
  ASSESSMENT_NOT_FOUND: { kind: 'user', status: 404 },
  /** An action the assessment's state does not allow (already decided, withdrawn, not asked …). */
  ASSESSMENT_TRANSITION_REFUSED: { kind: 'user', status: 409 },
  ASSESSMENT_CONFLICT: { kind: 'system', status: 409 },
  // Induction quizzes and the training record.
  QUIZ_NOT_FOUND: { kind: 'user', status: 404 },
  /** An answer or start the attempt does not allow (answered already, out of order, closed …). */
  QUIZ_REFUSED: { kind: 'user', status: 409 },
  QUIZ_CONFLICT: { kind: 'system', status: 409 },
  // Microsoft Graph change notifications that fail validation (forged, tampered, not ours).
  NOTIFICATION_INVALID: { kind: 'user', status: 400 },
  NOTIFICATION_UNAUTHENTIC: { kind: 'user', status: 401 },
  // A Microsoft service we depend on (Graph, the identity platform) did not answer.
  UPSTREAM_UNAVAILABLE: { kind: 'system', status: 503 },
  // Storage and crypto.
  STORAGE_UNAVAILABLE: { kind: 'system', status: 503 },
  /** A queue message over the 64 KiB Azure allows: the sender must queue a reference instead. */
  QUEUE_MESSAGE_TOO_LARGE: { kind: 'system', status: 500 },
  /** A queue message a function cannot parse: kept (retried, then poisoned) for an operator. */
  QUEUE_MESSAGE_MALFORMED: { kind: 'system', status: 500 },
  STORAGE_FAILED: { kind: 'system', status: 500 },
  FIELD_DECRYPT_FAILED: { kind: 'system', status: 500 },
  // Anything we did not foresee.
  UNEXPECTED: { kind: 'system', status: 500 },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof errorCatalogue;

/** A coded error. `details` carries ids and paths, never names or narrative text. */
export class EsafetyError extends Error {
  readonly kind: ErrorKind;
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Readonly<Record<string, unknown>> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'EsafetyError';
    this.kind = errorCatalogue[code].kind;
    this.status = errorCatalogue[code].status;
  }
}

/** Raises a coded error: the only way code in this repository throws. */
export function fail(
  code: ErrorCode,
  message: string,
  details?: Record<string, unknown>,
  cause?: unknown,
): never {
  throw new EsafetyError(code, message, details, cause === undefined ? undefined : { cause });
}

/** Normalises anything caught at a boundary into a coded error, keeping the original as `cause`. */
export function toEsafetyError(err: unknown): EsafetyError {
  if (err instanceof EsafetyError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new EsafetyError('UNEXPECTED', message, {}, { cause: err });
}

export function isErrorCode(err: unknown, code: ErrorCode): err is EsafetyError {
  return err instanceof EsafetyError && err.code === code;
}

/**
 * The HTTP status an SDK error carries, whichever SDK threw it: Azure Storage's RestError and the
 * Graph client's GraphError have `statusCode`, the Bot Connector's errors `response.status`.
 * Undefined when no answer came (a network failure).
 */
export function httpStatusOf(err: unknown): number | undefined {
  const e = err as { statusCode?: unknown; response?: { status?: unknown } } | null;
  const status = e?.statusCode ?? e?.response?.status;
  return typeof status === 'number' ? status : undefined;
}

/** Where a value failed its schema, for a log line: `value.0.resource,from` (paths only, never values). */
export function failedPaths(error: {
  readonly issues: readonly { readonly path: readonly PropertyKey[] }[];
}): string {
  return error.issues
    .slice(0, 5)
    .map((i) => i.path.map(String).join('.'))
    .join(',');
}
