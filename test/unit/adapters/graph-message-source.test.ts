import type { Client } from '@microsoft/microsoft-graph-client';
import { isErrorCode } from '../../../core/errors';
import { GraphMessageSource } from '../../../adapters/graph-message-source';

const tenantId = '5a1e0000-0000-4000-8000-00000000c011';
const chatMessage = {
  id: '1700000000000',
  chatId: '19:a@thread.v2',
  createdDateTime: '2026-11-23T09:00:00Z',
  from: { user: { id: 'u1', displayName: 'U', userIdentityType: 'aadUser', tenantId } },
  body: { contentType: 'html', content: '<p>hello <b>there</b></p>' },
};

function source() {
  const requested: string[] = [];
  const graph = {
    api: (path: string) => {
      requested.push(path);
      return { version: () => ({ get: () => Promise.resolve(chatMessage) }) };
    },
  } as unknown as Client;
  return { requested, source: new GraphMessageSource(graph, [], tenantId) };
}

describe('the Graph message source', () => {
  it('reads a message back when the notification came without resource data', async () => {
    const { requested, source: s } = source();
    const facts = await s.messageOf({
      subscriptionId: 's1',
      changeType: 'created',
      resource: "chats('19:a@thread.v2')/messages('1')",
    });
    expect(requested).toEqual(["/chats('19:a@thread.v2')/messages('1')"]);
    expect(facts).toMatchObject({ messageId: '1700000000000', text: 'hello there' });
  });

  it.each(['users/someone/mailFolders/inbox/messages', "chats('a')/members", '../../me'])(
    'never reads back anything but a Teams message (%s)',
    async (resource) => {
      const { requested, source: s } = source();
      const err = await s
        .messageOf({ subscriptionId: 's1', changeType: 'created', resource })
        .catch((e: unknown) => e);
      expect(isErrorCode(err, 'NOTIFICATION_INVALID')).toBe(true);
      expect(requested).toEqual([]);
    },
  );

  it('refuses resource data encrypted to a certificate it does not hold, as forged', async () => {
    const { source: s } = source();
    const err = await s
      .messageOf({
        subscriptionId: 's1',
        changeType: 'created',
        resource: "chats('a')/messages('1')",
        encryptedContent: {
          data: 'ZA==',
          dataKey: 'ZA==',
          dataSignature: 'ZA==',
          encryptionCertificateId: 'x',
        },
      })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'NOTIFICATION_INVALID', details: { reason: 'unknownCertificate' } });
  });
});
