/** The ConversationStore contract: Table Storage and the in-memory fake both run it. */
import type { ConversationStore } from '../../core/conversations';

export function describeConversationStoreContract(name: string, make: () => ConversationStore): void {
  describe(`ConversationStore contract: ${name}`, () => {
    const ref = {
      conversation: { id: 'a:1', conversationType: 'personal' },
      serviceUrl: 'https://smba.example/uk/',
      bot: { id: 'b' },
    };

    it('returns nothing for what was never saved', async () => {
      const store = make();
      expect(await store.user('u-none')).toBeUndefined();
      expect(await store.route('none')).toBeUndefined();
      expect(await store.casePost('c-none')).toBeUndefined();
    });

    it('keeps the latest reference per user, route and case post', async () => {
      const store = make();
      await store.saveUser('u1', ref);
      await store.saveUser('u1', { ...ref, serviceUrl: 'https://smba.example/emea/' });
      await store.saveRoute('dsl', { ...ref, conversation: { id: '19:dsl@thread.tacv2' } });
      await store.saveCasePost('c1', { conversation: ref, activityId: '1700000000000' });
      await store.saveCasePost('c2', { conversation: ref, activityId: '1700000000001', version: 4 });
      expect((await store.user('u1'))?.['serviceUrl']).toBe('https://smba.example/emea/');
      expect(await store.route('dsl')).toEqual({ ...ref, conversation: { id: '19:dsl@thread.tacv2' } });
      expect(await store.casePost('c1')).toEqual({ conversation: ref, activityId: '1700000000000' });
      expect(await store.casePost('c2')).toEqual({
        conversation: ref,
        activityId: '1700000000001',
        version: 4,
      });
    });
  });
}
