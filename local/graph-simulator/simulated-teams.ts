/**
 * Teams chats, channels and messages, simulated with Microsoft Graph's request and response shapes
 * (https://learn.microsoft.com/graph/api/chat-post, .../chat-post-messages, .../chatmessage):
 *
 * - `POST /v1.0/chats` creates a oneOnOne or group chat. Members are `aadUserConversationMember`
 *   (`user@odata.bind`; a `tenantId` other than ours makes a user of another organisation, and
 *   `roles: ["guest"]` a guest), `microsoftAccountUserConversationMember` (a personal account) or
 *   `anonymousGuestConversationMember`. People outside the tenant carry a `displayName`.
 * - `POST /v1.0/chats/{id}/messages` and `POST /v1.0/teams/{id}/channels/{id}/messages` take the
 *   sender in `from` (as Teams' message import API does, since app-only sends have no signed-in
 *   user) and an optional `policyViolation` standing in for Purview DLP. The sender must be a member.
 * - `PATCH …/messages/{id}` edits a message; both raise change notifications.
 * - Reads: members (paged), one message, `GET /users/{id}/chats/getAllMessages?$filter=…`,
 *   `GET /groups/{id}/members`.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { GraphSimulatorError, type Change } from './simulated-subscriptions';
import type { LocalTenant } from '../tenant';

export interface Member {
  readonly '@odata.type': string;
  readonly id: string;
  readonly displayName: string | null;
  readonly roles: string[];
  readonly userId?: string;
  readonly anonymousGuestId?: string;
  readonly email?: string | null;
  readonly tenantId?: string;
  /** Simulator only: how this member appears as a message sender. */
  readonly identityType: string;
}

export interface Chat {
  readonly id: string;
  readonly chatType: 'oneOnOne' | 'group';
  readonly topic: string | null;
  readonly createdDateTime: string;
  readonly members: Member[];
  readonly messages: Record<string, unknown>[];
}

const bindPattern = /users\('([^']+)'\)/;

const memberInput = z.object({
  '@odata.type': z.enum([
    '#microsoft.graph.aadUserConversationMember',
    '#microsoft.graph.microsoftAccountUserConversationMember',
    '#microsoft.graph.anonymousGuestConversationMember',
  ]),
  'user@odata.bind': z.string().optional(),
  userId: z.string().optional(),
  anonymousGuestId: z.string().optional(),
  tenantId: z.string().optional(),
  displayName: z.string().optional(),
  email: z.string().optional(),
  roles: z.array(z.string()).default(['owner']),
});

const newChat = z.object({
  chatType: z.enum(['oneOnOne', 'group']),
  topic: z.string().optional(),
  members: z.array(memberInput).min(2).max(250),
});

const newMessage = z.object({
  body: z.object({ contentType: z.enum(['text', 'html']).default('html'), content: z.string().max(28_000) }),
  from: z.object({
    user: z.object({
      id: z.string(),
      displayName: z.string().optional(),
      userIdentityType: z.string().optional(),
    }),
  }),
  policyViolation: z
    .object({
      dlpAction: z
        .enum(['none', 'notifySender', 'blockAccess', 'blockAccessExternal'])
        .default('blockAccess'),
      justificationText: z.string().nullish(),
      verdictDetails: z.string().optional(),
    })
    .optional(),
});

const pageSize = 20;

export class SimulatedTeams {
  readonly chats = new Map<string, Chat>();
  private lastMessageId = Date.now();

  constructor(
    private readonly tenant: LocalTenant,
    private readonly publish: (change: Change, resource: unknown) => Promise<void>,
    private readonly onChange: () => void = () => undefined,
  ) {}

  createChat(body: unknown): Record<string, unknown> {
    const parsed = newChat.safeParse(body);
    if (!parsed.success)
      throw new GraphSimulatorError(400, 'BadRequest', `Invalid chat: ${parsed.error.issues[0]?.message}`);
    if (parsed.data.chatType === 'oneOnOne' && parsed.data.members.length !== 2)
      throw new GraphSimulatorError(400, 'BadRequest', 'A oneOnOne chat has exactly two members.');
    const members = parsed.data.members.map((m) => this.member(m));
    const chat: Chat = {
      id: `19:${randomUUID().replace(/-/g, '')}@thread.v2`,
      chatType: parsed.data.chatType,
      topic: parsed.data.topic ?? null,
      createdDateTime: new Date().toISOString(),
      members,
      messages: [],
    };
    this.chats.set(chat.id, chat);
    this.onChange();
    return this.chatView(chat);
  }

  private member(m: z.output<typeof memberInput>): Member {
    const type = m['@odata.type'];
    if (type === '#microsoft.graph.anonymousGuestConversationMember') {
      const id = m.anonymousGuestId ?? `anon-${randomUUID()}`;
      return {
        '@odata.type': type,
        id: `anon:${id}`,
        displayName: m.displayName ?? 'Anonymous',
        roles: ['guest'],
        anonymousGuestId: id,
        identityType: 'anonymousGuest',
      };
    }
    const userId = m.userId ?? bindPattern.exec(m['user@odata.bind'] ?? '')?.[1];
    if (!userId)
      throw new GraphSimulatorError(400, 'BadRequest', 'A member needs user@odata.bind or userId.');
    if (type === '#microsoft.graph.microsoftAccountUserConversationMember') {
      return {
        '@odata.type': type,
        id: `msa:${userId}`,
        displayName: m.displayName ?? null,
        roles: ['guest'],
        userId,
        identityType: 'personalMicrosoftAccountUser',
      };
    }
    const external = m.tenantId !== undefined && m.tenantId !== this.tenant.tenantId;
    const user = this.tenant.users.find((u) => u.id === userId);
    if (!external && !user && !m.roles.includes('guest'))
      throw new GraphSimulatorError(404, 'NotFound', `User ${userId} does not exist in the tenant.`);
    return {
      '@odata.type': type,
      id: `aad:${userId}`,
      displayName: user?.displayName ?? m.displayName ?? null,
      roles: m.roles,
      userId,
      email: user ? `${user.upn}@${this.tenant.domain}` : (m.email ?? null),
      tenantId: m.tenantId ?? this.tenant.tenantId,
      identityType: 'aadUser',
    };
  }

  /** A member of the tenant (a team's members are these). */
  private tenantMember(userId: string): Member {
    const user = this.tenant.users.find((u) => u.id === userId);
    return {
      '@odata.type': '#microsoft.graph.aadUserConversationMember',
      id: `aad:${userId}`,
      displayName: user?.displayName ?? null,
      roles: [],
      userId,
      email: user ? `${user.upn}@${this.tenant.domain}` : null,
      tenantId: this.tenant.tenantId,
      identityType: 'aadUser',
    };
  }

  /** Teams message ids are epoch milliseconds, unique per conversation. */
  private nextMessageId(): string {
    this.lastMessageId = Math.max(this.lastMessageId + 1, Date.now());
    return String(this.lastMessageId);
  }

  /** Raises the change notification for a message of a conversation (`chats('…')` or a channel). */
  private publishChange(
    changeType: Change['changeType'],
    collection: string,
    conversation: string,
    message: Record<string, unknown>,
  ): Promise<void> {
    const resource = `${conversation}/messages('${String(message['id'])}')`;
    return this.publish(
      {
        changeType,
        collection,
        resource,
        resourceData: {
          id: message['id'],
          '@odata.type': '#Microsoft.Graph.chatMessage',
          '@odata.id': resource,
        },
      },
      message,
    );
  }

  private chatView(chat: Chat): Record<string, unknown> {
    return {
      id: chat.id,
      chatType: chat.chatType,
      topic: chat.topic,
      createdDateTime: chat.createdDateTime,
      webUrl: `https://teams.microsoft.com/l/chat/${encodeURIComponent(chat.id)}/0?tenantId=${this.tenant.tenantId}`,
    };
  }

  /**
   * `POST /v1.0/chats/{id}/members`: adds a member; Teams then posts a `membersAdded` system event
   * message in the chat, which raises a change notification like any message. `initiator` (a user
   * id, simulator only) stands for the signed-in user who added them.
   */
  async addChatMember(chatId: string, body: unknown): Promise<Record<string, unknown>> {
    const chat = this.chat(chatId);
    const parsed = memberInput.extend({ initiator: z.string().optional() }).safeParse(body);
    if (!parsed.success)
      throw new GraphSimulatorError(400, 'BadRequest', `Invalid member: ${parsed.error.issues[0]?.message}`);
    const member = this.member(parsed.data);
    chat.members.push(member);
    const initiator = chat.members.find((m) => m.userId === parsed.data.initiator);
    const id = this.nextMessageId();
    const now = new Date().toISOString();
    const identity = (m: Member) => ({
      id: m.userId ?? m.anonymousGuestId ?? m.id,
      displayName: m.displayName,
      userIdentityType: m.identityType,
      ...(m.tenantId !== undefined && { tenantId: m.tenantId }),
    });
    const event: Record<string, unknown> = {
      id,
      messageType: 'systemEventMessage',
      createdDateTime: now,
      lastModifiedDateTime: now,
      deletedDateTime: null,
      chatId: chat.id,
      channelIdentity: null,
      from: null,
      body: { contentType: 'html', content: '<systemEventMessage/>' },
      eventDetail: {
        '@odata.type': '#microsoft.graph.membersAddedEventMessageDetail',
        visibleHistoryStartDateTime: '0001-01-01T00:00:00Z',
        members: [identity(member)],
        initiator: initiator ? { user: identity(initiator) } : null,
      },
    };
    chat.messages.push(event);
    this.onChange();
    await this.publishChange('created', '/chats/getAllMessages', `chats('${chat.id}')`, event);
    return memberView(member);
  }

  chatMembers(chatId: string, skip: number): { value: unknown[]; next?: number } {
    const chat = this.chat(chatId);
    return page(chat.members.map(memberView), skip);
  }

  channelMembers(teamId: string, channelId: string, skip: number): { value: unknown[]; next?: number } {
    const team = this.team(teamId, channelId);
    return page(
      team.members.map((id) => memberView(this.tenantMember(id))),
      skip,
    );
  }

  async postChatMessage(chatId: string, body: unknown): Promise<Record<string, unknown>> {
    const chat = this.chat(chatId);
    const input = this.parseMessage(body);
    const sender = chat.members.find((m) => (m.userId ?? m.anonymousGuestId) === input.from.user.id);
    if (!sender) throw new GraphSimulatorError(403, 'Forbidden', 'The sender is not a member of this chat.');
    const message = this.message(input, sender, { chatId: chat.id });
    chat.messages.push(message);
    this.onChange();
    await this.publishChange('created', '/chats/getAllMessages', `chats('${chat.id}')`, message);
    return message;
  }

  async editChatMessage(chatId: string, messageId: string, body: unknown): Promise<void> {
    const message = this.chatMessage(chatId, messageId);
    const parsed = z
      .object({ body: z.object({ contentType: z.enum(['text', 'html']), content: z.string() }) })
      .safeParse(body);
    if (!parsed.success) throw new GraphSimulatorError(400, 'BadRequest', 'An edit carries a body.');
    message['body'] = parsed.data.body;
    message['lastModifiedDateTime'] = new Date().toISOString();
    message['lastEditedDateTime'] = message['lastModifiedDateTime'];
    this.onChange();
    await this.publishChange('updated', '/chats/getAllMessages', `chats('${chatId}')`, message);
  }

  async postChannelMessage(
    teamId: string,
    channelId: string,
    body: unknown,
  ): Promise<Record<string, unknown>> {
    const team = this.team(teamId, channelId);
    const input = this.parseMessage(body);
    if (!team.members.includes(input.from.user.id))
      throw new GraphSimulatorError(403, 'Forbidden', 'The sender is not a member of this team.');
    const sender = this.tenantMember(input.from.user.id);
    const message = this.message(input, sender, { channel: { teamId, channelId } });
    await this.publishChange(
      'created',
      '/teams/getAllMessages',
      `teams('${teamId}')/channels('${channelId}')`,
      message,
    );
    return message;
  }

  chatMessage(chatId: string, messageId: string): Record<string, unknown> {
    const message = this.chat(chatId).messages.find((m) => m['id'] === messageId);
    if (!message) throw new GraphSimulatorError(404, 'NotFound', `No message ${messageId}.`);
    return message;
  }

  /** `GET /users/{id}/chats/getAllMessages`, with `lastModifiedDateTime gt …` filtering. */
  userMessages(userId: string, filter: string | null, skip: number): { value: unknown[]; next?: number } {
    const since = /lastModifiedDateTime gt ([0-9TZ:.+-]+)/.exec(filter ?? '')?.[1];
    const after = since ? Date.parse(since) : 0;
    const messages = [...this.chats.values()]
      .filter((c) => c.members.some((m) => m.userId === userId))
      .flatMap((c) => c.messages)
      .filter((m) => Date.parse(String(m['lastModifiedDateTime'])) > after);
    return page(messages, skip);
  }

  groupMembers(groupId: string, skip: number): { value: unknown[]; next?: number } {
    const group = this.tenant.groups.find((g) => g.id === groupId);
    if (!group)
      throw new GraphSimulatorError(404, 'Request_ResourceNotFound', `Group ${groupId} does not exist.`);
    return page(
      group.members.map((id) => ({
        '@odata.type': '#microsoft.graph.user',
        id,
        displayName: this.tenant.users.find((u) => u.id === id)?.displayName ?? null,
      })),
      skip,
    );
  }

  private parseMessage(body: unknown): z.output<typeof newMessage> {
    const parsed = newMessage.safeParse(body);
    if (!parsed.success)
      throw new GraphSimulatorError(
        400,
        'BadRequest',
        `Invalid message: ${parsed.error.issues[0]?.path.join('.')} ${parsed.error.issues[0]?.message} (app-only sends name the sender in "from").`,
      );
    return parsed.data;
  }

  private message(
    input: z.output<typeof newMessage>,
    sender: Member,
    where: { chatId: string } | { channel: { teamId: string; channelId: string } },
  ): Record<string, unknown> {
    const id = this.nextMessageId();
    const now = new Date().toISOString();
    const conversationId = 'chatId' in where ? where.chatId : where.channel.channelId;
    return {
      id,
      replyToId: null,
      etag: id,
      messageType: 'message',
      createdDateTime: now,
      lastModifiedDateTime: now,
      lastEditedDateTime: null,
      deletedDateTime: null,
      subject: null,
      summary: null,
      chatId: 'chatId' in where ? where.chatId : null,
      importance: 'normal',
      locale: 'en-us',
      webUrl: `https://teams.microsoft.com/l/message/${encodeURIComponent(conversationId)}/${id}?tenantId=${this.tenant.tenantId}`,
      channelIdentity: 'channel' in where ? where.channel : null,
      policyViolation: input.policyViolation
        ? {
            dlpAction: input.policyViolation.dlpAction,
            justificationText: input.policyViolation.justificationText ?? null,
            policyTip: { generalText: 'This message was blocked by a data loss prevention policy.' },
            userAction: 'none',
            verdictDetails: input.policyViolation.verdictDetails ?? 'none',
          }
        : null,
      from: {
        application: null,
        device: null,
        user: {
          '@odata.type': '#microsoft.graph.teamworkUserIdentity',
          id: input.from.user.id,
          displayName: sender.displayName ?? input.from.user.displayName ?? null,
          userIdentityType: sender.identityType,
          ...(sender.tenantId !== undefined && { tenantId: sender.tenantId }),
        },
      },
      body: input.body,
      attachments: [],
      mentions: [],
      reactions: [],
    };
  }

  private chat(chatId: string): Chat {
    const chat = this.chats.get(chatId);
    if (!chat) throw new GraphSimulatorError(404, 'NotFound', `No chat ${chatId}.`);
    return chat;
  }

  private team(teamId: string, channelId: string): LocalTenant['teams'][number] {
    // Graph names a team by its group id; the local tenant also by its thread id.
    const team = this.tenant.teams.find((t) => t.id === teamId || t.groupId === teamId);
    const known = team && (channelId === team.id || team.channels.some((c) => c.id === channelId));
    if (!team || !known)
      throw new GraphSimulatorError(404, 'NotFound', `No channel ${channelId} in team ${teamId}.`);
    return team;
  }

  snapshot(): Chat[] {
    return [...this.chats.values()];
  }

  restore(chats: readonly Chat[]): void {
    for (const c of chats) this.chats.set(c.id, c);
    const ids = chats.flatMap((c) => c.messages.map((m) => Number(m['id'])));
    this.lastMessageId = Math.max(this.lastMessageId, ...ids);
  }
}

function memberView(m: Member): Record<string, unknown> {
  const { identityType: _simulatorOnly, ...view } = m;
  return { ...view, visibleHistoryStartDateTime: '0001-01-01T00:00:00Z' };
}

function page(items: unknown[], skip: number): { value: unknown[]; next?: number } {
  const value = items.slice(skip, skip + pageSize);
  return skip + pageSize < items.length ? { value, next: skip + pageSize } : { value };
}
