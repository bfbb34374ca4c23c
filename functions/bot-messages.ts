/**
 * `POST /api/messages`: the Bot Framework endpoint, hosted as an HTTP function. CloudAdapter.process
 * needs only a structural request/response; this shim adapts Azure Functions' HttpRequest to it.
 * (This file and bot/ are the only places botbuilder is imported.)
 */
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import type { ActivityHandler, CloudAdapter } from 'botbuilder';
import type { Logger } from '../core/logger';

const maxBody = 256 * 1024;

export function botMessagesHandler(adapter: CloudAdapter | undefined, bot: ActivityHandler, log: Logger) {
  return async (req: HttpRequest, ctx: InvocationContext): Promise<HttpResponseInit> => {
    if (!adapter) {
      log.error(
        { event: 'bot.notConfigured', invocationId: ctx.invocationId },
        'bot endpoint is not configured',
      );
      return {
        status: 503,
        jsonBody: {
          error: 'CONFIG_INVALID',
          message: 'Set ESAFETY_BOT_APP_ID (or ESAFETY_MODE=local for local testing).',
        },
      };
    }
    const raw = await req.text();
    if (raw.length > maxBody) return { status: 413, jsonBody: { error: 'PAYLOAD_TOO_LARGE' } };
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      log.warn({ event: 'bot.malformed', invocationId: ctx.invocationId }, 'request body is not JSON');
      return {
        status: 400,
        jsonBody: { error: 'INPUT_INVALID', message: 'The request body is not a JSON activity.' },
      };
    }
    if (
      typeof body !== 'object' ||
      body === null ||
      Array.isArray(body) ||
      typeof (body as { type?: unknown }).type !== 'string'
    ) {
      log.warn({ event: 'bot.malformed', invocationId: ctx.invocationId }, 'request body is not an activity');
      return {
        status: 400,
        jsonBody: { error: 'INPUT_INVALID', message: 'The request body is not an activity.' },
      };
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
    await adapter.process(
      { body: body as Record<string, unknown>, headers, method: req.method },
      res,
      (context) => bot.run(context),
    );
    if (response.status >= 400) {
      log.warn(
        { event: 'bot.rejected', status: response.status, invocationId: ctx.invocationId },
        'bot request rejected',
      );
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
  };
}
