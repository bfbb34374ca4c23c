/**
 * Teams messages and conversations from Microsoft Graph, turned into the neutral facts core's
 * detection rules read.
 *
 * - `parseChatMessage`: a chatMessage resource (decrypted from a notification, or read back) →
 *   `ChatMessageFacts` (https://learn.microsoft.com/graph/api/resources/chatmessage). HTML is
 *   stripped; the sender's identity comes from `from.user.userIdentityType` and its tenant.
 * - `GraphConversationMembers`: `GET /chats/{id}/members` or
 *   `GET /teams/{id}/channels/{id}/members`, paged, cached per conversation
 *   (https://learn.microsoft.com/graph/api/resources/conversationmember).
 */
import type { Client } from '@microsoft/microsoft-graph-client';
import { compile } from 'html-to-text';
import { LRUCache } from 'lru-cache';
import { z } from 'zod';
import type {
  ChatMessageFacts,
  ConversationRefFacts,
  IdentityKind,
  Participant,
} from '../core/detection/chat-signal';
import { fail, failedPaths } from '../core/errors';
import type { ConversationMembers } from '../core/monitoring/chat-monitor';
import { allPages, graphCall } from './graph-gateway';

const identitySchema = z
  .object({
    id: z.string().nullish(),
    displayName: z.string().nullish(),
    userIdentityType: z.string().nullish(),
    tenantId: z.string().nullish(),
  })
  .nullish();

export const chatMessageSchema = z.object({
  id: z.string().min(1),
  chatId: z.string().nullish(),
  channelIdentity: z.object({ teamId: z.string(), channelId: z.string() }).nullish(),
  messageType: z.string().default('message'),
  createdDateTime: z.string(),
  lastModifiedDateTime: z.string().nullish(),
  deletedDateTime: z.string().nullish(),
  webUrl: z.string().nullish(),
  from: z
    .object({ user: identitySchema, application: identitySchema, device: identitySchema })
    .partial()
    .nullish(),
  body: z.object({ contentType: z.enum(['text', 'html']).default('text'), content: z.string().nullish() }),
  policyViolation: z.object({ dlpAction: z.string().nullish() }).nullish(),
  eventDetail: z
    .object({
      '@odata.type': z.string(),
      initiator: z.object({ user: identitySchema }).partial().nullish(),
    })
    .nullish(),
});

/** HTML → plain text; compiled once (compiling per message cost more than the RSA decrypt). */
const htmlToText = compile({
  wordwrap: false,
  selectors: [
    { selector: 'a', options: { ignoreHref: true } },
    { selector: 'img', format: 'skip' },
  ],
});

/** System events that change who is in a conversation (https://learn.microsoft.com/graph/system-messages). */
const membershipEvent = /members(Added|Deleted|Joined|Left)EventMessageDetail$/;
export type GraphChatMessage = z.output<typeof chatMessageSchema>;

/**
 * The facts of a message, or undefined for what is not a person's message (system events,
 * deletions, app posts). Throws NOTIFICATION_INVALID when the resource is not a chatMessage.
 */
export function parseChatMessage(resource: unknown, tenantId: string): ChatMessageFacts | undefined {
  const parsed = chatMessageSchema.safeParse(resource);
  if (!parsed.success)
    return fail('NOTIFICATION_INVALID', 'The resource is not a chat message.', {
      reason: 'schema',
      paths: failedPaths(parsed.error),
    });
  const m = parsed.data;
  const membershipChanged =
    m.messageType === 'systemEventMessage' && membershipEvent.test(m.eventDetail?.['@odata.type'] ?? '');
  // The person who changed the membership stands in as the "sender" of a membership event.
  const user = membershipChanged ? (m.eventDetail?.initiator?.user ?? m.from?.user) : m.from?.user;
  if (m.deletedDateTime) return undefined;
  if (!membershipChanged && (m.messageType !== 'message' || !user?.id)) return undefined;
  const conversation: ConversationRefFacts | undefined = m.channelIdentity
    ? { kind: 'channel', teamId: m.channelIdentity.teamId, channelId: m.channelIdentity.channelId }
    : m.chatId
      ? { kind: 'chat', chatId: m.chatId }
      : undefined;
  if (!conversation)
    return fail('NOTIFICATION_INVALID', 'The message names no chat or channel.', { reason: 'schema' });
  const content = m.body.content ?? '';
  const text = m.body.contentType === 'html' ? htmlToText(content) : content;
  const dlpAction = m.policyViolation ? (m.policyViolation.dlpAction ?? 'policyViolation') : undefined;
  return {
    messageId: m.id,
    conversation,
    sender: user?.id
      ? {
          id: user.id,
          ...(user.displayName && { displayName: user.displayName }),
          identity: senderIdentity(user.userIdentityType, user.tenantId, tenantId),
        }
      : { id: 'system', identity: 'unknown' },
    text: membershipChanged ? '' : text.replace(/\u00a0/g, ' '),
    ...(membershipChanged && { membershipChanged }),
    createdAt: m.createdDateTime,
    ...(dlpAction !== undefined && { dlpAction: dlpAction.toLowerCase() === 'none' ? 'none' : dlpAction }),
    link:
      m.webUrl ??
      (conversation.kind === 'chat'
        ? `https://teams.microsoft.com/l/message/${encodeURIComponent(conversation.chatId)}/${m.id}`
        : `https://teams.microsoft.com/l/message/${encodeURIComponent(conversation.channelId)}/${m.id}`),
  };
}

/** teamworkUserIdentityType → how the sender relates to this organisation. */
function senderIdentity(
  type: string | null | undefined,
  senderTenant: string | null | undefined,
  ourTenant: string,
): IdentityKind {
  switch (type) {
    case 'aadUser':
    case 'onPremiseAadUser':
      return !senderTenant || senderTenant === ourTenant ? 'internal' : 'federated';
    case 'federatedUser':
      return 'federated';
    case 'anonymousGuest':
      return 'anonymous';
    case 'personalMicrosoftAccountUser':
    case 'skypeUser':
      return 'personal';
    case 'phoneUser':
    case 'emailUser':
      return 'external';
    default:
      return 'unknown';
  }
}

const memberSchema = z.object({
  '@odata.type': z.string(),
  id: z.string(),
  displayName: z.string().nullish(),
  roles: z.array(z.string()).nullish(),
  userId: z.string().nullish(),
  anonymousGuestId: z.string().nullish(),
  email: z.string().nullish(),
  tenantId: z.string().nullish(),
});

/** A conversationMember → a participant. Guests in our tenant are outsiders too. */
export function parseMember(raw: unknown, ourTenant: string): Participant | undefined {
  const parsed = memberSchema.safeParse(raw);
  if (!parsed.success) return undefined;
  const m = parsed.data;
  const base = {
    ...(m.displayName && { displayName: m.displayName }),
    ...(m.email && { email: m.email }),
  };
  switch (m['@odata.type']) {
    case '#microsoft.graph.aadUserConversationMember': {
      const identity: IdentityKind =
        m.tenantId && m.tenantId !== ourTenant
          ? 'federated'
          : m.roles?.includes('guest')
            ? 'external'
            : 'internal';
      return { id: m.userId ?? m.id, identity, ...base };
    }
    case '#microsoft.graph.anonymousGuestConversationMember':
      return { id: m.anonymousGuestId ?? m.id, identity: 'anonymous', ...base };
    case '#microsoft.graph.microsoftAccountUserConversationMember':
    case '#microsoft.graph.skypeUserConversationMember':
      return { id: m.userId ?? m.id, identity: 'personal', ...base };
    case '#microsoft.graph.skypeForBusinessUserConversationMember':
      return { id: m.userId ?? m.id, identity: 'federated', ...base };
    case '#microsoft.graph.azureCommunicationServicesUserConversationMember':
      return { id: m.id, identity: 'external', ...base };
    default:
      return { id: m.userId ?? m.id, identity: 'unknown', ...base };
  }
}

export class GraphConversationMembers implements ConversationMembers {
  private readonly cache: LRUCache<string, Participant[]>;

  constructor(
    private readonly graph: Client,
    private readonly tenantId: string,
    ttlMs = 5 * 60_000,
  ) {
    this.cache = new LRUCache({ max: 5_000, ttl: ttlMs });
  }

  forget(conversation: ConversationRefFacts): void {
    this.cache.delete(membersPath(conversation));
  }

  async members(conversation: ConversationRefFacts): Promise<Participant[]> {
    const path = membersPath(conversation);
    const cached = this.cache.get(path);
    if (cached) return cached;
    const raw = await graphCall(() => allPages<unknown>(this.graph, path), 'read conversation members');
    const members = raw
      .map((m) => parseMember(m, this.tenantId))
      .filter((p): p is Participant => p !== undefined);
    this.cache.set(path, members);
    return members;
  }
}

function membersPath(conversation: ConversationRefFacts): string {
  return conversation.kind === 'chat'
    ? `/chats/${encodeURIComponent(conversation.chatId)}/members`
    : `/teams/${encodeURIComponent(conversation.teamId)}/channels/${encodeURIComponent(conversation.channelId)}/members`;
}
