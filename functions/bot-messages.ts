/**
 * `POST /api/messages`: the Bot Framework endpoint, hosted as an HTTP function. CloudAdapter.process
 * needs only a structural request/response; this shim adapts Azure Functions' HttpRequest to it.
 * Every activity is parsed at the edge (bot/activity.ts): a malformed one is a 400 with a log line
 * and reaches nothing. A failure is answered without internal error text.
 * (This file and bot/ are the only places botbuilder is imported.)
 */
import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import type { ActivityHandler, CloudAdapter } from 'botbuilder';
import { activitySchema } from '../bot/activity';
import { keysUnavailable } from '../bot/bot-adapter';
import { turnLogKey } from '../bot/turn';
import { EsafetyError, failedPaths } from '../core/errors';
import type { Logger } from '../core/logger';
import { problemResponse } from './http-problem';
import { httpFunction } from './invocation';

const maxBody = 256 * 1024;

export function botMessagesHandler(adapter: CloudAdapter | undefined, bot: ActivityHandler, log: Logger) {
  return httpFunction(async (req: HttpRequest): Promise<HttpResponseInit> => {
    const invocationLog = log;
    if (!adapter) {
      invocationLog.error({ event: 'bot.notConfigured' }, 'bot endpoint is not configured');
      return problemResponse(new EsafetyError('NOT_CONFIGURED', 'The bot is not configured.'), {
        message: 'Set ESAFETY_BOT_APP_ID (or ESAFETY_MODE=local for local testing).',
      });
    }
    const raw = await req.text();
    if (raw.length > maxBody) {
      invocationLog.warn(
        { event: 'bot.malformed', reason: 'tooLarge', bytes: raw.length },
        'request too large',
      );
      return problemResponse(new EsafetyError('INPUT_INVALID', 'The request body is too large.'));
    }
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      invocationLog.warn({ event: 'bot.malformed', reason: 'json' }, 'request body is not JSON');
      return problemResponse(new EsafetyError('INPUT_INVALID', 'The request body is not a JSON activity.'));
    }
    const activity = activitySchema.safeParse(body);
    if (!activity.success) {
      invocationLog.warn(
        {
          event: 'bot.malformed',
          reason: 'schema',
          paths: failedPaths(activity.error),
        },
        'request body is not an activity this app takes',
      );
      return problemResponse(new EsafetyError('INPUT_INVALID', 'The request body is not a valid activity.'));
    }
    const response: { status: number; headers: Record<string, string>; body?: unknown } = {
      status: 200,
      headers: {},
    };
    const res = {
      socket: undefined,
      status(code: number) {
        response.status = code;
        return res;
      },
      header(name: string, value: unknown) {
        response.headers[name] = String(value);
        return res;
      },
      send(payload?: unknown) {
        if (payload !== undefined) response.body = payload;
        return res;
      },
      end(payload?: unknown) {
        if (payload !== undefined && response.body === undefined) response.body = payload;
        return res;
      },
    };
    const headers = Object.fromEntries(req.headers.entries());
    await adapter.process({ body: activity.data, headers, method: req.method }, res, (context) => {
      context.turnState.set(turnLogKey, invocationLog);
      return bot.run(context);
    });
    if (response.status >= 400) {
      invocationLog.warn({ event: 'bot.rejected', status: response.status }, 'bot request rejected');
    }
    if (response.status >= 500) {
      // CloudAdapter writes the internal error into the body: the caller gets fixed wording instead,
      // and a 503 when only the channel's signing keys were not fetched in time (worth a retry).
      const keysLate = response.body === keysUnavailable;
      if (keysLate) invocationLog.warn({ event: 'bot.keysLate' }, 'signing keys could not be fetched');
      return problemResponse(
        new EsafetyError(keysLate ? 'UPSTREAM_UNAVAILABLE' : 'UNEXPECTED', 'bot turn failed'),
      );
    }
    if (response.status === 401 || response.status === 403) {
      // Whatever the token's fault (unsigned, forged, expired, another audience), an unauthenticated
      // caller learns only that it was refused; the log says why with the status.
      return problemResponse(new EsafetyError('NOT_AUTHENTICATED', 'The request is not authenticated.'));
    }
    const out = response.body;
    return {
      status: response.status,
      headers: response.headers,
      ...(out === undefined
        ? {}
        : typeof out === 'string' || Buffer.isBuffer(out)
          ? { body: out }
          : { jsonBody: out }),
    };
  });
}
