/** The ConversationStore contract: Table Storage and the in-memory fake both run it. */
import type { ConversationStore } from '../../core/conversations';

export function describeConversationStoreContract(name: string, make: () => ConversationStore): void {
  describe(`ConversationStore contract: ${name}`, () => {
    const ref = {
      conversation: { id: 'a:1', conversationType: 'personal' },
      serviceUrl: 'https://smba.example/uk/',
      bot: { id: 'b' },
    };
    const post = { conversation: ref, activityId: '1700000000000' };
    const lease = { holder: 'worker-1', until: '2026-11-23T09:02:00.000Z' };

    it('returns nothing for what was never saved', async () => {
      const store = make();
      expect(await store.user('u-none')).toBeUndefined();
      expect(await store.route('none')).toBeUndefined();
      expect(await store.cardPost('c-none')).toBeUndefined();
    });

    it('keeps the latest reference per user and route', async () => {
      const store = make();
      await store.saveUser('u1', ref);
      await store.saveUser('u1', { ...ref, serviceUrl: 'https://smba.example/emea/' });
      await store.saveRoute('dsl', { ...ref, conversation: { id: '19:dsl@thread.tacv2' } });
      expect((await store.user('u1'))?.['serviceUrl']).toBe('https://smba.example/emea/');
      expect(await store.route('dsl')).toEqual({ ...ref, conversation: { id: '19:dsl@thread.tacv2' } });
    });

    it('creates a case card record only once: the second first-write is refused', async () => {
      const store = make();
      const first = await store.putCardPost('c1', { version: 0, lease });
      expect(first).toEqual(expect.any(String));
      expect(
        await store.putCardPost('c1', { version: 0, lease: { ...lease, holder: 'worker-2' } }),
      ).toBeUndefined();
      expect(await store.cardPost('c1')).toEqual({ record: { version: 0, lease }, token: first });
    });

    it('replaces a case card record only with the token it was read with', async () => {
      const store = make();
      const first = await store.putCardPost('c2', { version: 0, lease });
      const second = await store.putCardPost('c2', { post, version: 3 }, first);
      expect(second).toEqual(expect.any(String));
      expect(second).not.toBe(first);
      // A worker still holding the first token lost the race: nothing is written.
      expect(await store.putCardPost('c2', { version: 0 }, first)).toBeUndefined();
      expect(await store.cardPost('c2')).toEqual({ record: { post, version: 3 }, token: second });
    });

    it('keeps the copies of a card in other local clients with its post', async () => {
      const store = make();
      const post = {
        conversation: { id: '19:class@thread.tacv2;messageid=1' },
        activityId: '1',
        copies: [
          { conversation: { id: '19:class@thread.tacv2;messageid=9', serviceUrl: 'x' }, activityId: '9' },
        ],
      };
      await store.putCardPost('qcopies', { post, version: 2 });
      expect((await store.cardPost('qcopies'))?.record).toEqual({ post, version: 2 });
    });

    it('lets exactly one of many concurrent first writers win', async () => {
      const store = make();
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          store.putCardPost('c3', { version: 0, lease: { ...lease, holder: `w${i}` } }),
        ),
      );
      expect(results.filter((r) => r !== undefined)).toHaveLength(1);
    });
  });
}
