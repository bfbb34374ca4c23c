import { parseChatMessage, parseMember } from '../../../adapters/graph-chats';
import { EsafetyError } from '../../../core/errors';

const ours = '5a1e0000-0000-4000-8000-00000000c011';
const base = {
  id: '1700000000000',
  chatId: '19:abc@thread.v2',
  messageType: 'message',
  createdDateTime: '2026-11-23T09:00:00Z',
  from: { user: { id: 'u1', displayName: 'Lee', userIdentityType: 'aadUser', tenantId: ours } },
  body: { contentType: 'html', content: '<div><p>keep <b>this</b> between&nbsp;us</p><img src="x"></div>' },
};

describe('Graph chat messages', () => {
  it('turns a chatMessage into facts: plain text, conversation, sender, link', () => {
    expect(parseChatMessage(base, ours)).toEqual({
      messageId: '1700000000000',
      conversation: { kind: 'chat', chatId: '19:abc@thread.v2' },
      sender: { id: 'u1', displayName: 'Lee', identity: 'internal' },
      text: 'keep this between us',
      createdAt: '2026-11-23T09:00:00Z',
      link: 'https://teams.microsoft.com/l/message/19%3Aabc%40thread.v2/1700000000000',
    });
  });

  it.each([
    ['aadUser', ours, 'internal'],
    ['aadUser', 'another-tenant', 'federated'],
    ['federatedUser', undefined, 'federated'],
    ['anonymousGuest', undefined, 'anonymous'],
    ['personalMicrosoftAccountUser', undefined, 'personal'],
    ['skypeUser', undefined, 'personal'],
    ['emailUser', undefined, 'external'],
    ['somethingNew', undefined, 'unknown'],
  ])('reads a %s sender of tenant %s as %s', (userIdentityType, tenantId, identity) => {
    const facts = parseChatMessage(
      { ...base, from: { user: { id: 'x', userIdentityType, tenantId } } },
      ours,
    );
    expect(facts?.sender.identity).toBe(identity);
  });

  it('carries a DLP action and a channel message’s team and channel', () => {
    const facts = parseChatMessage(
      {
        ...base,
        chatId: null,
        channelIdentity: { teamId: 't1', channelId: '19:c@thread.tacv2' },
        policyViolation: { dlpAction: 'blockAccess' },
      },
      ours,
    );
    expect(facts).toMatchObject({
      conversation: { kind: 'channel', teamId: 't1', channelId: '19:c@thread.tacv2' },
      dlpAction: 'blockAccess',
    });
  });

  it('ignores deleted messages and system events other than membership changes', () => {
    expect(parseChatMessage({ ...base, deletedDateTime: '2026-11-23T09:01:00Z' }, ours)).toBeUndefined();
    expect(
      parseChatMessage(
        {
          ...base,
          messageType: 'systemEventMessage',
          eventDetail: { '@odata.type': '#microsoft.graph.chatRenamedEventMessageDetail' },
        },
        ours,
      ),
    ).toBeUndefined();
  });

  it('reads a membership change as a text-less event by its initiator', () => {
    const facts = parseChatMessage(
      {
        ...base,
        messageType: 'systemEventMessage',
        from: null,
        eventDetail: {
          '@odata.type': '#microsoft.graph.membersAddedEventMessageDetail',
          initiator: {
            user: { id: 'u2', displayName: 'Tariq', userIdentityType: 'aadUser', tenantId: ours },
          },
        },
      },
      ours,
    );
    expect(facts).toMatchObject({
      membershipChanged: true,
      text: '',
      sender: { id: 'u2', identity: 'internal' },
    });
  });

  it('refuses what is not a chat message, naming the schema', () => {
    expect(() => parseChatMessage({ hello: 'world' }, ours)).toThrow(EsafetyError);
  });
});

describe('Graph conversation members', () => {
  it.each([
    [
      {
        '@odata.type': '#microsoft.graph.aadUserConversationMember',
        id: 'm',
        userId: 'u',
        tenantId: ours,
        roles: ['owner'],
      },
      'internal',
    ],
    [
      {
        '@odata.type': '#microsoft.graph.aadUserConversationMember',
        id: 'm',
        userId: 'u',
        tenantId: ours,
        roles: ['guest'],
      },
      'external',
    ],
    [
      {
        '@odata.type': '#microsoft.graph.aadUserConversationMember',
        id: 'm',
        userId: 'u',
        tenantId: 'other',
      },
      'federated',
    ],
    [
      { '@odata.type': '#microsoft.graph.anonymousGuestConversationMember', id: 'm', anonymousGuestId: 'g' },
      'anonymous',
    ],
    [
      { '@odata.type': '#microsoft.graph.microsoftAccountUserConversationMember', id: 'm', userId: 'u' },
      'personal',
    ],
    [
      { '@odata.type': '#microsoft.graph.azureCommunicationServicesUserConversationMember', id: 'm' },
      'external',
    ],
  ])('reads %o as %s', (raw, identity) => {
    expect(parseMember(raw, ours)?.identity).toBe(identity);
  });
});
