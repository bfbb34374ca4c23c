/**
 * The Microsoft Graph webhooks: `/api/graph/notify` (change notifications) and
 * `/api/graph/lifecycle` (lifecycle notifications). Both follow
 * https://learn.microsoft.com/graph/change-notifications-delivery-webhooks:
 *
 * - A POST with `validationToken` in the query is the validation handshake: answer 200
 *   `text/plain` with the decoded token, before anything else, within 10 seconds.
 * - Otherwise: check `clientState` on every item (a mismatch is dropped and logged: the docs say to
 *   discard such notifications), validate every JWT in `validationTokens` when resource data is
 *   present (401 if any fails), put each item on the `graph-notifications` queue, answer 202.
 *   Graph drops endpoints slower than ~3 s, so nothing else happens here: decryption and
 *   detection run from the queue. If the queue cannot take an item, answer 503 so Graph retries.
 */
import { timingSafeEqual } from 'node:crypto';
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { z } from 'zod';
import { encryptedContentSchema } from '../adapters/graph-notification-crypto';
import { maxQueueJsonBytes } from '../adapters/storage-queue';
import { isErrorCode, toEsafetyError } from '../core/errors';
import type { Logger } from '../core/logger';
import type { Monitoring } from './composition-root';
import type { GraphQueueMessage } from './graph-notifications';

export const changeNotificationSchema = z.object({
  id: z.string().optional(),
  subscriptionId: z.string().min(1),
  changeType: z.enum(['created', 'updated', 'deleted']),
  clientState: z.string().optional(),
  tenantId: z.string().optional(),
  resource: z.string().min(1),
  resourceData: z.record(z.string(), z.unknown()).optional(),
  encryptedContent: encryptedContentSchema.optional(),
});
export type ChangeNotification = z.output<typeof changeNotificationSchema>;

export const lifecycleNotificationSchema = z.object({
  subscriptionId: z.string().min(1),
  lifecycleEvent: z.enum(['reauthorizationRequired', 'subscriptionRemoved', 'missed']),
  clientState: z.string().optional(),
  tenantId: z.string().optional(),
});

const collection = <T extends z.ZodType>(item: T) =>
  z.object({ value: z.array(item).min(1).max(1000), validationTokens: z.array(z.string()).optional() });

const notifySchema = collection(changeNotificationSchema);
const lifecycleSchema = collection(lifecycleNotificationSchema);

const text = (status: number, body: string): HttpResponseInit => ({
  status,
  headers: { 'content-type': 'text/plain; charset=utf-8' },
  body,
});
const problem = (status: number, code: string, message: string): HttpResponseInit => ({
  status,
  jsonBody: { error: code, message },
});

export function graphNotifyHandler(monitoring: Monitoring | undefined, log: Logger) {
  return webhook(monitoring, log.child({ component: 'graph-notify' }), notifySchema, notificationMessages);
}

export function graphLifecycleHandler(monitoring: Monitoring | undefined, log: Logger) {
  return webhook(monitoring, log.child({ component: 'graph-lifecycle' }), lifecycleSchema, (items) =>
    items.map((item) => ({ kind: 'lifecycle', item })),
  );
}

/** Room left in a queue message for the envelope around the items. */
const chunkBytes = maxQueueJsonBytes - 1024;

/**
 * The items of one POST, packed into as few queue messages as fit (one queue write per chunk, not
 * per notification: Graph batches notifications under load, and each write is the webhook's main
 * cost). An item too big for a message on its own (a very long chat message) is queued without its
 * resource data; the worker reads the message back from Graph instead.
 */
export function notificationMessages(items: readonly ChangeNotification[]): GraphQueueMessage[] {
  const messages: GraphQueueMessage[] = [];
  let chunk: ChangeNotification[] = [];
  let size = 0;
  for (const original of items) {
    let item = original;
    let bytes = Buffer.byteLength(JSON.stringify(item));
    if (bytes > chunkBytes) {
      const { encryptedContent: _tooBig, ...reference } = item;
      item = reference;
      bytes = Buffer.byteLength(JSON.stringify(item));
    }
    if (chunk.length > 0 && size + bytes > chunkBytes) {
      messages.push({ kind: 'notifications', items: chunk });
      chunk = [];
      size = 0;
    }
    chunk.push(item);
    size += bytes + 1;
  }
  if (chunk.length > 0) messages.push({ kind: 'notifications', items: chunk });
  return messages;
}

function webhook<
  T extends { clientState?: string | undefined; tenantId?: string | undefined; subscriptionId: string },
>(
  monitoring: Monitoring | undefined,
  log: Logger,
  schema: z.ZodType<{ value: T[]; validationTokens?: string[] | undefined }>,
  toMessages: (items: T[]) => GraphQueueMessage[],
) {
  return async (req: HttpRequest, ctx: InvocationContext): Promise<HttpResponseInit> => {
    // The handshake comes first, whatever else is configured. URLSearchParams has already
    // percent-decoded the token; Graph expects it back decoded.
    const validationToken = req.query.get('validationToken');
    if (validationToken !== null) {
      log.info({ invocationId: ctx.invocationId, event: 'graph.handshake' }, 'validation handshake answered');
      return text(200, validationToken);
    }
    if (!monitoring) {
      log.error({ event: 'graph.notConfigured' }, 'notification received but monitoring is not configured');
      return problem(
        503,
        'CONFIG_INVALID',
        'Chat monitoring is not configured: set ESAFETY_GRAPH_* and ESAFETY_GRAPH_NOTIFICATION_CERT/KEY.',
      );
    }
    let body: unknown;
    try {
      body = await req.json();
    } catch {
      log.warn(
        { invocationId: ctx.invocationId, event: 'graph.malformed', reason: 'json' },
        'body is not JSON',
      );
      return problem(400, 'INPUT_INVALID', 'The body is not JSON.');
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      log.warn(
        {
          invocationId: ctx.invocationId,
          event: 'graph.malformed',
          reason: 'schema',
          paths: parsed.error.issues
            .slice(0, 5)
            .map((i) => i.path.join('.'))
            .join(','),
        },
        'notification body is malformed',
      );
      return problem(400, 'INPUT_INVALID', 'The body is not a Graph notification collection.');
    }
    const { value, validationTokens } = parsed.data;
    const accepted = value.filter((item) => {
      if (!sameSecret(item.clientState, monitoring.clientState)) {
        log.warn(
          { subscriptionId: item.subscriptionId, event: 'graph.rejected', reason: 'clientState' },
          'notification dropped: clientState does not match',
        );
        return false;
      }
      if (item.tenantId !== undefined && item.tenantId !== monitoring.tenantId) {
        log.warn(
          { subscriptionId: item.subscriptionId, event: 'graph.rejected', reason: 'tenant' },
          'notification dropped: another tenant',
        );
        return false;
      }
      return true;
    });
    const hasResourceData = accepted.some((i) => 'encryptedContent' in i && i.encryptedContent !== undefined);
    if (hasResourceData || (validationTokens?.length ?? 0) > 0) {
      try {
        await monitoring.tokens.verifyAll(validationTokens ?? []);
      } catch (err) {
        const e = toEsafetyError(err);
        if (isErrorCode(err, 'NOTIFICATION_UNAUTHENTIC')) {
          log.warn(
            { invocationId: ctx.invocationId, event: 'graph.rejected', reason: String(e.details['reason']) },
            'notifications refused: validation token not valid',
          );
          return problem(401, e.code, e.message);
        }
        log.error(
          { invocationId: ctx.invocationId, code: e.code, event: 'graph.tokenCheckFailed' },
          e.message,
        );
        return problem(503, e.code, 'Validation tokens could not be checked; try again.');
      }
    }
    try {
      await Promise.all(toMessages(accepted).map((m) => monitoring.queue.send(m)));
    } catch (err) {
      const e = toEsafetyError(err);
      log.error(
        { invocationId: ctx.invocationId, code: e.code, event: 'graph.queueFailed' },
        'could not queue',
      );
      return problem(503, e.code, 'Notifications could not be queued; try again.');
    }
    log.info(
      {
        invocationId: ctx.invocationId,
        queued: accepted.length,
        dropped: value.length - accepted.length,
        event: 'graph.queued',
      },
      'notifications queued',
    );
    return { status: 202 };
  };
}

/** Constant-time comparison of a received clientState with ours. */
function sameSecret(received: string | undefined, ours: string): boolean {
  if (received === undefined) return false;
  const a = Buffer.from(received, 'utf8');
  const b = Buffer.from(ours, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
