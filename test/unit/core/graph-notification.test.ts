import {
  changeNotificationSchema,
  graphQueueMessageSchema,
  notificationMessages,
} from '../../../core/monitoring/graph-notification';

const item = (over: Record<string, unknown> = {}) => ({
  subscriptionId: 's1',
  changeType: 'created',
  clientState: 'cs',
  resource: "chats('19:a@thread.v2')/messages('1')",
  encryptedContent: { data: 'ZA==', dataKey: 'ZA==', dataSignature: 'ZA==', encryptionCertificateId: 'c' },
  ...over,
});

describe('packing notifications into queue messages', () => {
  it('packs a batch into as few messages as fit, and queues an oversized item without its resource data', () => {
    const big = 'A'.repeat(20_000);
    const items = [1, 2, 3, 4, 5].map((n) =>
      changeNotificationSchema.parse(
        item({
          subscriptionId: `s${n}`,
          encryptedContent: { data: big, dataKey: 'k', dataSignature: 's', encryptionCertificateId: 'c' },
        }),
      ),
    );
    const huge = changeNotificationSchema.parse(
      item({
        encryptedContent: {
          data: 'A'.repeat(60_000),
          dataKey: 'k',
          dataSignature: 's',
          encryptionCertificateId: 'c',
        },
      }),
    );
    const messages = notificationMessages([...items, huge]);
    const all = messages.flatMap((m) => (m.kind === 'notifications' ? m.items : []));
    expect(all.map((i) => i.subscriptionId)).toEqual(['s1', 's2', 's3', 's4', 's5', 's1']);
    expect(all.at(-1)?.encryptedContent).toBeUndefined();
    expect(messages.map((m) => (m.kind === 'notifications' ? m.items.length : 0))).toEqual([2, 2, 2]);
    for (const m of messages) expect(Buffer.byteLength(JSON.stringify(m))).toBeLessThanOrEqual(48 * 1024);
  });
});

describe('the queue message contract', () => {
  it('keeps no plain resource data a caller slipped into a notification', () => {
    const parsed = graphQueueMessageSchema.parse({
      kind: 'notifications',
      items: [item({ resourceData: { body: 'plain text nobody verified' } })],
    });
    expect(JSON.stringify(parsed)).not.toContain('plain text nobody verified');
  });

  it('refuses what is not a notification or lifecycle message', () => {
    expect(graphQueueMessageSchema.safeParse({ kind: 'message', message: { id: '1' } }).success).toBe(false);
    expect(graphQueueMessageSchema.safeParse({ kind: 'notifications', items: [] }).success).toBe(false);
  });
});
