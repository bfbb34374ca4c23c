/**
 * The Microsoft Graph change-notification contract, shared by the webhook that receives
 * notifications (functions/graph-webhooks.ts) and the worker that processes them
 * (notification-worker.ts): the wire shape Graph POSTs
 * (https://learn.microsoft.com/graph/api/resources/changenotificationcollection) and the queue
 * message the webhook stores for the worker.
 *
 * One queue message format carries live notifications and backfill alike: a backfilled message is
 * queued as a notification that names the message's resource and carries no content, and the
 * worker reads it back from Graph, exactly as it does for a notification too large for the queue.
 */
import { z } from 'zod';

/** Resource data encrypted to our certificate (adapters/graph-notification-crypto.ts decrypts it). */
export const encryptedContentSchema = z.object({
  data: z.string().min(1),
  dataKey: z.string().min(1),
  dataSignature: z.string().min(1),
  encryptionCertificateId: z.string().min(1),
  encryptionCertificateThumbprint: z.string().optional(),
});
export type EncryptedContent = z.output<typeof encryptedContentSchema>;

export const changeNotificationSchema = z.object({
  id: z.string().optional(),
  subscriptionId: z.string().min(1),
  changeType: z.enum(['created', 'updated', 'deleted']),
  clientState: z.string().optional(),
  tenantId: z.string().optional(),
  resource: z.string().min(1),
  encryptedContent: encryptedContentSchema.optional(),
});
export type ChangeNotification = z.output<typeof changeNotificationSchema>;

export const lifecycleNotificationSchema = z.object({
  subscriptionId: z.string().min(1),
  lifecycleEvent: z.enum(['reauthorizationRequired', 'subscriptionRemoved', 'missed']),
  clientState: z.string().optional(),
  tenantId: z.string().optional(),
});
export type LifecycleNotification = z.output<typeof lifecycleNotificationSchema>;

/** What the webhooks queue and the worker takes. */
export const graphQueueMessageSchema = z.discriminatedUnion('kind', [
  /** Change notifications (of one webhook POST, or of a backfill), processed in order per chat. */
  z.object({ kind: z.literal('notifications'), items: z.array(changeNotificationSchema).min(1) }),
  z.object({ kind: z.literal('lifecycle'), item: lifecycleNotificationSchema }),
]);
export type GraphQueueMessage = z.output<typeof graphQueueMessageSchema>;

/** Azure Queue Storage takes 64 KiB per message; base64 makes 48 KiB of JSON the limit. */
export const maxQueueJsonBytes = 48 * 1024;

/** Room left in a queue message for the envelope around the items. */
const chunkBytes = maxQueueJsonBytes - 1024;

/**
 * Notifications packed into as few queue messages as fit (one queue write per chunk, not per
 * notification: Graph batches notifications under load, and each write is the webhook's main
 * cost). An item too big for a message on its own (a very long chat message) is queued without
 * its resource data; the worker reads the message back from Graph instead.
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

/** Graph's name for a chat message as a notification resource: `chats('…')/messages('…')`. */
export function chatMessageResource(chatId: string, messageId: string): string {
  return `chats('${chatId}')/messages('${messageId}')`;
}
