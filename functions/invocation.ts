/**
 * Every function invocation runs inside a log context holding its invocation id, so every line it
 * logs — in the handler and in every use case it calls, however deep — carries that id
 * (core/logger.ts). Each kind of function wraps its handler here; queue functions get it from
 * queue-trigger.ts.
 */
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { withLogContext } from '../core/logger';

export function httpFunction(
  handler: (req: HttpRequest, ctx: InvocationContext) => Promise<HttpResponseInit>,
): (req: HttpRequest, ctx: InvocationContext) => Promise<HttpResponseInit> {
  return (req, ctx) => withLogContext({ invocationId: ctx.invocationId }, () => handler(req, ctx));
}

export function timerFunction(
  handler: (ctx: InvocationContext) => Promise<void>,
): (ctx: InvocationContext) => Promise<void> {
  return (ctx) => withLogContext({ invocationId: ctx.invocationId }, () => handler(ctx));
}
