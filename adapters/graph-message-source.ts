/**
 * The notification worker's message source on Microsoft Graph (core/monitoring/notification-worker.ts
 * `MessageSource`):
 *
 * - `messageOf`: a change notification's resource data is signature-checked and decrypted
 *   (graph-notification-crypto.ts); a notification without it (too large for the queue, or a
 *   backfilled message) is read back — only ever a chat or channel message path — and either way
 *   parsed into the facts the detection rules read (graph-chats.ts).
 * - `changedSince`: messages of the protected group's members since a time, through
 *   `GET /users/{id}/chats/getAllMessages` (https://learn.microsoft.com/graph/api/chats-getallmessages),
 *   as notification resources, each once.
 */
import type { Client } from '@microsoft/microsoft-graph-client';
import type { ChatMessageFacts } from '../core/detection/chat-signal';
import { fail } from '../core/errors';
import { chatMessageResource, type ChangeNotification } from '../core/monitoring/graph-notification';
import type { MessageSource } from '../core/monitoring/notification-worker';
import { chatMessageSchema, parseChatMessage } from './graph-chats';
import { allPages, graphCall } from './graph-gateway';
import { decryptResourceData, type NotificationCertificate } from './graph-notification-crypto';

/** The only resources this app reads back: a chat or channel message (or reply), by id. */
const messageResource =
  /^\/?(?:chats\('[^'/]+'\)|teams\('[^'/]+'\)\/channels\('[^'/]+'\))\/messages\('[^'/]+'\)(?:\/replies\('[^'/]+'\))?$/;

export class GraphMessageSource implements MessageSource {
  constructor(
    private readonly graph: Client,
    private readonly certificates: readonly NotificationCertificate[],
    private readonly tenantId: string,
  ) {}

  async messageOf(item: ChangeNotification): Promise<ChatMessageFacts | undefined> {
    const resource: unknown = item.encryptedContent
      ? decryptResourceData(item.encryptedContent, this.certificates)
      : await this.readBack(item.resource);
    return parseChatMessage(resource, this.tenantId);
  }

  async changedSince(groupId: string, since: Date): Promise<string[]> {
    const people = await graphCall(
      () => allPages<{ id: string }>(this.graph, `/groups/${encodeURIComponent(groupId)}/members?$select=id`),
      'list protected group members',
    );
    const seen = new Set<string>();
    for (const person of people) {
      const filter = encodeURIComponent(`lastModifiedDateTime gt ${since.toISOString()}`);
      const messages = await graphCall(
        () =>
          allPages<unknown>(
            this.graph,
            `/users/${encodeURIComponent(person.id)}/chats/getAllMessages?$filter=${filter}`,
          ),
        'read messages to backfill',
      );
      for (const raw of messages) {
        const parsed = chatMessageSchema.safeParse(raw);
        if (parsed.success && parsed.data.chatId)
          seen.add(chatMessageResource(parsed.data.chatId, parsed.data.id));
      }
    }
    return [...seen];
  }

  private readBack(resource: string): Promise<unknown> {
    if (!messageResource.test(resource))
      fail('NOTIFICATION_INVALID', 'The resource is not a Teams message.', { reason: 'resource' });
    return graphCall(
      () =>
        this.graph
          .api(`/${resource.replace(/^\//, '')}`)
          .version('v1.0')
          .get() as Promise<unknown>,
      'read a message',
    );
  }
}
