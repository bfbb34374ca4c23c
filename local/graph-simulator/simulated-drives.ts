/**
 * OneDrive and SharePoint sharing, simulated with Microsoft Graph v1.0's request and response shapes
 * for the drives of local/tenant.yaml (tenant-simulator.ts wires the routes):
 *
 * - drives and files: https://learn.microsoft.com/graph/api/resources/drive,
 *   https://learn.microsoft.com/graph/api/resources/driveitem, with the `shared` facet
 *   (https://learn.microsoft.com/graph/api/resources/shared) while anyone but the owner has access;
 * - permissions (https://learn.microsoft.com/graph/api/resources/permission): list
 *   (https://learn.microsoft.com/graph/api/driveitem-list-permissions), sharing links
 *   (https://learn.microsoft.com/graph/api/driveitem-createlink: an existing link of the same type and
 *   scope without expiry is answered again with 200), invitations
 *   (https://learn.microsoft.com/graph/api/driveitem-invite: people of the college become `user`,
 *   anyone else a guest `siteUser` with an `invitation`) and removal
 *   (https://learn.microsoft.com/graph/api/permission-delete; the owner's cannot be removed);
 * - an item by its URL (https://learn.microsoft.com/graph/api/shares-get: `u!` + unpadded base64url);
 * - delta (https://learn.microsoft.com/graph/api/driveitem-delta, https://learn.microsoft.com/graph/delta-query-overview):
 *   a change sequence per drive; with `Prefer: deltashowsharingchanges`, items whose permissions
 *   changed come back with `@microsoft.graph.sharedChanged: "True"`; a token from before a forced
 *   resync answers 410 `resyncRequired`;
 * - change notifications (https://learn.microsoft.com/graph/change-notifications-for-driveitem): a
 *   change raises `updated` on `drives/{id}/root`; a permission change is marked so that only
 *   subscriptions with security webhooks hear of it (simulated-subscriptions.ts);
 * - the unified audit log (https://learn.microsoft.com/graph/api/resources/security-auditlogquery,
 *   https://learn.microsoft.com/graph/api/security-auditcoreroot-post-auditlogqueries,
 *   https://learn.microsoft.com/graph/api/security-auditlogquery-get,
 *   https://learn.microsoft.com/graph/api/security-auditlogquery-list-records,
 *   https://learn.microsoft.com/graph/api/resources/security-auditlogrecord, operations as in
 *   https://learn.microsoft.com/purview/audit-log-activities#sharing-and-access-request-activities):
 *   every sharing action is a `sharePointSharingOperation` record; a query must be polled
 *   (notStarted, running, succeeded) and stops at a record-count limit.
 *
 * Who shares: Graph knows from a delegated token; the simulator's tokens are app-only, so the
 * `x-simulator-user` request header names the tenant user acting (tenant-simulator.ts). Without it,
 * the owner of a OneDrive, or the first user of tenant.yaml for a library.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { GraphSimulatorError, type Change } from './simulated-subscriptions';
import type { LocalTenant } from '../tenant';

type TenantUser = LocalTenant['users'][number];
type DriveConfig = LocalTenant['drives'][number];
type Scope = 'anonymous' | 'organization' | 'users';

/** A sharing permission (the owner's is derived, never stored). */
export interface StoredPermission {
  readonly id: string;
  readonly kind: 'link' | 'invite';
  readonly scope: Scope;
  /** For links: view or edit. */
  readonly linkType?: 'view' | 'edit';
  /** The tenant user id of who shared. */
  sharedBy: string;
  sharedDateTime: string;
  /** The Graph permission resource, as answered. */
  value: Record<string, unknown>;
}

export interface StoredItem {
  readonly id: string;
  readonly name: string;
  sensitivityLabel?: string;
  readonly createdDateTime: string;
  lastModifiedDateTime: string;
  /** The drive's sequence number at the item's last content change (its creation included). */
  contentSequence: number;
  /** The drive's sequence number at the item's last permission change (0: never). */
  sharingSequence: number;
  readonly permissions: StoredPermission[];
}

export interface StoredDrive {
  readonly id: string;
  /** Raised by every change; delta tokens name a point in it. */
  sequence: number;
  /** Raised by a forced resync: delta tokens of an earlier epoch are refused with 410. */
  epoch: number;
  readonly items: StoredItem[];
}

/** https://learn.microsoft.com/graph/api/resources/security-auditlogrecord */
export interface AuditRecord {
  readonly id: string;
  readonly createdDateTime: string;
  readonly auditLogRecordType: string;
  readonly operation: string;
  readonly organizationId: string;
  readonly userType: 'regular';
  readonly userId: string;
  readonly userPrincipalName: string;
  readonly service: 'SharePoint' | 'OneDrive';
  readonly objectId: string;
  readonly administrativeUnits: string[];
  readonly auditData: Record<string, unknown>;
}

export interface StoredAuditQuery {
  readonly id: string;
  readonly displayName: string | null;
  readonly filterStartDateTime: string;
  readonly filterEndDateTime: string;
  readonly recordTypeFilters: string[];
  readonly operationFilters: string[];
  readonly userPrincipalNameFilters: string[];
  readonly objectIdFilters: string[];
  readonly serviceFilter: string | null;
  status: 'notStarted' | 'running' | 'succeeded';
  /** Once succeeded: the ids of the records found (oldest first, at most the limit). */
  resultIds?: string[];
  isRecordCountLimitExceeded?: boolean;
}

/** What persists between runs. */
export interface DrivesState {
  readonly drives: StoredDrive[];
  readonly auditRecords: AuditRecord[];
  readonly auditQueries?: StoredAuditQuery[];
}

/** The 410 of a delta token issued before a resync; the route adds `Location` (a fresh delta). */
export class ResyncRequiredError extends GraphSimulatorError {
  constructor(readonly driveId: string) {
    super(
      410,
      'resyncRequired',
      "Resync required. Replace any local items with the server's version (including deletes) if you're sure that the service was up to date with your local changes when you last sync'd. Upload any local changes that the server doesn't know about.",
    );
  }
}

export const sharingOperations = [
  'AnonymousLinkCreated',
  'CompanyLinkCreated',
  'SecureLinkCreated',
  'AddedToSecureLink',
  'SharingInvitationCreated',
  'SharingSet',
  'SharingRevoked',
  'AnonymousLinkRemoved',
] as const;

const scopeRank: Record<Scope, number> = { users: 1, organization: 2, anonymous: 3 };
const linkCreated: Record<Scope, string> = {
  anonymous: 'AnonymousLinkCreated',
  organization: 'CompanyLinkCreated',
  users: 'SecureLinkCreated',
};
const deltaPageSize = 50;
const collectionPageSize = 20;
const recordsPageSize = 100;
const defaultRecordLimit = 50_000;

const isoDateTime = z.iso.datetime({ offset: true });
const recipient = z
  .object({ email: z.email().optional(), objectId: z.string().optional(), alias: z.string().optional() })
  .refine(
    (r) => r.email !== undefined || r.objectId !== undefined,
    'A recipient needs an email or objectId.',
  );
const createLinkInput = z.object({
  type: z.enum(['view', 'edit']),
  // Without a scope, Graph creates the organisation's default link: people in the college here.
  scope: z.enum(['anonymous', 'organization', 'users']).default('organization'),
  expirationDateTime: isoDateTime.optional(),
  password: z.string().optional(),
  retainInheritedPermissions: z.boolean().optional(),
  /** For `users` links: the people the link is for. */
  recipients: z.array(recipient).optional(),
});
const inviteInput = z.object({
  recipients: z.array(recipient).min(1),
  roles: z.array(z.enum(['read', 'write'])).min(1),
  requireSignIn: z.boolean().optional(),
  sendInvitation: z.boolean().optional(),
  message: z.string().optional(),
  expirationDateTime: isoDateTime.optional(),
  password: z.string().optional(),
  retainInheritedPermissions: z.boolean().optional(),
});
const auditQueryInput = z.object({
  displayName: z.string().optional(),
  filterStartDateTime: isoDateTime,
  filterEndDateTime: isoDateTime,
  recordTypeFilters: z.array(z.string()).optional(),
  operationFilters: z.array(z.string()).optional(),
  userPrincipalNameFilters: z.array(z.string()).optional(),
  objectIdFilters: z.array(z.string()).optional(),
  serviceFilter: z.string().optional(),
});
const newItemsInput = z.object({
  names: z
    .array(
      z
        .string()
        .min(1)
        .max(400)
        .regex(/^[^"*:<>?/\\|]+$/, 'A file name cannot contain " * : < > ? / \\ |')
        .refine((n) => n.trim() === n, 'A file name cannot start or end with a space'),
    )
    .min(1)
    .max(1000),
  /** Simulator only: a sensitivity label for every file created. */
  sensitivityLabel: z.string().optional(),
});
const auditSettingsInput = z.object({
  limit: z.int().min(1).optional(),
  throttle: z.int().min(0).optional(),
});
const syntheticRecordsInput = z.object({
  count: z.int().min(1).max(200_000),
  from: isoDateTime,
  to: isoDateTime,
  operation: z.string().min(1).optional(),
});

interface DriveEntry {
  readonly config: DriveConfig;
  state: StoredDrive;
}

export class SimulatedDrives {
  private readonly drives = new Map<string, DriveEntry>();
  private readonly records: AuditRecord[] = [];
  private readonly recordsById = new Map<string, AuditRecord>();
  private readonly queries = new Map<string, StoredAuditQuery>();
  private recordLimit = defaultRecordLimit;
  private throttleRemaining = 0;

  constructor(
    private readonly tenant: LocalTenant,
    private readonly publish: (change: Change) => Promise<void>,
    private readonly onChange: () => void = () => undefined,
  ) {
    const now = new Date().toISOString();
    for (const config of tenant.drives) {
      const items = config.items.map((i): StoredItem => ({
        id: i.id,
        name: i.name,
        ...(i.sensitivityLabel !== undefined && { sensitivityLabel: i.sensitivityLabel }),
        createdDateTime: now,
        lastModifiedDateTime: now,
        contentSequence: 0,
        sharingSequence: 0,
        permissions: [],
      }));
      this.drives.set(config.id, { config, state: { id: config.id, sequence: 0, epoch: 0, items } });
    }
  }

  hasDrive(driveId: string): boolean {
    return this.drives.has(driveId);
  }

  /** `GET /drives/{id}`. */
  drive(driveId: string): Record<string, unknown> {
    const { config } = this.entry(driveId);
    const owner = config.owner === undefined ? undefined : this.user(config.owner);
    return {
      id: config.id,
      name: config.name,
      driveType: owner ? 'business' : 'documentLibrary',
      webUrl: config.webUrl,
      owner: owner ? { user: this.identity(owner) } : { group: { displayName: config.site ?? config.name } },
      sharepointIds: { siteUrl: siteUrl(config.webUrl) },
    };
  }

  /** `GET /drives/{id}/items/{id}`. */
  item(driveId: string, itemId: string): Record<string, unknown> {
    const { entry, item } = this.find(driveId, itemId);
    return this.itemView(entry, item);
  }

  /** `GET /drives/{id}/items/{id}/permissions`: the owner's first, then every sharing permission. */
  permissions(driveId: string, itemId: string): Record<string, unknown>[] {
    const { entry, item } = this.find(driveId, itemId);
    return [this.ownerPermission(entry, item), ...item.permissions.map((p) => p.value)];
  }

  /** `POST …/createLink`: `created` is false when an equivalent link already existed (200). */
  createLink(
    driveId: string,
    itemId: string,
    body: unknown,
    actorId?: string,
  ): { created: boolean; permission: Record<string, unknown> } {
    const input = parse(createLinkInput, body, 'createLink request');
    const { entry, item } = this.find(driveId, itemId);
    const actor = this.actor(entry, actorId);
    checkFuture(input.expirationDateTime);
    const recipients = (input.recipients ?? []).map((r) => this.recipient(r));
    if (recipients.length && input.scope !== 'users')
      throw new GraphSimulatorError(400, 'invalidRequest', 'Recipients are only for links of scope users.');
    if (!input.expirationDateTime && !input.password && !recipients.length) {
      const existing = item.permissions.find(
        (p) =>
          p.kind === 'link' &&
          p.scope === input.scope &&
          p.linkType === input.type &&
          p.value['expirationDateTime'] === undefined &&
          p.value['hasPassword'] !== true &&
          (p.value['grantedToIdentitiesV2'] as unknown[]).length === 0,
      );
      if (existing) return { created: false, permission: existing.value };
    }
    const now = new Date();
    const webUrl = linkUrl(entry.config.webUrl, item.name);
    const id = randomUUID();
    const permission: StoredPermission = {
      id,
      kind: 'link',
      scope: input.scope,
      linkType: input.type,
      sharedBy: actor.id,
      sharedDateTime: now.toISOString(),
      value: {
        id,
        roles: [input.type === 'edit' ? 'write' : 'read'],
        link: { scope: input.scope, type: input.type, webUrl, preventsDownload: false },
        ...(input.expirationDateTime && {
          expirationDateTime: new Date(input.expirationDateTime).toISOString(),
        }),
        hasPassword: Boolean(input.password),
        grantedToIdentitiesV2: recipients.map((r) => r.identity),
        shareId: shareIdOf(webUrl),
      },
    };
    item.permissions.push(permission);
    const eventData = `<Type>${input.type === 'edit' ? 'Edit' : 'View'}</Type>`;
    this.audit(entry, item, actor, linkCreated[input.scope], now, {
      EventData: eventData,
      UniqueSharingId: id,
    });
    for (const r of recipients)
      this.audit(entry, item, actor, 'AddedToSecureLink', now, {
        TargetUserOrGroupName: r.email,
        TargetUserOrGroupType: r.member ? 'Member' : 'Guest',
        EventData: eventData,
        UniqueSharingId: id,
      });
    this.sharingChanged(entry, item);
    return { created: true, permission: permission.value };
  }

  /** `POST …/invite`: one permission per recipient; inviting someone again updates theirs. */
  invite(driveId: string, itemId: string, body: unknown, actorId?: string): Record<string, unknown>[] {
    const input = parse(inviteInput, body, 'invite request');
    const { entry, item } = this.find(driveId, itemId);
    const actor = this.actor(entry, actorId);
    checkFuture(input.expirationDateTime);
    const recipients = input.recipients.map((r) => this.recipient(r));
    const now = new Date();
    const write = input.roles.includes('write');
    const answered = recipients.map((r) => {
      const value: Record<string, unknown> = {
        id: r.permissionId,
        roles: [write ? 'write' : 'read'],
        grantedToV2: r.identity,
        ...(!r.member && {
          invitation: { email: r.email, signInRequired: true, invitedBy: { user: this.identity(actor) } },
        }),
        ...(input.expirationDateTime && {
          expirationDateTime: new Date(input.expirationDateTime).toISOString(),
        }),
      };
      const permission: StoredPermission = {
        id: r.permissionId,
        kind: 'invite',
        scope: 'users',
        sharedBy: actor.id,
        sharedDateTime: now.toISOString(),
        value,
      };
      const at = item.permissions.findIndex((p) => p.id === r.permissionId);
      if (at >= 0) item.permissions.splice(at, 1);
      item.permissions.push(permission);
      this.audit(entry, item, actor, r.member ? 'SharingSet' : 'SharingInvitationCreated', now, {
        TargetUserOrGroupName: r.email,
        TargetUserOrGroupType: r.member ? 'Member' : 'Guest',
        EventData: `<Type>${write ? 'Edit' : 'View'}</Type>`,
        UniqueSharingId: r.permissionId,
      });
      return value;
    });
    this.sharingChanged(entry, item);
    return answered;
  }

  /** `DELETE …/permissions/{id}`. */
  deletePermission(driveId: string, itemId: string, permissionId: string, actorId?: string): void {
    const { entry, item } = this.find(driveId, itemId);
    if (permissionId === this.ownerPermission(entry, item)['id'])
      throw new GraphSimulatorError(403, 'accessDenied', "The owner's permission cannot be removed.");
    const at = item.permissions.findIndex((p) => p.id === permissionId);
    const permission = item.permissions[at];
    if (!permission)
      throw new GraphSimulatorError(404, 'itemNotFound', `The permission ${permissionId} was not found.`);
    const actor = this.actor(entry, actorId);
    item.permissions.splice(at, 1);
    const anonymous = permission.kind === 'link' && permission.scope === 'anonymous';
    const target = permission.value['grantedToV2'] as
      { user?: { email?: string }; siteUser?: { email?: string } } | undefined;
    const email = target?.user?.email ?? target?.siteUser?.email;
    this.audit(entry, item, actor, anonymous ? 'AnonymousLinkRemoved' : 'SharingRevoked', new Date(), {
      ...(email !== undefined && {
        TargetUserOrGroupName: email,
        TargetUserOrGroupType: target?.user ? 'Member' : 'Guest',
      }),
      ...(permission.linkType && {
        EventData: `<Type>${permission.linkType === 'edit' ? 'Edit' : 'View'}</Type>`,
      }),
      UniqueSharingId: permission.id,
    });
    this.sharingChanged(entry, item);
  }

  /** `GET /shares/{shareId}/driveItem`: the item at an encoded URL (its own, or a link's). */
  sharedItem(shareId: string): Record<string, unknown> {
    const url = shareId.startsWith('u!') ? Buffer.from(shareId.slice(2), 'base64url').toString('utf8') : '';
    const wanted = comparableUrl(url);
    for (const entry of this.drives.values())
      for (const item of entry.state.items) {
        const urls = [
          itemUrl(entry.config.webUrl, item.name),
          ...item.permissions.map((p) => (p.value['link'] as { webUrl?: string } | undefined)?.webUrl ?? ''),
        ];
        if (url && urls.some((u) => u && comparableUrl(u) === wanted)) return this.itemView(entry, item);
      }
    throw new GraphSimulatorError(404, 'itemNotFound', 'The sharing link or URL was not found.');
  }

  /**
   * `GET /drives/{id}/root/delta[?token=…]`: without a token every file, with one the files changed
   * since (permission changes only with `sharingChanges`, the `deltashowsharingchanges` preference).
   * Tokens: `{epoch}.{sequence}` for a delta link, `page:{epoch}.{since|all}.{sequence}.{after}` for
   * the next page (`after`: the last item id of the page, base64url), `latest` for "from now on".
   */
  delta(
    driveId: string,
    token: string | null,
    options: { sharingChanges: boolean },
  ): { value: Record<string, unknown>[]; nextToken?: string; deltaToken?: string } {
    const entry = this.entry(driveId);
    const drive = entry.state;
    if (token === 'latest') return { value: [], deltaToken: `${drive.epoch}.${drive.sequence}` };
    let since: number | undefined;
    let upTo = drive.sequence;
    let after = '';
    if (token !== null) {
      const delta = /^(\d+)\.(\d+)$/.exec(token);
      const page = /^page:(\d+)\.(all|\d+)\.(\d+)\.([A-Za-z0-9_-]*)$/.exec(token);
      const epoch = Number(delta?.[1] ?? page?.[1] ?? -1);
      if (delta) since = Number(delta[2]);
      if (page) {
        since = page[2] === 'all' ? undefined : Number(page[2]);
        upTo = Number(page[3]);
        after = Buffer.from(page[4] ?? '', 'base64url').toString('utf8');
      }
      const valid = epoch === drive.epoch && upTo <= drive.sequence && (since === undefined || since <= upTo);
      if (!valid || (!delta && !page)) throw new ResyncRequiredError(driveId);
    }
    const sharingChanged = (i: StoredItem) =>
      since !== undefined && options.sharingChanges && i.sharingSequence > since;
    // Items changed after `upTo` while paging may come again in the next round: never lost.
    const changed = drive.items
      .filter((i) => since === undefined || i.contentSequence > since || sharingChanged(i))
      .filter((i) => i.id > after)
      .sort((a, b) => (a.id < b.id ? -1 : 1));
    const page = changed.slice(0, deltaPageSize);
    const value = page.map((i) => ({
      ...this.itemView(entry, i),
      ...(sharingChanged(i) && { '@microsoft.graph.sharedChanged': 'True' }),
    }));
    const last = page[page.length - 1];
    if (changed.length > deltaPageSize && last)
      return {
        value,
        nextToken: `page:${drive.epoch}.${since ?? 'all'}.${upTo}.${Buffer.from(last.id).toString('base64url')}`,
      };
    return { value, deltaToken: `${drive.epoch}.${upTo}` };
  }

  /** Forces a resync: every delta token issued so far for the drive answers 410. */
  resync(driveId: string): void {
    this.entry(driveId).state.epoch++;
    this.onChange();
  }

  /** Creates files (a content change: every subscription on the drive hears of it). */
  addItems(driveId: string, body: unknown): { value: { id: string; name: string }[] } {
    const input = parse(newItemsInput, body, 'items');
    const entry = this.entry(driveId);
    const drive = entry.state;
    const taken = new Set(drive.items.map((i) => i.name.toLowerCase()));
    for (const name of input.names) {
      if (taken.has(name.toLowerCase()))
        throw new GraphSimulatorError(409, 'nameAlreadyExists', `The name ${name} already exists.`);
      taken.add(name.toLowerCase());
    }
    const now = new Date().toISOString();
    drive.sequence++;
    const created = input.names.map((name): StoredItem => ({
      id: `01${randomBytes(16).toString('hex').toUpperCase()}`,
      name,
      ...(input.sensitivityLabel !== undefined && { sensitivityLabel: input.sensitivityLabel }),
      createdDateTime: now,
      lastModifiedDateTime: now,
      contentSequence: drive.sequence,
      sharingSequence: 0,
      permissions: [],
    }));
    drive.items.push(...created);
    this.onChange();
    this.notify(entry, false);
    return { value: created.map((i) => ({ id: i.id, name: i.name })) };
  }

  /** `POST /security/auditLog/queries`. */
  createAuditQuery(body: unknown): Record<string, unknown> {
    const input = parse(auditQueryInput, body, 'auditLogQuery');
    const start = new Date(input.filterStartDateTime);
    const end = new Date(input.filterEndDateTime);
    if (end <= start)
      throw new GraphSimulatorError(
        400,
        'BadRequest',
        'filterEndDateTime must be later than filterStartDateTime.',
      );
    const query: StoredAuditQuery = {
      id: randomUUID(),
      displayName: input.displayName ?? null,
      filterStartDateTime: start.toISOString(),
      filterEndDateTime: end.toISOString(),
      recordTypeFilters: input.recordTypeFilters ?? [],
      operationFilters: input.operationFilters ?? [],
      userPrincipalNameFilters: input.userPrincipalNameFilters ?? [],
      objectIdFilters: input.objectIdFilters ?? [],
      serviceFilter: input.serviceFilter ?? null,
      status: 'notStarted',
    };
    this.queries.set(query.id, query);
    this.onChange();
    return queryView(query);
  }

  /**
   * `GET /security/auditLog/queries/{id}`: each read moves a query on one step (notStarted, running,
   * succeeded), so a client has to poll; it searches when it succeeds.
   */
  auditQuery(queryId: string): Record<string, unknown> {
    const query = this.query(queryId);
    if (query.status === 'notStarted') query.status = 'running';
    else if (query.status === 'running') this.run(query);
    this.onChange();
    return queryView(query);
  }

  /** `GET /security/auditLog/queries`, 20 a page. */
  auditQueries(skip: number): { value: unknown[]; next?: number } {
    return page([...this.queries.values()].map(queryView), skip, collectionPageSize);
  }

  /** `GET /security/auditLog/queries/{id}/records`, 100 a page, once the query has succeeded. */
  auditRecords(queryId: string, skip: number): { value: unknown[]; next?: number } {
    const query = this.query(queryId);
    if (query.status !== 'succeeded' || !query.resultIds)
      throw new GraphSimulatorError(
        400,
        'BadRequest',
        `The audit log query ${queryId} is ${query.status}: poll it until it has succeeded.`,
      );
    const ids = query.resultIds.slice(skip, skip + recordsPageSize);
    const value = ids.flatMap((id) => this.recordsById.get(id) ?? []);
    return skip + recordsPageSize < query.resultIds.length
      ? { value, next: skip + recordsPageSize }
      : { value };
  }

  /** Every audit record, oldest first (for scenarios and tests). */
  auditLog(): AuditRecord[] {
    return [...this.records];
  }

  /** Simulator settings: the record-count limit of a query, and how many audit requests get 429. */
  configureAudit(body: unknown): { limit: number; throttle: number } {
    const input = parse(auditSettingsInput, body, 'audit settings');
    if (input.limit !== undefined) this.recordLimit = input.limit;
    if (input.throttle !== undefined) this.throttleRemaining = input.throttle;
    return { limit: this.recordLimit, throttle: this.throttleRemaining };
  }

  /** True when this audit-log request must be refused with 429 (uses up one of them). */
  throttled(): boolean {
    if (this.throttleRemaining <= 0) return false;
    this.throttleRemaining--;
    return true;
  }

  /**
   * Appends `count` sharing records spread evenly over [from, to), about the drives' files, by the
   * tenant's users in turn; the operation is `operation` or each creating operation in turn.
   */
  addSyntheticRecords(body: unknown): { added: number } {
    const input = parse(syntheticRecordsInput, body, 'synthetic records');
    const from = Date.parse(input.from);
    const span = Date.parse(input.to) - from;
    if (span <= 0) throw new GraphSimulatorError(400, 'BadRequest', '`to` must be later than `from`.');
    const items = [...this.drives.values()].flatMap((entry) =>
      entry.state.items.map((item) => ({ entry, item })),
    );
    if (!items.length) throw new GraphSimulatorError(400, 'BadRequest', 'The tenant has no files.');
    const cycle = [
      'AnonymousLinkCreated',
      'CompanyLinkCreated',
      'SecureLinkCreated',
      'SharingInvitationCreated',
      'SharingSet',
    ];
    const users = this.tenant.users;
    for (let i = 0; i < input.count; i++) {
      const about = items[i % items.length];
      const actor = users[i % users.length];
      if (!about || !actor) continue;
      const { entry, item } = about;
      const operation = input.operation ?? cycle[i % cycle.length] ?? 'SharingSet';
      const member = users[(i + 1) % users.length] ?? actor;
      const target =
        operation === 'SharingInvitationCreated'
          ? {
              TargetUserOrGroupName: `visitor${i}@partner-school.example.org`,
              TargetUserOrGroupType: 'Guest',
            }
          : operation === 'SharingSet'
            ? { TargetUserOrGroupName: this.email(member), TargetUserOrGroupType: 'Member' }
            : {};
      const at = new Date(from + Math.floor((i * span) / input.count));
      this.audit(entry, item, actor, operation, at, {
        ...target,
        EventData: '<Type>View</Type>',
        UniqueSharingId: randomUUID(),
      });
    }
    this.onChange();
    return { added: input.count };
  }

  /** For persistence between runs. */
  snapshot(): DrivesState {
    return {
      drives: [...this.drives.values()].map((e) => e.state),
      auditRecords: this.records,
      auditQueries: [...this.queries.values()],
    };
  }

  /** Takes back a snapshot; files added to tenant.yaml since then are new changes. */
  restore(state: Partial<DrivesState>): void {
    for (const saved of state.drives ?? []) {
      const entry = this.drives.get(saved.id);
      if (!entry) continue;
      let sequence = saved.sequence;
      const items = saved.items.map((i) => ({ ...i, permissions: [...i.permissions] }));
      for (const configured of entry.state.items)
        if (!items.some((i) => i.id === configured.id))
          items.push({ ...configured, contentSequence: ++sequence });
      for (const item of items) {
        const label = entry.config.items.find((c) => c.id === item.id);
        if (label) {
          if (label.sensitivityLabel === undefined) delete item.sensitivityLabel;
          else item.sensitivityLabel = label.sensitivityLabel;
        }
      }
      entry.state = { id: saved.id, sequence, epoch: saved.epoch, items };
    }
    for (const r of state.auditRecords ?? []) {
      if (this.recordsById.has(r.id)) continue;
      this.records.push(r);
      this.recordsById.set(r.id, r);
    }
    for (const q of state.auditQueries ?? []) this.queries.set(q.id, { ...q });
  }

  private entry(driveId: string): DriveEntry {
    const entry = this.drives.get(driveId);
    if (!entry) throw new GraphSimulatorError(404, 'itemNotFound', `The drive ${driveId} was not found.`);
    return entry;
  }

  private find(driveId: string, itemId: string): { entry: DriveEntry; item: StoredItem } {
    const entry = this.entry(driveId);
    const item = entry.state.items.find((i) => i.id === itemId);
    if (!item) throw new GraphSimulatorError(404, 'itemNotFound', `The item ${itemId} was not found.`);
    return { entry, item };
  }

  private query(queryId: string): StoredAuditQuery {
    const query = this.queries.get(queryId);
    if (!query)
      throw new GraphSimulatorError(404, 'ResourceNotFound', `The audit log query ${queryId} was not found.`);
    return query;
  }

  private user(id: string): TenantUser {
    const user = this.tenant.users.find((u) => u.id === id);
    if (!user) throw new GraphSimulatorError(400, 'invalidRequest', `${id} is not a user of the tenant.`);
    return user;
  }

  private email(user: TenantUser): string {
    return `${user.upn}@${this.tenant.domain}`;
  }

  private identity(user: TenantUser): { id: string; displayName: string; email: string } {
    return { id: user.id, displayName: user.displayName, email: this.email(user) };
  }

  /** Who is sharing: the `x-simulator-user`, else the OneDrive's owner or tenant.yaml's first user. */
  private actor(entry: DriveEntry, actorId?: string): TenantUser {
    if (actorId) return this.user(actorId);
    return this.user(entry.config.owner ?? this.tenant.users[0]?.id ?? '');
  }

  /** A recipient: a user of the college (by email in its domain, or objectId), or anyone else a guest. */
  private recipient(r: { email?: string; objectId?: string }): {
    email: string;
    member: boolean;
    permissionId: string;
    identity: Record<string, unknown>;
  } {
    const email = r.email?.toLowerCase();
    const inCollege = !email || email.endsWith(`@${this.tenant.domain.toLowerCase()}`);
    if (inCollege) {
      const user = this.tenant.users.find((u) =>
        email ? this.email(u).toLowerCase() === email : u.id === r.objectId,
      );
      if (!user)
        throw new GraphSimulatorError(
          400,
          'invalidRequest',
          `One or more users could not be resolved: ${email ?? r.objectId}.`,
        );
      return {
        email: this.email(user),
        member: true,
        permissionId: Buffer.from(`i:0#.f|membership|${this.email(user).toLowerCase()}`).toString(
          'base64url',
        ),
        identity: { user: this.identity(user) },
      };
    }
    const tenantName = (this.tenant.domain.split('.')[0] ?? '').replace(/[^a-z0-9]/gi, '').toLowerCase();
    const loginName = `i:0#.f|membership|${email.replace('@', '_')}#ext#@${tenantName}.onmicrosoft.com`;
    return {
      email,
      member: false,
      permissionId: Buffer.from(loginName).toString('base64url'),
      identity: { siteUser: { displayName: email, email, loginName } },
    };
  }

  /** The owner's permission: the OneDrive's owner, or the site's owners group for a library. */
  private ownerPermission(entry: DriveEntry, item: StoredItem): Record<string, unknown> {
    const { config } = entry;
    const owners = `${config.site ?? config.name} Owners`;
    return {
      id: `owner-${item.id}`,
      roles: ['owner'],
      grantedToV2:
        config.owner !== undefined
          ? { user: this.identity(this.user(config.owner)) }
          : { siteGroup: { id: '3', displayName: owners, loginName: owners } },
    };
  }

  private itemView(entry: DriveEntry, item: StoredItem): Record<string, unknown> {
    const { config } = entry;
    const personal = config.owner !== undefined;
    const latest = item.permissions.reduce<StoredPermission | undefined>(
      (l, p) => (!l || p.sharedDateTime >= l.sharedDateTime ? p : l),
      undefined,
    );
    const scope = item.permissions.reduce<Scope>(
      (w, p) => (scopeRank[p.scope] > scopeRank[w] ? p.scope : w),
      'users',
    );
    return {
      id: item.id,
      name: item.name,
      webUrl: itemUrl(config.webUrl, item.name),
      createdDateTime: item.createdDateTime,
      lastModifiedDateTime: item.lastModifiedDateTime,
      parentReference: { driveId: config.id, driveType: personal ? 'business' : 'documentLibrary' },
      file: { mimeType: mimeType(item.name) },
      // Graph v1.0 has no label property on driveItem (an app calls extractSensitivityLabels and
      // resolves the label id); this facet stands in for that read.
      ...(item.sensitivityLabel !== undefined && {
        sensitivityLabel: { displayName: item.sensitivityLabel },
      }),
      ...(latest && {
        shared: {
          scope,
          sharedBy: { user: this.identity(this.user(latest.sharedBy)) },
          sharedDateTime: latest.sharedDateTime,
          ...(personal && { owner: { user: this.identity(this.user(config.owner ?? '')) } }),
        },
      }),
    };
  }

  /** A permission changed: a new point in the drive's sequence, saved, and a security notification. */
  private sharingChanged(entry: DriveEntry, item: StoredItem): void {
    item.sharingSequence = ++entry.state.sequence;
    this.onChange();
    this.notify(entry, true);
  }

  /** Raises `updated` on the drive's root without waiting for the deliveries (Graph is asynchronous). */
  private notify(entry: DriveEntry, permissionChange: boolean): void {
    const id = entry.config.id;
    void this.publish({
      changeType: 'updated',
      collection: `/drives/${id}/root`,
      resource: `drives/${id}/root`,
      resourceData: { '@odata.type': '#Microsoft.Graph.DriveItem' },
      permissionChange,
    }).catch(() => undefined);
  }

  private audit(
    entry: DriveEntry,
    item: StoredItem,
    actor: TenantUser,
    operation: string,
    at: Date,
    details: Record<string, unknown>,
  ): void {
    const id = randomUUID();
    const email = this.email(actor);
    const service = entry.config.owner !== undefined ? 'OneDrive' : 'SharePoint';
    const objectId = itemUrl(entry.config.webUrl, item.name);
    const site = siteUrl(entry.config.webUrl);
    const record: AuditRecord = {
      id,
      createdDateTime: at.toISOString(),
      auditLogRecordType: 'sharePointSharingOperation',
      operation,
      organizationId: this.tenant.tenantId,
      userType: 'regular',
      userId: email,
      userPrincipalName: email,
      service,
      objectId,
      administrativeUnits: [],
      auditData: {
        '@odata.type': '#microsoft.graph.Json',
        // The unified audit log writes UTC times without a zone.
        CreationTime: at.toISOString().slice(0, 19),
        Id: id,
        Operation: operation,
        OrganizationId: this.tenant.tenantId,
        RecordType: 14,
        UserType: 0,
        Workload: service,
        UserId: email,
        ObjectId: objectId,
        SiteUrl: `${site}/`,
        SourceFileExtension: item.name.includes('.') ? (item.name.split('.').pop() ?? '') : '',
        SourceFileName: item.name,
        SourceRelativeUrl: decodeURIComponent(new URL(entry.config.webUrl).pathname)
          .slice(decodeURIComponent(new URL(site).pathname).length)
          .replace(/^\//, ''),
        ItemType: 'File',
        ...details,
      },
    };
    this.records.push(record);
    this.recordsById.set(id, record);
  }

  /** Finds the matching records, oldest first, up to the limit. */
  private run(query: StoredAuditQuery): void {
    const start = Date.parse(query.filterStartDateTime);
    const end = Date.parse(query.filterEndDateTime);
    const among = (filters: string[], value: string) =>
      !filters.length || filters.some((f) => f.toLowerCase() === value.toLowerCase());
    const found = this.records
      .filter((r) => {
        const at = Date.parse(r.createdDateTime);
        return (
          at >= start &&
          at < end &&
          among(query.recordTypeFilters, r.auditLogRecordType) &&
          among(query.operationFilters, r.operation) &&
          among(query.userPrincipalNameFilters, r.userPrincipalName) &&
          among(query.objectIdFilters, r.objectId) &&
          (query.serviceFilter === null || query.serviceFilter.toLowerCase() === r.service.toLowerCase())
        );
      })
      .sort((a, b) =>
        a.createdDateTime < b.createdDateTime ? -1 : a.createdDateTime > b.createdDateTime ? 1 : 0,
      );
    query.status = 'succeeded';
    query.isRecordCountLimitExceeded = found.length > this.recordLimit;
    query.resultIds = found.slice(0, this.recordLimit).map((r) => r.id);
  }
}

function queryView(q: StoredAuditQuery): Record<string, unknown> {
  const done = q.status === 'succeeded';
  return {
    id: q.id,
    displayName: q.displayName,
    filterStartDateTime: q.filterStartDateTime,
    filterEndDateTime: q.filterEndDateTime,
    recordTypeFilters: q.recordTypeFilters,
    keywordFilter: null,
    serviceFilter: q.serviceFilter,
    operationFilters: q.operationFilters,
    userPrincipalNameFilters: q.userPrincipalNameFilters,
    ipAddressFilters: [],
    objectIdFilters: q.objectIdFilters,
    administrativeUnitIdFilters: [],
    status: q.status,
    isRecordCountLimitExceeded: done ? (q.isRecordCountLimitExceeded ?? false) : null,
    approximateReturnedRecordCount: done ? (q.resultIds?.length ?? 0) : null,
  };
}

function parse<T extends z.ZodType>(schema: T, body: unknown, what: string): z.output<T> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new GraphSimulatorError(
      400,
      'invalidRequest',
      `Invalid ${what}: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`.replace(/\s+/g, ' '),
    );
  }
  return parsed.data;
}

function checkFuture(iso: string | undefined): void {
  if (iso !== undefined && Date.parse(iso) <= Date.now())
    throw new GraphSimulatorError(400, 'invalidRequest', 'expirationDateTime must be in the future.');
}

function page(items: unknown[], skip: number, size: number): { value: unknown[]; next?: number } {
  const value = items.slice(skip, skip + size);
  return skip + size < items.length ? { value, next: skip + size } : { value };
}

function itemUrl(driveUrl: string, name: string): string {
  return `${driveUrl}/${encodeURIComponent(name)}`;
}

/** The site of a library or OneDrive: `https://host/sites/x` or `https://host/personal/x`. */
function siteUrl(driveUrl: string): string {
  return /^https:\/\/[^/]+\/(?:sites|teams|personal)\/[^/]+/i.exec(driveUrl)?.[0] ?? new URL(driveUrl).origin;
}

/** A sharing link as SharePoint writes them: `https://host/:w:/s/Site/E…` (`:w:` Word, `:x:` Excel…). */
function linkUrl(driveUrl: string, name: string): string {
  const site = new URL(siteUrl(driveUrl));
  const path = site.pathname
    .replace(/^\/sites\//i, 's/')
    .replace(/^\/teams\//i, 't/')
    .replace(/^\/personal\//i, 'g/personal/');
  const kind: Record<string, string> = {
    docx: 'w',
    doc: 'w',
    xlsx: 'x',
    xls: 'x',
    pptx: 'p',
    ppt: 'p',
    pdf: 'b',
  };
  const letter = kind[(name.split('.').pop() ?? '').toLowerCase()] ?? 'u';
  return `${site.origin}/:${letter}:/${path.replace(/^\//, '')}/E${randomBytes(30).toString('base64url')}`;
}

/** https://learn.microsoft.com/graph/api/shares-get#encoding-sharing-urls */
export function shareIdOf(url: string): string {
  return `u!${Buffer.from(url, 'utf8').toString('base64url')}`;
}

function comparableUrl(url: string): string {
  try {
    return decodeURIComponent(url).toLowerCase();
  } catch {
    return url.toLowerCase();
  }
}

function mimeType(name: string): string {
  const types: Record<string, string> = {
    docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
    pdf: 'application/pdf',
    txt: 'text/plain',
    png: 'image/png',
    jpg: 'image/jpeg',
  };
  return types[(name.split('.').pop() ?? '').toLowerCase()] ?? 'application/octet-stream';
}
