/**
 * Sharing scenarios (issue 12), acted out in the tenant simulator as people share files in
 * OneDrive and SharePoint — through the simulator's Graph API as the person (`x-simulator-user`),
 * never through the app — so the app finds them the way it would in a tenant: a watched library's
 * subscription and delta, or the audit-log sweep. Used by `npm run simulate -- <scenario>` and by
 * the end-to-end tests.
 */
import { fail } from '../../core/errors';
import type { ScenarioContext } from './scenarios';

export interface SharingRun {
  /** What a DSL should see: a case, or nothing. */
  readonly expect: 'case' | 'noCase';
  /** The permissions the scenario made: its case is the one holding them. */
  readonly permissionIds: readonly string[];
  /** The DSL then presses "Remove the link / access" on the case card. */
  readonly removeFromCard?: boolean;
  /** The simulator is made to answer the drive's next delta with 410 before the share. */
  readonly resynced?: boolean;
  readonly steps: readonly string[];
}

export interface SharingScenario {
  readonly description: string;
  run(ctx: ScenarioContext): Promise<SharingRun>;
}

export const tariq = '55555555-5555-4555-8555-555555555555';
const sam = '11111111-1111-4111-8111-111111111111';
export const learnerRecords = 'b!learner-records';
const staffRoom = 'b!staff-room';
const progressReview = '01LR0000000000000000000001';
const attendance = '01LR0000000000000000000003';
const timetable = '01SR0000000000000000000001';

/** A person makes a sharing link on a file, as OneDrive does when they click Share. */
export async function createLink(
  ctx: ScenarioContext,
  as: string,
  driveId: string,
  itemId: string,
  body: { scope: 'anonymous' | 'organization' | 'users'; type: 'view' | 'edit'; expirationDateTime?: string },
): Promise<{ id: string }> {
  return (await ctx.graph
    .api(`/drives/${encodeURIComponent(driveId)}/items/${encodeURIComponent(itemId)}/createLink`)
    .version('v1.0')
    .header('x-simulator-user', as)
    .post(body)) as { id: string };
}

/** A person invites someone by address to a file. */
export async function invite(
  ctx: ScenarioContext,
  as: string,
  driveId: string,
  itemId: string,
  email: string,
  role: 'read' | 'write' = 'read',
): Promise<{ id: string }[]> {
  return (
    (await ctx.graph
      .api(`/drives/${encodeURIComponent(driveId)}/items/${encodeURIComponent(itemId)}/invite`)
      .version('v1.0')
      .header('x-simulator-user', as)
      .post({ recipients: [{ email }], roles: [role], requireSignIn: true, sendInvitation: true })) as {
      value: { id: string }[];
    }
  ).value;
}

/** New files in a library (each scenario run shares files of its own). */
export async function addFiles(ctx: ScenarioContext, driveId: string, names: readonly string[]) {
  // File names are unique in a folder: a run's files carry the time (hhmmss.ms) they were made.
  const stamp = new Date().toISOString().slice(11, 23).replace(/:/g, '');
  const made = (await ctx.control(`/_simulator/drives/${encodeURIComponent(driveId)}/items`, {
    names: names.map((n) => n.replace(/(\.\w+)$/, ` ${stamp}$1`)),
  })) as { value?: { id: string; name: string }[]; error?: { message?: string } };
  return (
    made.value ?? fail('UNEXPECTED', `The simulator made no files: ${made.error?.message ?? 'no answer'}.`)
  );
}

const anyoneLink: SharingScenario = {
  description: 'a tutor creates an Anyone link on a learner record (Learner Records, a watched library)',
  async run(ctx) {
    const [file] = await addFiles(ctx, learnerRecords, ['Progress review - Lee L.docx']);
    const link = await createLink(ctx, tariq, learnerRecords, file?.id ?? progressReview, {
      scope: 'anonymous',
      type: 'view',
    });
    return {
      expect: 'case',
      permissionIds: [link.id],
      steps: [
        'Tariq Tutor shared "Progress review - Lee L.docx" in Learner Records with an Anyone link (view, no expiry).',
      ],
    };
  },
};

export const sharingScenarios: Record<string, SharingScenario> = {
  'anyone-link': anyoneLink,
  'external-invite': {
    description: 'a tutor invites a personal Gmail address to edit the attendance register',
    async run(ctx) {
      const granted = await invite(ctx, tariq, learnerRecords, attendance, 'mum.of.lee@gmail.com', 'write');
      return {
        expect: 'case',
        permissionIds: granted.map((p) => p.id),
        steps: [
          'Tariq Tutor invited mum.of.lee@gmail.com to edit "Attendance autumn term.xlsx" in Learner Records.',
        ],
      };
    },
  },
  'org-link': {
    description: 'a member of staff shares the timetable with everyone in the college (no case)',
    async run(ctx) {
      const link = await createLink(ctx, sam, staffRoom, timetable, { scope: 'organization', type: 'view' });
      return {
        expect: 'noCase',
        permissionIds: [link.id],
        steps: [
          'Sam Staff shared "Timetable.xlsx" in the Staff Room with a link for everyone in the college.',
        ],
      };
    },
  },
  'partner-domain': {
    description: 'a tutor shares a learner record with the partner school the policy trusts (no case)',
    async run(ctx) {
      const granted = await invite(
        ctx,
        tariq,
        learnerRecords,
        attendance,
        'head.of.year@partner-school.ac.uk',
      );
      return {
        expect: 'noCase',
        permissionIds: granted.map((p) => p.id),
        steps: [
          'Tariq Tutor invited head.of.year@partner-school.ac.uk (a trusted partner in the policy) to view the attendance register.',
        ],
      };
    },
  },
  'bulk-share': {
    description: 'a tutor shares 200 learner files with Anyone links in one go (one case)',
    async run(ctx) {
      const files = await addFiles(
        ctx,
        learnerRecords,
        Array.from({ length: 200 }, (_, i) => `Learner ${String(i + 1).padStart(3, '0')} ILP.docx`),
      );
      const ids: string[] = [];
      for (let i = 0; i < files.length; i += 20) {
        const links = await Promise.all(
          files
            .slice(i, i + 20)
            .map((f) => createLink(ctx, tariq, learnerRecords, f.id, { scope: 'anonymous', type: 'view' })),
        );
        ids.push(...links.map((l) => l.id));
      }
      return {
        expect: 'case',
        permissionIds: ids,
        steps: [`Tariq Tutor shared ${files.length} learner files in Learner Records with Anyone links.`],
      };
    },
  },
  'delta-resync': {
    description: "the watched library's delta link expires (410), then a tutor creates an Anyone link",
    async run(ctx) {
      await ctx.control(`/_simulator/drives/${encodeURIComponent(learnerRecords)}/resync`, {});
      const run = await anyoneLink.run(ctx);
      return {
        ...run,
        resynced: true,
        steps: [
          'The simulator expired every delta link of Learner Records (the next delta answers 410).',
          ...run.steps,
        ],
      };
    },
  },
  'remove-link': {
    description:
      'a tutor creates an Anyone link; the DSL presses "Remove the link / access" on the case card',
    async run(ctx) {
      const run = await anyoneLink.run(ctx);
      return { ...run, removeFromCard: true };
    },
  },
};
