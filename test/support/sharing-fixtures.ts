/** A risky share as the sharing watch reads it from Graph, for the sharing tests. */
import type { SharingSignal } from '../../core/sharing/sharing-signal';

/** Tariq Tutor: the member of staff who shares in the sharing tests. */
export const sharer = { id: '55555555-5555-4555-8555-555555555555', name: 'Tariq Tutor' };

export const learnerFileUrl = (n: number) =>
  `https://example.sharepoint.com/sites/LearnerRecords/Documents/item-${n}`;

/** File `n` of Learner Records shared by Tariq with an Anyone link (view, no expiry). */
export function anyoneShare(n: number, overrides: Partial<SharingSignal> = {}): SharingSignal {
  return {
    driveId: 'b!learner-records',
    itemId: `item-${n}`,
    permissionId: `perm-${n}`,
    source: 'delta',
    link: { scope: 'anonymous', type: 'view' },
    roles: ['read'],
    grantees: [],
    sharedBy: sharer,
    sharedAt: '2026-12-02T09:58:00.000Z',
    site: { name: 'Learner Records', url: 'https://example.sharepoint.com/sites/LearnerRecords' },
    library: 'Documents',
    itemName: `Learner ${n} support plan.docx`,
    itemUrl: learnerFileUrl(n),
    ...overrides,
  };
}
