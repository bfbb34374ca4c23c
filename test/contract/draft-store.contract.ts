/**
 * The DraftStore contract: Table Storage and the in-memory fake both run it. A draft is written
 * only by compare-and-swap: without a token only if there is none, with one only if it is current.
 */
import type { Draft, DraftStore } from '../../core/assessments/assessment-store';

let counter = 0;

export function contractDraft(overrides: Partial<Draft> = {}): Draft {
  return {
    key: 'technology',
    id: `draft-${++counter}`,
    questionnaireId: 'technology',
    at: 'safeguarding',
    answers: {
      tool: { value: 'Padlet' },
      strangers: { value: 'yes', comment: 'Comment-XYZZY: anyone with the link can post — “é” ✓' },
    },
    startedAt: '2026-11-23T09:00:00.000Z',
    updatedAt: '2026-11-23T09:05:00.000Z',
    ...overrides,
  };
}

export function describeDraftStoreContract(
  name: string,
  makeStore: () => Promise<DraftStore> | DraftStore,
): void {
  describe(`DraftStore contract: ${name}`, () => {
    let store: DraftStore;
    const user = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
    const other = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb';

    beforeEach(async () => {
      store = await makeStore();
    });

    it('has no draft nobody started', async () => {
      expect(await store.get(user, 'technology')).toBeUndefined();
    });

    it('creates a draft without a token only once', async () => {
      const first = contractDraft();
      const token = await store.put(user, first);
      expect(token).toEqual(expect.any(String));
      expect(await store.get(user, first.key)).toEqual({ draft: first, token });
      expect(await store.put(user, contractDraft({ at: 'service' }))).toBeUndefined();
      expect(await store.get(user, first.key)).toEqual({ draft: first, token });
    });

    it('replaces a draft with the current token and gives a new one', async () => {
      const first = contractDraft();
      const token = (await store.put(user, first)) as string;
      const second = { ...first, at: 'summary', answers: { ...first.answers, extra: { value: 'no' } } };
      const next = await store.put(user, second, token);
      expect(next).toEqual(expect.any(String));
      expect(next).not.toBe(token);
      expect(await store.get(user, first.key)).toEqual({ draft: second, token: next });
    });

    it('refuses a stale token and changes nothing', async () => {
      const first = contractDraft();
      const stale = (await store.put(user, first)) as string;
      const second = { ...first, at: 'service' };
      const current = await store.put(user, second, stale);
      expect(await store.put(user, { ...first, at: 'lost' }, stale)).toBeUndefined();
      expect(await store.get(user, first.key)).toEqual({ draft: second, token: current });
    });

    it('lets exactly one of several simultaneous writers on one token win', async () => {
      const first = contractDraft();
      const token = (await store.put(user, first)) as string;
      const results = await Promise.all(
        Array.from({ length: 5 }, (_, i) => store.put(user, { ...first, at: `s${i}` }, token)),
      );
      expect(results.filter((r) => r !== undefined)).toHaveLength(1);
      const winner = results.findIndex((r) => r !== undefined);
      expect((await store.get(user, first.key))?.draft.at).toBe(`s${winner}`);
    });

    it('lets exactly one of several simultaneous first writers win', async () => {
      const results = await Promise.all(
        Array.from({ length: 5 }, (_, i) => store.put(user, contractDraft({ at: `s${i}` }))),
      );
      expect(results.filter((r) => r !== undefined)).toHaveLength(1);
    });

    it('deletes a draft: it is gone, a token for it is refused, and a new one can start', async () => {
      const first = contractDraft();
      const token = (await store.put(user, first)) as string;
      await store.delete(user, first.key);
      expect(await store.get(user, first.key)).toBeUndefined();
      await store.delete(user, first.key);
      expect(await store.put(user, first, token)).toBeUndefined();
      expect(await store.get(user, first.key)).toBeUndefined();
      const again = await store.put(user, first);
      expect(await store.get(user, first.key)).toEqual({ draft: first, token: again });
    });

    it('keeps keys with characters Table Storage forbids in keys, each apart', async () => {
      const keys = [
        'answer:a0123456789abcdef',
        'review:a/b',
        'a#b',
        'a?b',
        'a\\b',
        "o'clock",
        'a%2Fb',
        'a b é',
        'tab\there',
      ];
      const drafts = keys.map((key) => contractDraft({ key }));
      for (const d of drafts) expect(await store.put(user, d)).toEqual(expect.any(String));
      for (const d of drafts) expect((await store.get(user, d.key))?.draft).toEqual(d);
      await store.delete(user, 'review:a/b');
      expect(await store.get(user, 'review:a/b')).toBeUndefined();
      expect((await store.get(user, 'a%2Fb'))?.draft.key).toBe('a%2Fb');
    });

    it('keeps every optional field', async () => {
      const review = contractDraft({ key: 'review:a1', reviewOf: 'a1', at: 'summary' });
      const answering = contractDraft({ key: 'answer:a2', answering: 'a2', answers: {} });
      await store.put(user, review);
      await store.put(user, answering);
      expect((await store.get(user, review.key))?.draft).toEqual(review);
      expect((await store.get(user, answering.key))?.draft).toEqual(answering);
    });

    it('keeps the drafts of two people with the same key apart', async () => {
      const mine = contractDraft();
      const theirs = contractDraft({ answers: { tool: { value: 'Minecraft' } } });
      const odd = '29:1a-b/c#d?e';
      await store.put(user, mine);
      await store.put(other, theirs);
      await store.put(odd, theirs);
      expect((await store.get(user, mine.key))?.draft).toEqual(mine);
      expect((await store.get(other, mine.key))?.draft).toEqual(theirs);
      await store.delete(user, mine.key);
      expect(await store.get(user, mine.key)).toBeUndefined();
      expect((await store.get(other, mine.key))?.draft).toEqual(theirs);
      expect((await store.get(odd, mine.key))?.draft).toEqual(theirs);
    });
  });
}
