/**
 * OneDrive and SharePoint sharing through Microsoft Graph (the SharingGraph port of
 * core/sharing/sharing-watch.ts), on the Graph gateway (retries with Retry-After, paging):
 *
 * - an item's sharing: the driveItem (its `shared` facet says who shared it and when), its drive
 *   (library, site, or whose OneDrive) and its permissions
 *   (https://learn.microsoft.com/graph/api/driveitem-list-permissions). Inherited permissions are
 *   left to the item they are set on: a folder shared with an Anyone link is one share, not one per
 *   file. Grantees come from `grantedToV2` / `grantedToIdentitiesV2` (`user`, or `siteUser` for a
 *   guest, whose login name carries `#ext#`) and `invitation.email`
 *   (https://learn.microsoft.com/graph/api/resources/permission);
 * - a drive's `delta` with the sharing preferences (`deltashowsharingchanges` marks items whose
 *   permissions changed with `@microsoft.graph.sharedChanged`), following `@odata.nextLink` to the
 *   `@odata.deltaLink`; a `410 Gone` for an expired link starts the enumeration again
 *   (https://learn.microsoft.com/graph/api/driveitem-delta, "Scanning permissions hierarchies");
 * - the audit log's sharing operations: an asynchronous query, polled to completion, its records
 *   paged; each record names the item by URL, resolved through the shares API
 *   (https://learn.microsoft.com/graph/api/security-auditcoreroot-post-auditlogqueries,
 *   https://learn.microsoft.com/graph/api/shares-get);
 * - removing a permission (`DELETE …/permissions/{id}`; already gone is not a failure).
 */
import type { Client } from '@microsoft/microsoft-graph-client';
import { z } from 'zod';
import { fail, httpStatusOf } from '../core/errors';
import type { SharingSignal, Grantee } from '../core/sharing/sharing-signal';
import type {
  AuditWindow,
  DriveChanges,
  ItemRef,
  PermissionRef,
  SharingGraph,
} from '../core/sharing/sharing-watch';
import { linkScopes } from '../core/policy/policy-pack';
import { allPages, graphCall } from './graph-gateway';

const identity = z
  .object({ id: z.string().nullish(), displayName: z.string().nullish(), email: z.string().nullish() })
  .loose();
const siteUser = identity.extend({ loginName: z.string().nullish() });
const identitySet = z
  .object({ user: identity.nullish(), siteUser: siteUser.nullish(), group: identity.nullish() })
  .loose();

const permissionSchema = z
  .object({
    id: z.string(),
    roles: z.array(z.string()).default([]),
    link: z.object({ scope: z.string().nullish(), type: z.string().nullish() }).loose().nullish(),
    expirationDateTime: z.string().nullish(),
    grantedToV2: identitySet.nullish(),
    grantedToIdentitiesV2: z.array(identitySet).nullish(),
    invitation: z.object({ email: z.string().nullish(), invitedBy: identitySet.nullish() }).loose().nullish(),
    inheritedFrom: z.object({}).loose().nullish(),
  })
  .loose();
type Permission = z.output<typeof permissionSchema>;

const driveItemSchema = z
  .object({
    id: z.string(),
    name: z.string().default(''),
    webUrl: z.string().nullish(),
    lastModifiedDateTime: z.string().nullish(),
    parentReference: z.object({ driveId: z.string().nullish() }).loose().nullish(),
    shared: z
      .object({ sharedBy: identitySet.nullish(), sharedDateTime: z.string().nullish() })
      .loose()
      .nullish(),
    // The label's name, as the tenant simulator gives it. In a real tenant v1.0 gives label ids
    // through `extractSensitivityLabels`, mapped to names by the tenant's label list: not read yet.
    sensitivityLabel: z.object({ displayName: z.string().nullish() }).loose().nullish(),
    root: z.object({}).loose().nullish(),
    deleted: z.object({}).loose().nullish(),
    '@microsoft.graph.sharedChanged': z.union([z.string(), z.boolean()]).nullish(),
  })
  .loose();
type DriveItem = z.output<typeof driveItemSchema>;

const driveSchema = z
  .object({
    id: z.string(),
    name: z.string().nullish(),
    driveType: z.string().nullish(),
    webUrl: z.string().nullish(),
    owner: identitySet.nullish(),
  })
  .loose();
type Drive = z.output<typeof driveSchema>;

const querySchema = z
  .object({
    id: z.string(),
    status: z.string().nullish(),
    isRecordCountLimitExceeded: z.boolean().nullish(),
  })
  .loose();

const auditRecordSchema = z
  .object({
    id: z.string(),
    objectId: z.string().nullish(),
    auditData: z.object({ ObjectId: z.string().nullish() }).loose().nullish(),
  })
  .loose();

/** The sharing operations the sweep asks for (Microsoft Purview's names for them). */
export const sharingOperations = [
  'AnonymousLinkCreated',
  'AnonymousLinkUpdated',
  'SharingInvitationCreated',
  'SecureLinkCreated',
  'SecureLinkUpdated',
  'AddedToSecureLink',
  'CompanyLinkCreated',
  'SharingSet',
] as const;

const deltaPreferences =
  'deltashowremovedasdeleted, deltatraversepermissiongaps, deltashowsharingchanges, hierarchicalsharing';

export interface GraphSharingOptions {
  /** First wait between polls of an audit query, doubling up to `maxPollMs` (defaults 2 s, 30 s). */
  readonly firstPollMs?: number;
  readonly maxPollMs?: number;
  /** How long a query may take before the sweep gives up and retries later (default 20 min). */
  readonly queryTimeoutMs?: number;
}

export class GraphSharing implements SharingGraph {
  private readonly drives = new Map<string, Promise<Drive | undefined>>();

  constructor(
    private readonly graph: Client,
    private readonly options: GraphSharingOptions = {},
  ) {}

  async sharesOf(ref: ItemRef, source: SharingSignal['source']): Promise<SharingSignal[] | undefined> {
    const path = `/drives/${encodeURIComponent(ref.driveId)}/items/${encodeURIComponent(ref.itemId)}`;
    const item = await this.readOrGone(path, driveItemSchema, 'read a file');
    if (!item) return undefined;
    const drive = await this.drive(ref.driveId);
    const permissions = await graphCall(
      () => allPages<unknown>(this.graph, `${path}/permissions`),
      'list the permissions on a file',
    );
    return permissions
      .map((p) => permissionSchema.parse(p))
      .filter((p) => p.inheritedFrom === undefined)
      .map((p) => toSignal(ref, item, drive, p, source));
  }

  async driveChanges(driveId: string, deltaLink: string | undefined): Promise<DriveChanges> {
    const start = `/drives/${encodeURIComponent(driveId)}/root/delta`;
    try {
      return await this.readDelta(deltaLink ?? start, deltaLink === undefined, false);
    } catch (err) {
      // The kept link expired or the drive was reset: enumerate it again from the start.
      if (httpStatusOf(err) !== 410 && !isCoded410(err)) throw err;
      return this.readDelta(start, true, true);
    }
  }

  async auditWindow(from: Date, to: Date): Promise<AuditWindow> {
    const created = querySchema.parse(
      await graphCall(
        () =>
          this.graph
            .api('/security/auditLog/queries')
            .version('v1.0')
            .post({
              displayName: `E-Safety sharing sweep ${from.toISOString()}`,
              filterStartDateTime: from.toISOString(),
              filterEndDateTime: to.toISOString(),
              recordTypeFilters: ['sharePointSharingOperation'],
              operationFilters: [...sharingOperations],
            }) as Promise<unknown>,
        'start an audit log query',
      ),
    );
    const done = await this.completed(created.id);
    const records = await graphCall(
      () =>
        allPages<unknown>(this.graph, `/security/auditLog/queries/${encodeURIComponent(done.id)}/records`),
      'read audit log records',
    );
    const urls = new Set<string>();
    for (const r of records) {
      const record = auditRecordSchema.safeParse(r);
      const url = record.success ? (record.data.auditData?.ObjectId ?? record.data.objectId) : undefined;
      if (url) urls.add(url);
    }
    const items = new Map<string, ItemRef>();
    let unresolved = 0;
    for (const url of urls) {
      const item = await this.itemAt(url);
      if (item) items.set(`${item.driveId}/${item.itemId}`, item);
      else unresolved++;
    }
    return {
      items: [...items.values()],
      records: records.length,
      unresolved,
      limitExceeded: done.isRecordCountLimitExceeded === true,
    };
  }

  async removePermission(ref: PermissionRef): Promise<'removed' | 'gone'> {
    const path = `/drives/${encodeURIComponent(ref.driveId)}/items/${encodeURIComponent(ref.itemId)}/permissions/${encodeURIComponent(ref.permissionId)}`;
    try {
      await this.graph.api(path).version('v1.0').delete();
      return 'removed';
    } catch (err) {
      if (httpStatusOf(err) === 404) return 'gone';
      return graphCall(() => Promise.reject(err as Error), 'remove a permission');
    }
  }

  private async readDelta(first: string, full: boolean, resynced: boolean): Promise<DriveChanges> {
    const items: ItemRef[] = [];
    let url = first;
    for (;;) {
      const page = (await this.graph.api(url).version('v1.0').header('Prefer', deltaPreferences).get()) as {
        value?: unknown[];
        '@odata.nextLink'?: string;
        '@odata.deltaLink'?: string;
      };
      for (const raw of page.value ?? []) {
        const parsed = driveItemSchema.safeParse(raw);
        if (!parsed.success) continue;
        const it = parsed.data;
        if (it.root || it.deleted) continue;
        const changed = String(it['@microsoft.graph.sharedChanged'] ?? '').toLowerCase() === 'true';
        if (changed || (full && it.shared)) {
          const driveId = it.parentReference?.driveId;
          if (driveId) items.push({ driveId, itemId: it.id });
        }
      }
      if (page['@odata.nextLink']) url = page['@odata.nextLink'];
      else if (page['@odata.deltaLink']) return { items, deltaLink: page['@odata.deltaLink'], resynced };
      else return fail('UPSTREAM_UNAVAILABLE', 'A delta page had neither a next link nor a delta link.');
    }
  }

  private async completed(id: string): Promise<z.output<typeof querySchema>> {
    const first = this.options.firstPollMs ?? 2_000;
    const max = this.options.maxPollMs ?? 30_000;
    const deadline = Date.now() + (this.options.queryTimeoutMs ?? 20 * 60_000);
    for (let wait = first; ; wait = Math.min(wait * 2, max)) {
      const query = querySchema.parse(
        await graphCall(
          () =>
            this.graph
              .api(`/security/auditLog/queries/${encodeURIComponent(id)}`)
              .version('v1.0')
              .get() as Promise<unknown>,
          'read an audit log query',
        ),
      );
      if (query.status === 'succeeded') return query;
      if (query.status === 'failed' || query.status === 'cancelled')
        return fail('UPSTREAM_UNAVAILABLE', `The audit log query ${query.status}.`, { status: query.status });
      if (Date.now() + wait > deadline)
        return fail('UPSTREAM_UNAVAILABLE', 'The audit log query did not finish in time.');
      await new Promise((r) => setTimeout(r, wait));
    }
  }

  /**
   * The item a URL names (`GET /shares/u!{base64url}/driveItem`); undefined when it is gone, or in a
   * site the app may not read (with `Sites.Selected`, only the sites granted to it): counted as
   * unresolved rather than failing the sweep.
   */
  private async itemAt(url: string): Promise<ItemRef | undefined> {
    const shareId = `u!${Buffer.from(url, 'utf8').toString('base64url')}`;
    const item = await this.readOrGone(
      `/shares/${shareId}/driveItem`,
      driveItemSchema,
      'find a shared file',
      [403],
    );
    const driveId = item?.parentReference?.driveId;
    return item && driveId ? { driveId, itemId: item.id } : undefined;
  }

  private drive(driveId: string): Promise<Drive | undefined> {
    let drive = this.drives.get(driveId);
    if (!drive) {
      drive = this.readOrGone(`/drives/${encodeURIComponent(driveId)}`, driveSchema, 'read a drive');
      drive.catch(() => this.drives.delete(driveId));
      this.drives.set(driveId, drive);
    }
    return drive;
  }

  private async readOrGone<T extends z.ZodType>(
    path: string,
    schema: T,
    operation: string,
    alsoGone: readonly number[] = [],
  ): Promise<z.output<T> | undefined> {
    try {
      return schema.parse(await this.graph.api(path).version('v1.0').get());
    } catch (err) {
      const status = httpStatusOf(err);
      if (status === 404 || (status !== undefined && alsoGone.includes(status))) return undefined;
      if (err instanceof z.ZodError)
        return fail('UPSTREAM_UNAVAILABLE', `Microsoft Graph answered ${operation} oddly.`);
      return graphCall(() => Promise.reject(err as Error), operation);
    }
  }
}

function isCoded410(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^resync/i.test(code);
}

/** `{ [key]: value }` when Graph gave a value (it sends `null` for what is not set), else `{}`. */
function given<K extends string, V>(key: K, value: V | null | undefined): { [P in K]?: V } {
  return value === null || value === undefined ? {} : ({ [key]: value } as { [P in K]?: V });
}

function toSignal(
  ref: ItemRef,
  item: DriveItem,
  drive: Drive | undefined,
  p: Permission,
  source: SharingSignal['source'],
): SharingSignal {
  const grantees: Grantee[] = [];
  for (const set of [p.grantedToV2, ...(p.grantedToIdentitiesV2 ?? [])]) {
    const who = set?.user ?? set?.siteUser;
    if (!who) continue;
    const login = set?.siteUser?.loginName ?? '';
    grantees.push({
      ...given('id', who.id),
      ...given('email', who.email),
      ...(/#ext#/i.test(login) && { guest: true }),
    });
  }
  const invited = p.invitation?.email;
  if (invited && !grantees.some((g) => g.email === invited)) grantees.push({ email: invited });
  const scope = p.link?.scope;
  const sharer = item.shared?.sharedBy?.user ?? p.invitation?.invitedBy?.user;
  const personal = drive?.driveType === 'business' || drive?.driveType === 'personal';
  const ownerId = personal ? drive?.owner?.user?.id : undefined;
  return {
    driveId: ref.driveId,
    itemId: ref.itemId,
    permissionId: p.id,
    source,
    ...(p.link && {
      link: {
        // A link without a scope is treated as one for named people: its grantees are checked.
        scope: linkScopes.find((s) => s === scope) ?? 'users',
        type: p.link.type ?? 'view',
      },
    }),
    roles: p.roles,
    ...given('expiresAt', p.expirationDateTime),
    grantees,
    ...(sharer?.id && { sharedBy: { id: sharer.id, ...given('name', sharer.displayName) } }),
    sharedAt: item.shared?.sharedDateTime ?? item.lastModifiedDateTime ?? new Date().toISOString(),
    site: {
      ...given('name', drive?.owner?.group?.displayName ?? drive?.owner?.siteUser?.displayName),
      ...given('url', drive?.webUrl),
    },
    ...(!ownerId && given('library', drive?.name)),
    ...(ownerId && { personalDrive: { ownerId } }),
    itemName: item.name,
    ...given('itemUrl', item.webUrl),
    ...given('sensitivityLabel', item.sensitivityLabel?.displayName),
  };
}
