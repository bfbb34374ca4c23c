/**
 * The one mapping from a coded error to an HTTP answer, used by every HTTP function (the Graph
 * webhooks, the bot endpoint) and by the local dev host: the catalogue's status, the code, and a
 * message only when it is safe to show the caller (a user error's own message, or fixed wording for
 * a system error — never internal error text).
 */
import type { HttpResponseInit } from '@azure/functions';
import { toEsafetyError } from '../core/errors';

const systemMessage = 'Something went wrong on our side and nothing was changed; try again.';

export function problemResponse(err: unknown, options: { readonly message?: string } = {}): HttpResponseInit {
  const e = toEsafetyError(err);
  return {
    status: e.status,
    jsonBody: { error: e.code, message: e.kind === 'user' ? e.message : (options.message ?? systemMessage) },
  };
}
