/**
 * The Microsoft Graph webhooks: `/api/graph/notify` (change notifications) and
 * `/api/graph/lifecycle` (lifecycle notifications). Both follow
 * https://learn.microsoft.com/graph/change-notifications-delivery-webhooks:
 *
 * - A POST with `validationToken` in the query is the validation handshake: answer 200
 *   `text/plain` with the decoded token, before anything else, within 10 seconds.
 * - Otherwise: check `clientState` on every item (a mismatch is dropped and logged: the docs say to
 *   discard such notifications), validate every JWT in `validationTokens` whenever resource data is
 *   present or Graph sends tokens (401 if any fails), put the items on the `graph-notifications`
 *   queue (core/monitoring/graph-notification.ts), answer 202.
 *   Graph drops endpoints slower than ~3 s, so nothing else happens here: decryption and
 *   detection run from the queue. If the queue cannot take an item, answer 503 so Graph retries.
 */
import { telemetry } from './telemetry';
import { timingSafeEqual } from 'node:crypto';
import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { z } from 'zod';
import { EsafetyError, failedPaths, isErrorCode, toEsafetyError } from '../core/errors';
import type { Logger } from '../core/logger';
import {
  changeNotificationSchema,
  lifecycleNotificationSchema,
  notificationMessages,
  type GraphQueueMessage,
} from '../core/monitoring/graph-notification';
import type { Monitoring } from './composition-root';
import { problemResponse } from './http-problem';
import { httpFunction } from './invocation';

const collection = <T extends z.ZodType>(item: T) =>
  z.object({ value: z.array(item).min(1).max(1000), validationTokens: z.array(z.string()).optional() });

const notifySchema = collection(changeNotificationSchema);
const lifecycleSchema = collection(lifecycleNotificationSchema);

const text = (status: number, body: string): HttpResponseInit => ({
  status,
  headers: { 'content-type': 'text/plain; charset=utf-8' },
  body,
});

export function graphNotifyHandler(monitoring: Monitoring | undefined, log: Logger) {
  return webhook(monitoring, log.child({ component: 'graph-notify' }), notifySchema, notificationMessages);
}

/**
 * Lifecycle events make the app reauthorize, recreate subscriptions and backfill, so they pass the
 * same checks: clientState on every item and every validation token Graph sends with them.
 */
export function graphLifecycleHandler(monitoring: Monitoring | undefined, log: Logger) {
  return webhook(monitoring, log.child({ component: 'graph-lifecycle' }), lifecycleSchema, (items) =>
    items.map((item) => ({ kind: 'lifecycle', item })),
  );
}

function webhook<
  T extends { clientState?: string | undefined; tenantId?: string | undefined; subscriptionId: string },
>(
  monitoring: Monitoring | undefined,
  functionLog: Logger,
  schema: z.ZodType<{ value: T[]; validationTokens?: string[] | undefined }>,
  toMessages: (items: T[]) => GraphQueueMessage[],
) {
  const handle = async (req: HttpRequest): Promise<HttpResponseInit> => {
    const log = functionLog;
    // The handshake comes first, whatever else is configured. URLSearchParams has already
    // percent-decoded the token; Graph expects it back decoded.
    const validationToken = req.query.get('validationToken');
    if (validationToken !== null) {
      log.info({ event: 'graph.handshake' }, 'validation handshake answered');
      return text(200, validationToken);
    }
    if (!monitoring) {
      log.error({ event: 'graph.notConfigured' }, 'notification received but monitoring is not configured');
      return problemResponse(new EsafetyError('NOT_CONFIGURED', 'Chat monitoring is not configured.'), {
        message:
          'Chat monitoring is not configured: set ESAFETY_GRAPH_* and ESAFETY_GRAPH_NOTIFICATION_CERT/KEY.',
      });
    }
    let body: unknown;
    try {
      body = await req.json();
    } catch {
      log.warn({ event: 'graph.malformed', reason: 'json' }, 'body is not JSON');
      return problemResponse(new EsafetyError('INPUT_INVALID', 'The body is not JSON.'));
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      log.warn(
        {
          event: 'graph.malformed',
          reason: 'schema',
          paths: failedPaths(parsed.error),
        },
        'notification body is malformed',
      );
      return problemResponse(
        new EsafetyError('INPUT_INVALID', 'The body is not a Graph notification collection.'),
      );
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
            { event: 'graph.rejected', reason: String(e.details['reason']) },
            'notifications refused: validation token not valid',
          );
          return problemResponse(e);
        }
        log.error({ code: e.code, event: 'graph.tokenCheckFailed' }, e.message);
        return problemResponse(e, { message: 'Validation tokens could not be checked; try again.' });
      }
    }
    try {
      await Promise.all(toMessages(accepted).map((m) => monitoring.queue.send(m)));
    } catch (err) {
      const e = toEsafetyError(err);
      log.error({ code: e.code, event: 'graph.queueFailed' }, 'could not queue');
      return problemResponse(e, { message: 'Notifications could not be queued; try again.' });
    }
    log.info(
      {
        queued: accepted.length,
        dropped: value.length - accepted.length,
        event: 'graph.queued',
      },
      'notifications queued',
    );
    telemetry.notificationsReceived(accepted.length);
    return { status: 202 };
  };
  return httpFunction(async (req: HttpRequest): Promise<HttpResponseInit> => {
    const started = performance.now();
    const res = await handle(req);
    telemetry.webhookAnswered(performance.now() - started, res.status ?? 200);
    return res;
  });
}

/** Constant-time comparison of a received clientState with ours. */
function sameSecret(received: string | undefined, ours: string): boolean {
  if (received === undefined) return false;
  const a = Buffer.from(received, 'utf8');
  const b = Buffer.from(ours, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
