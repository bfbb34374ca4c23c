/** The SharingState contract: Table Storage and the in-memory fake both run it. */
import type { SharingState, SweepRecord } from '../../core/sharing/sharing-watch';

export function describeSharingStateContract(name: string, make: () => SharingState): void {
  describe(`SharingState contract: ${name}`, () => {
    const sweep = (until: string): SweepRecord => ({
      from: '2026-12-02T08:00:00.000Z',
      until,
      ranAt: until,
      records: 12,
      windows: 3,
      items: 4,
      risky: 2,
      dropped: 2,
    });

    it('keeps one delta link per drive, the latest saved', async () => {
      const state = make();
      expect(await state.deltaLink('b!one')).toBeUndefined();
      await state.saveDeltaLink('b!one', 'https://graph/delta?token=1', new Date('2026-12-02T09:00:00Z'));
      await state.saveDeltaLink('b!one', 'https://graph/delta?token=2', new Date('2026-12-02T09:05:00Z'));
      await state.saveDeltaLink('b!two', 'https://graph/delta?token=a', new Date('2026-12-02T09:06:00Z'));
      expect(await state.deltaLink('b!one')).toBe('https://graph/delta?token=2');
      expect(await state.deltaLinks()).toEqual([
        { driveId: 'b!one', savedAt: '2026-12-02T09:05:00.000Z' },
        { driveId: 'b!two', savedAt: '2026-12-02T09:06:00.000Z' },
      ]);
    });

    it('keeps the last sweep as saved', async () => {
      const state = make();
      expect(await state.lastSweep()).toBeUndefined();
      await state.saveSweep(sweep('2026-12-02T10:00:00.000Z'));
      await state.saveSweep(sweep('2026-12-02T10:10:00.000Z'));
      expect(await state.lastSweep()).toEqual(sweep('2026-12-02T10:10:00.000Z'));
    });

    it("keeps a case's permissions once each, whatever the order and repeats", async () => {
      const state = make();
      const p = (n: number) => ({ driveId: 'b!one', itemId: `item-${n}`, permissionId: `perm-${n}` });
      await state.addPermissions('case-1', [p(2), p(1)]);
      await state.addPermissions('case-1', [p(1)]);
      await state.addPermissions('case-2', [p(3)]);
      expect(await state.permissionsOf('case-1')).toEqual([p(1), p(2)]);
      expect(await state.permissionsOf('case-2')).toEqual([p(3)]);
      expect(await state.permissionsOf('case-3')).toEqual([]);
    });
  });
}
