/**
 * Loads local/tenant.yaml: the sample users, groups, teams and channels of the local system, and the
 * SharePoint libraries and OneDrives whose files the tenant simulator shares.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';

const guid = z.guid();
const driveSchema = z.strictObject({
  /** The Graph drive id (`b!…`). */
  id: z.string().min(1),
  /** The library's name (`Documents`, or `OneDrive` for a personal drive). */
  name: z.string(),
  /** The SharePoint site's name, for a library. */
  site: z.string().optional(),
  webUrl: z.url(),
  /** The user whose OneDrive this is (a personal drive, driveType business). */
  owner: guid.optional(),
  items: z.array(
    z.strictObject({
      id: z.string().min(1),
      name: z.string().min(1),
      sensitivityLabel: z.string().optional(),
    }),
  ),
});
const tenantSchema = z.strictObject({
  tenantId: guid,
  domain: z.string(),
  users: z
    .array(z.strictObject({ id: guid, displayName: z.string(), upn: z.string(), role: z.string() }))
    .min(1),
  groups: z.array(z.strictObject({ id: guid, displayName: z.string(), members: z.array(guid) })),
  teams: z.array(
    z.strictObject({
      id: z.string(),
      /** The team's Microsoft 365 group: Graph names the team by it (`/teams/{groupId}/…`). */
      groupId: guid.optional(),
      displayName: z.string(),
      channels: z.array(
        z.strictObject({ id: z.string(), displayName: z.string(), route: z.string().optional() }),
      ),
      members: z.array(guid),
    }),
  ),
  chats: z
    .array(
      z.strictObject({
        id: z.string(),
        displayName: z.string(),
        route: z.string().optional(),
        members: z.array(guid),
      }),
    )
    .default([]),
  playgrounds: z
    .array(
      z.strictObject({
        user: guid,
        port: z.int().min(1024).max(65535),
        as: z.string(),
        team: z.string().optional(),
        chat: z.string().optional(),
      }),
    )
    .default([]),
  drives: z.array(driveSchema).default([]),
});

export type LocalTenant = z.output<typeof tenantSchema>;

export function loadTenant(root: string): LocalTenant {
  return tenantSchema.parse(parse(readFileSync(join(root, 'local', 'tenant.yaml'), 'utf8')));
}
