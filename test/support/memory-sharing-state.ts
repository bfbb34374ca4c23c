/** An in-memory SharingState for unit tests; passes test/contract/sharing-state.contract.ts. */
import type { PermissionRef, SharingState, SweepRecord } from '../../core/sharing/sharing-watch';

export class MemorySharingState implements SharingState {
  private readonly links = new Map<string, { link: string; savedAt: string }>();
  private sweep: SweepRecord | undefined;
  private readonly permissions = new Map<string, Map<string, PermissionRef>>();

  deltaLink(driveId: string) {
    return Promise.resolve(this.links.get(driveId)?.link);
  }
  saveDeltaLink(driveId: string, link: string, at: Date) {
    this.links.set(driveId, { link, savedAt: at.toISOString() });
    return Promise.resolve();
  }
  deltaLinks() {
    return Promise.resolve(
      [...this.links.entries()]
        .map(([driveId, { savedAt }]) => ({ driveId, savedAt }))
        .sort((a, b) => a.driveId.localeCompare(b.driveId)),
    );
  }
  lastSweep() {
    return Promise.resolve(this.sweep);
  }
  saveSweep(record: SweepRecord) {
    this.sweep = { ...record };
    return Promise.resolve();
  }
  addPermissions(caseId: string, refs: readonly PermissionRef[]) {
    const kept = this.permissions.get(caseId) ?? new Map<string, PermissionRef>();
    for (const r of refs) kept.set(`${r.driveId}/${r.itemId}/${r.permissionId}`, { ...r });
    this.permissions.set(caseId, kept);
    return Promise.resolve();
  }
  permissionsOf(caseId: string) {
    return Promise.resolve(
      [...(this.permissions.get(caseId)?.entries() ?? [])]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([, r]) => r),
    );
  }
}
