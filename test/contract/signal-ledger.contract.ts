/** The SignalLedger contract: Table Storage and the in-memory fake both run it. */
import type { SignalLedger } from '../../core/intake/signal-ledger';

export function describeSignalLedgerContract(name: string, make: () => SignalLedger): void {
  describe(`SignalLedger contract: ${name}`, () => {
    const hour = 60 * 60 * 1000;
    const t0 = new Date('2026-11-23T09:00:00Z');
    const at = (ms: number) => new Date(t0.getTime() + ms);

    it('gives a new conversation the candidate key, and later signals within the window the same key', async () => {
      const ledger = make();
      expect(await ledger.claimWindow('conv-a', 'k1', t0, hour)).toBe('k1');
      expect(await ledger.claimWindow('conv-a', 'k2', at(30 * 60_000), hour)).toBe('k1');
      expect(await ledger.claimWindow('conv-b', 'k3', at(30 * 60_000), hour)).toBe('k3');
    });

    it('keeps a window open while signals keep arriving, and starts a new one after a quiet window', async () => {
      const ledger = make();
      await ledger.claimWindow('conv', 'k1', t0, hour);
      expect(await ledger.claimWindow('conv', 'k2', at(50 * 60_000), hour)).toBe('k1');
      expect(await ledger.claimWindow('conv', 'k3', at(100 * 60_000), hour)).toBe('k1');
      expect(await ledger.claimWindow('conv', 'k4', at(100 * 60_000 + hour + 1), hour)).toBe('k4');
    });

    it('gives every concurrent claimant of a new conversation one and the same key', async () => {
      const ledger = make();
      const keys = await Promise.all(
        Array.from({ length: 12 }, (_, i) => ledger.claimWindow('conv-race', `k${i}`, t0, hour)),
      );
      expect(new Set(keys).size).toBe(1);
    });

    it('replaces a window only if it still holds the closed case', async () => {
      const ledger = make();
      await ledger.claimWindow('conv', 'k1', t0, hour);
      expect(await ledger.replaceWindow('conv', 'k1', 'k2', at(1000))).toBe('k2');
      // A second worker that also saw k1 closed finds k2 already in place.
      expect(await ledger.replaceWindow('conv', 'k1', 'k3', at(2000))).toBe('k2');
      expect(await ledger.claimWindow('conv', 'k9', at(3000), hour)).toBe('k2');
    });

    it('remembers recorded signal keys, including keys with characters Table keys forbid', async () => {
      const ledger = make();
      const keys = ['phrase:abc:1700000000000:0', 'external:abc:8:live:.cid/x#y?z', 'dlp:abc:1'];
      expect(await ledger.recorded(keys)).toEqual(new Set());
      await ledger.record(keys.slice(0, 2), 'c1');
      expect(await ledger.recorded(keys)).toEqual(new Set(keys.slice(0, 2)));
      expect(await ledger.caseOf(keys[1]!)).toBe('c1');
      expect(await ledger.caseOf(keys[2]!)).toBeUndefined();
    });

    it('remembers which indicators a conversation showed within the window, and since when', async () => {
      const ledger = make();
      await ledger.noteIndicators('conv-i', ['flattery'], t0, 24 * hour);
      await ledger.noteIndicators('conv-other', ['gifts'], t0, 24 * hour);
      const seen = await ledger.noteIndicators('conv-i', ['secrecy', 'flattery'], at(5 * hour), 24 * hour);
      expect(Object.fromEntries(seen)).toEqual({ flattery: t0, secrecy: at(5 * hour) });
      // A day and more of silence: the earlier run is forgotten, a new one starts.
      const later = await ledger.noteIndicators('conv-i', ['gifts'], at(30 * hour), 24 * hour);
      expect(Object.fromEntries(later)).toEqual({ gifts: at(30 * hour) });
    });

    it('loses no indicator when workers note them at the same moment', async () => {
      const ledger = make();
      await Promise.all(
        ['a', 'b', 'c', 'd', 'e', 'f'].map((i) => ledger.noteIndicators('conv-race-i', [i], t0, hour)),
      );
      const seen = await ledger.noteIndicators('conv-race-i', [], t0, hour);
      expect([...seen.keys()].sort()).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    });
  });
}
