/**
 * The simulated OneDrive and SharePoint of the local tenant (no HTTP): sharing links, invitations and
 * their removal as Microsoft Graph answers them, delta with sharing changes and forced resyncs, and
 * audit log queries that must be polled, page, stop at a limit and can be throttled.
 */
import {
  ResyncRequiredError,
  SimulatedDrives,
  shareIdOf,
  type DrivesState,
} from '../../../local/graph-simulator/simulated-drives';
import { GraphSimulatorError, type Change } from '../../../local/graph-simulator/simulated-subscriptions';
import { loadTenant } from '../../../local/tenant';
import { repoRoot } from '../../support/fixtures';

const tenant = loadTenant(repoRoot);
const records = 'b!learner-records';
const labelled = '01LR0000000000000000000001';
const tariqDrive = 'b!onedrive-tariq';
const tariqFile = '01TT0000000000000000000001';
const tariq = '55555555-5555-4555-8555-555555555555';
const dana = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';

let changes: Change[];
let saves: number;
let drives: SimulatedDrives;

beforeEach(() => {
  changes = [];
  saves = 0;
  drives = make();
});

function make(): SimulatedDrives {
  return new SimulatedDrives(
    tenant,
    (change) => {
      changes.push(change);
      return Promise.resolve();
    },
    () => saves++,
  );
}

function graphError(action: () => unknown): GraphSimulatorError {
  try {
    action();
  } catch (err) {
    if (err instanceof GraphSimulatorError) return err;
    throw err;
  }
  throw new Error('expected a Graph error');
}

/** Every page of a delta round: the items and the final token. */
function deltaRound(driveId: string, token: string | null, sharingChanges = false) {
  const items: Record<string, unknown>[] = [];
  let pages = 0;
  for (;;) {
    const page = drives.delta(driveId, token, { sharingChanges });
    pages++;
    items.push(...page.value);
    if (page.nextToken === undefined) return { items, pages, deltaToken: page.deltaToken ?? '' };
    token = page.nextToken;
  }
}

/** Polls a query until it succeeds, counting the reads. */
function poll(id: string): { query: Record<string, unknown>; reads: number } {
  for (let reads = 1; reads < 10; reads++) {
    const query = drives.auditQuery(id);
    if (query['status'] === 'succeeded') return { query, reads };
  }
  throw new Error('the query never succeeded');
}

function allRecords(id: string): unknown[] {
  const found: unknown[] = [];
  let skip: number | undefined = 0;
  while (skip !== undefined) {
    const page = drives.auditRecords(id, skip);
    expect(page.value.length).toBeLessThanOrEqual(100);
    found.push(...page.value);
    skip = page.next;
  }
  return found;
}

const window = () => ({
  filterStartDateTime: new Date(Date.now() - 3_600_000).toISOString(),
  filterEndDateTime: new Date(Date.now() + 3_600_000).toISOString(),
});

describe('drives and files', () => {
  it('describes a library by its site and a OneDrive by its owner', () => {
    expect(drives.drive(records)).toMatchObject({
      id: records,
      driveType: 'documentLibrary',
      owner: { group: { displayName: 'Student Services' } },
      sharepointIds: { siteUrl: 'https://example-college.sharepoint.com/sites/StudentServices' },
    });
    expect(drives.drive(tariqDrive)).toMatchObject({
      driveType: 'business',
      owner: {
        user: { id: tariq, displayName: 'Tariq Tutor', email: 'tariq.tutor@example-college.ac.uk' },
      },
    });
  });

  it('answers a file with its URL, type and label, and unknown drives or files with 404 itemNotFound', () => {
    const item = drives.item(records, labelled);
    expect(item).toMatchObject({
      id: labelled,
      name: 'Progress review - Lee L.docx',
      webUrl:
        'https://example-college.sharepoint.com/sites/StudentServices/Learner%20Records/Progress%20review%20-%20Lee%20L.docx',
      parentReference: { driveId: records, driveType: 'documentLibrary' },
      file: { mimeType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document' },
      sensitivityLabel: { displayName: 'Confidential - Learner' },
    });
    expect(item['shared']).toBeUndefined();
    expect(drives.item(records, '01LR0000000000000000000003')['sensitivityLabel']).toBeUndefined();
    for (const missing of [() => drives.item('b!nowhere', labelled), () => drives.item(records, '01NOPE')]) {
      expect(graphError(missing)).toMatchObject({ status: 404, code: 'itemNotFound' });
    }
  });

  it('lists the owner first: the OneDrive owner, or the site owners for a library', () => {
    expect(drives.permissions(tariqDrive, tariqFile)).toEqual([
      expect.objectContaining({
        roles: ['owner'],
        grantedToV2: { user: expect.objectContaining({ id: tariq }) },
      }),
    ]);
    const [owner] = drives.permissions(records, labelled);
    expect(owner).toMatchObject({
      roles: ['owner'],
      grantedToV2: { siteGroup: { displayName: 'Student Services Owners' } },
    });
  });
});

describe('sharing', () => {
  it('creates an anonymous link, and answers the same link again rather than a second one', () => {
    const first = drives.createLink(records, labelled, { type: 'view', scope: 'anonymous' }, dana);
    expect(first.created).toBe(true);
    expect(first.permission).toMatchObject({
      roles: ['read'],
      link: { scope: 'anonymous', type: 'view', preventsDownload: false },
      hasPassword: false,
      grantedToIdentitiesV2: [],
    });
    const link = (first.permission['link'] as { webUrl: string }).webUrl;
    expect(link).toMatch(/^https:\/\/example-college\.sharepoint\.com\/:w:\/s\/StudentServices\/E/);
    expect(first.permission['shareId']).toBe(shareIdOf(link));

    const again = drives.createLink(records, labelled, { type: 'view', scope: 'anonymous' });
    expect(again).toEqual({ created: false, permission: first.permission });
    // An edit link, or one that expires, is another permission.
    const later = new Date(Date.now() + 86_400_000).toISOString();
    expect(drives.createLink(records, labelled, { type: 'edit', scope: 'anonymous' }).created).toBe(true);
    const expiring = drives.createLink(records, labelled, {
      type: 'view',
      scope: 'anonymous',
      expirationDateTime: later,
    });
    expect(expiring).toMatchObject({ created: true, permission: { expirationDateTime: later } });
    expect(drives.permissions(records, labelled)).toHaveLength(4);
    expect(drives.auditLog().map((r) => r.operation)).toEqual([
      'AnonymousLinkCreated',
      'AnonymousLinkCreated',
      'AnonymousLinkCreated',
    ]);
  });

  it('marks a shared file with the widest scope and who shared last', () => {
    drives.invite(records, labelled, {
      recipients: [{ email: 'lola.learner@example-college.ac.uk' }],
      roles: ['read'],
    });
    expect(drives.item(records, labelled)['shared']).toMatchObject({
      scope: 'users',
      sharedBy: { user: { id: tenant.users[0]?.id } },
    });
    drives.createLink(records, labelled, { type: 'view', scope: 'organization' }, tariq);
    drives.createLink(records, labelled, { type: 'edit', scope: 'users' }, dana);
    const shared = drives.item(records, labelled)['shared'] as Record<string, unknown>;
    expect(shared).toMatchObject({
      scope: 'organization',
      sharedBy: { user: { id: dana, displayName: 'Dana DSL', email: 'dana.dsl@example-college.ac.uk' } },
    });
    expect(Date.parse(String(shared['sharedDateTime']))).not.toBeNaN();
    expect(drives.auditLog().map((r) => r.operation)).toEqual([
      'SharingSet',
      'CompanyLinkCreated',
      'SecureLinkCreated',
    ]);
  });

  it('invites people of the college as users and anyone else as guests', () => {
    const value = drives.invite(
      records,
      labelled,
      {
        recipients: [{ email: 'Lee.Learner@example-college.ac.uk' }, { email: 'someone@gmail.com' }],
        roles: ['write'],
        requireSignIn: true,
        sendInvitation: true,
        message: 'Have a look',
      },
      tariq,
    );
    expect(value).toEqual([
      expect.objectContaining({
        roles: ['write'],
        grantedToV2: {
          user: {
            id: '66666666-6666-4666-8666-666666666661',
            displayName: 'Lee Learner',
            email: 'lee.learner@example-college.ac.uk',
          },
        },
      }),
      expect.objectContaining({
        roles: ['write'],
        grantedToV2: {
          siteUser: {
            displayName: 'someone@gmail.com',
            email: 'someone@gmail.com',
            loginName: 'i:0#.f|membership|someone_gmail.com#ext#@examplecollege.onmicrosoft.com',
          },
        },
        invitation: expect.objectContaining({ email: 'someone@gmail.com', signInRequired: true }),
      }),
    ]);
    expect(value[0]?.['invitation']).toBeUndefined();
    const [member, guest] = drives.auditLog();
    expect(member).toMatchObject({
      operation: 'SharingSet',
      userPrincipalName: 'tariq.tutor@example-college.ac.uk',
      service: 'SharePoint',
      auditData: {
        TargetUserOrGroupName: 'lee.learner@example-college.ac.uk',
        TargetUserOrGroupType: 'Member',
      },
    });
    expect(guest).toMatchObject({
      operation: 'SharingInvitationCreated',
      auditData: {
        TargetUserOrGroupName: 'someone@gmail.com',
        TargetUserOrGroupType: 'Guest',
        EventData: '<Type>Edit</Type>',
      },
    });
    // Inviting the same person again updates their permission.
    drives.invite(records, labelled, { recipients: [{ email: 'someone@gmail.com' }], roles: ['read'] });
    expect(drives.permissions(records, labelled)).toHaveLength(3);
    expect(
      graphError(() =>
        drives.invite(records, labelled, {
          recipients: [{ email: 'nobody@example-college.ac.uk' }],
          roles: ['read'],
        }),
      ),
    ).toMatchObject({ status: 400 });
  });

  it('removes a permission, but never the owner, and records the revocation', () => {
    const anonymous = drives.createLink(records, labelled, { type: 'view', scope: 'anonymous' }).permission;
    const company = drives.createLink(records, labelled, { type: 'view', scope: 'organization' }).permission;
    const [owner] = drives.permissions(records, labelled);
    expect(graphError(() => drives.deletePermission(records, labelled, String(owner?.['id'])))).toMatchObject(
      {
        status: 403,
        code: 'accessDenied',
      },
    );
    expect(graphError(() => drives.deletePermission(records, labelled, 'not-a-permission'))).toMatchObject({
      status: 404,
      code: 'itemNotFound',
    });
    drives.deletePermission(records, labelled, String(anonymous['id']), dana);
    drives.deletePermission(records, labelled, String(company['id']), dana);
    expect(drives.permissions(records, labelled)).toEqual([owner]);
    expect(drives.item(records, labelled)['shared']).toBeUndefined();
    const revoked = drives.auditLog().slice(2);
    expect(revoked.map((r) => r.operation)).toEqual(['AnonymousLinkRemoved', 'SharingRevoked']);
    expect(revoked[0]?.auditData['UniqueSharingId']).toBe(anonymous['id']);
    expect(revoked[0]?.userPrincipalName).toBe('dana.dsl@example-college.ac.uk');
  });

  it('shares as the OneDrive owner unless someone else is named, and refuses strangers and bad requests', () => {
    drives.createLink(tariqDrive, tariqFile, { type: 'edit', scope: 'anonymous' });
    expect(drives.auditLog()[0]).toMatchObject({
      userId: 'tariq.tutor@example-college.ac.uk',
      service: 'OneDrive',
      objectId:
        'https://example-college-my.sharepoint.com/personal/tariq_tutor_example-college_ac_uk/Documents/Lesson%20plan%20week%203.docx',
      auditData: {
        SiteUrl: 'https://example-college-my.sharepoint.com/personal/tariq_tutor_example-college_ac_uk/',
        SourceRelativeUrl: 'Documents',
        SourceFileName: 'Lesson plan week 3.docx',
        ItemType: 'File',
      },
    });
    expect(
      graphError(() =>
        drives.createLink(tariqDrive, tariqFile, { type: 'view' }, '00000000-0000-4000-8000-000000000000'),
      ),
    ).toMatchObject({ status: 400 });
    expect(graphError(() => drives.createLink(tariqDrive, tariqFile, { type: 'embed' }))).toMatchObject({
      status: 400,
    });
    expect(graphError(() => drives.createLink(tariqDrive, 'missing', { type: 'view' }))).toMatchObject({
      status: 404,
      code: 'itemNotFound',
    });
  });

  it('finds a file by its own URL or a sharing link, through the shares API encoding', () => {
    const url = String(drives.item(records, labelled)['webUrl']);
    expect(drives.sharedItem(shareIdOf(url))['id']).toBe(labelled);
    expect(shareIdOf('https://a.b/c')).toBe('u!aHR0cHM6Ly9hLmIvYw');
    const link = drives.createLink(records, labelled, { type: 'view', scope: 'organization' }).permission;
    expect(drives.sharedItem(String(link['shareId']))['id']).toBe(labelled);
    expect(graphError(() => drives.sharedItem(shareIdOf('https://example.org/elsewhere')))).toMatchObject({
      status: 404,
    });
  });

  it('notifies the drive on every change, marking permission changes', () => {
    drives.createLink(records, labelled, { type: 'view', scope: 'anonymous' });
    drives.createLink(records, labelled, { type: 'view', scope: 'anonymous' }); // the same link: no change
    drives.addItems(records, { names: ['Bulk 1.docx'] });
    expect(changes).toEqual([
      {
        changeType: 'updated',
        collection: `/drives/${records}/root`,
        resource: `drives/${records}/root`,
        resourceData: { '@odata.type': '#Microsoft.Graph.DriveItem' },
        permissionChange: true,
      },
      expect.objectContaining({ permissionChange: false }),
    ]);
    expect(saves).toBeGreaterThanOrEqual(2);
  });
});

describe('delta', () => {
  it('enumerates every file, then only what changed, sharing changes only when asked for', () => {
    const full = deltaRound(records, null);
    expect(full.items.map((i) => i['id'])).toEqual([
      '01LR0000000000000000000001',
      '01LR0000000000000000000002',
      '01LR0000000000000000000003',
    ]);
    expect(full.items.some((i) => '@microsoft.graph.sharedChanged' in i)).toBe(false);
    expect(deltaRound(records, full.deltaToken).items).toEqual([]);

    drives.createLink(records, labelled, { type: 'view', scope: 'anonymous' });
    expect(deltaRound(records, full.deltaToken).items).toEqual([]);
    const sharing = deltaRound(records, full.deltaToken, true);
    expect(sharing.items).toEqual([
      expect.objectContaining({
        id: labelled,
        '@microsoft.graph.sharedChanged': 'True',
        shared: expect.objectContaining({ scope: 'anonymous' }),
      }),
    ]);
    expect(deltaRound(records, sharing.deltaToken, true).items).toEqual([]);

    const [added] = drives.addItems(records, { names: ['New notes.docx'] }).value;
    const next = deltaRound(records, sharing.deltaToken, true);
    expect(next.items).toEqual([expect.objectContaining({ id: added?.id, name: 'New notes.docx' })]);
    expect(next.items[0]).not.toHaveProperty('@microsoft.graph.sharedChanged');
    // Other drives are untouched.
    expect(deltaRound('b!staff-room', deltaRound('b!staff-room', null).deltaToken, true).items).toEqual([]);
  });

  it('pages 50 at a time and loses nothing changed while paging', () => {
    const names = Array.from({ length: 120 }, (_, i) => `Bulk ${String(i).padStart(3, '0')}.docx`);
    const created = drives.addItems(records, { names }).value;
    expect(created).toHaveLength(120);
    expect(created[0]?.id).toMatch(/^01[0-9A-F]{32}$/);
    const first = drives.delta(records, null, { sharingChanges: true });
    expect(first.value).toHaveLength(50);
    expect(first.nextToken).toMatch(/^page:/);
    expect(first.deltaToken).toBeUndefined();
    // A file shared mid-enumeration, already listed: it comes back in the next round.
    const listed = String(first.value[0]?.['id']);
    drives.createLink(records, listed, { type: 'view', scope: 'organization' });
    const second = drives.delta(records, first.nextToken ?? '', { sharingChanges: true });
    const third = drives.delta(records, second.nextToken ?? '', { sharingChanges: true });
    expect(second.value).toHaveLength(50);
    expect(third.value).toHaveLength(23);
    expect(third.deltaToken).toBeDefined();
    const ids = new Set([...first.value, ...second.value, ...third.value].map((i) => i['id']));
    expect(ids.size).toBe(123);
    expect(deltaRound(records, third.deltaToken ?? '', true).items.map((i) => i['id'])).toEqual([listed]);
  });

  it('answers 410 resyncRequired for a token from before a forced resync, or a made-up one', () => {
    const before = deltaRound(records, null).deltaToken;
    const latest = drives.delta(records, 'latest', { sharingChanges: false });
    expect(latest).toEqual({ value: [], deltaToken: before });
    drives.resync(records);
    for (const token of [before, 'garbage', '0.99', 'page:0.all.0.AA']) {
      const err = graphError(() => drives.delta(records, token, { sharingChanges: true }));
      expect(err).toBeInstanceOf(ResyncRequiredError);
      expect(err).toMatchObject({ status: 410, code: 'resyncRequired' });
      expect(err.message).toMatch(/^Resync required\. Replace any local items with the server's version/);
    }
    const fresh = deltaRound(records, null);
    expect(fresh.items).toHaveLength(3);
    expect(deltaRound(records, fresh.deltaToken).items).toEqual([]);
    // Another drive's tokens still hold.
    const staff = deltaRound('b!staff-room', null).deltaToken;
    drives.resync(records);
    expect(deltaRound('b!staff-room', staff).items).toEqual([]);
  });
});

describe('audit log queries', () => {
  it('must be polled: notStarted, running, then succeeded with the matching records', () => {
    drives.createLink(records, labelled, { type: 'view', scope: 'anonymous' }, dana);
    drives.invite(records, labelled, { recipients: [{ email: 'friend@outlook.com' }], roles: ['read'] });
    const created = drives.createAuditQuery({
      displayName: 'Sharing sweep',
      ...window(),
      recordTypeFilters: ['sharePointSharingOperation'],
      operationFilters: ['anonymouslinkcreated', 'SharingInvitationCreated'],
    });
    expect(created).toMatchObject({ status: 'notStarted', displayName: 'Sharing sweep' });
    const id = String(created['id']);
    expect(graphError(() => drives.auditRecords(id, 0))).toMatchObject({ status: 400 });
    const { query, reads } = poll(id);
    expect(reads).toBeGreaterThanOrEqual(2);
    expect(query).toMatchObject({ isRecordCountLimitExceeded: false, approximateReturnedRecordCount: 2 });
    const found = allRecords(id) as Record<string, any>[];
    expect(found.map((r) => r['operation'])).toEqual(['AnonymousLinkCreated', 'SharingInvitationCreated']);
    expect(found[0]).toMatchObject({
      auditLogRecordType: 'sharePointSharingOperation',
      organizationId: tenant.tenantId,
      userType: 'regular',
      userId: 'dana.dsl@example-college.ac.uk',
      objectId: drives.item(records, labelled)['webUrl'],
      auditData: {
        '@odata.type': '#microsoft.graph.Json',
        Operation: 'AnonymousLinkCreated',
        ObjectId: drives.item(records, labelled)['webUrl'],
        SiteUrl: 'https://example-college.sharepoint.com/sites/StudentServices/',
        SourceRelativeUrl: 'Learner Records',
        EventData: '<Type>View</Type>',
      },
    });
    expect(found[0]?.['auditData']['Id']).toBe(found[0]?.['id']);
    expect(graphError(() => drives.auditQuery('unknown'))).toMatchObject({ status: 404 });
  });

  it('filters by time [start, end), type and operation, and pages 100 records at a time', () => {
    expect(
      drives.addSyntheticRecords({
        count: 250,
        from: '2025-01-01T00:00:00Z',
        to: '2025-01-01T02:30:00Z',
      }),
    ).toEqual({ added: 250 });
    // One record a 36 s step: 00:00:00 … 02:29:24. [01:00, 02:00) holds 100 of them.
    const hour = drives.createAuditQuery({
      filterStartDateTime: '2025-01-01T01:00:00Z',
      filterEndDateTime: '2025-01-01T02:00:00Z',
    });
    poll(String(hour['id']));
    const inHour = allRecords(String(hour['id'])) as { createdDateTime: string }[];
    expect(inHour).toHaveLength(100);
    expect(inHour[0]?.createdDateTime).toBe('2025-01-01T01:00:00.000Z');
    expect(inHour.every((r) => r.createdDateTime < '2025-01-01T02:00:00.000Z')).toBe(true);

    const all = drives.createAuditQuery({
      filterStartDateTime: '2025-01-01T00:00:00Z',
      filterEndDateTime: '2025-01-02T00:00:00Z',
      recordTypeFilters: ['sharePointSharingOperation'],
    });
    poll(String(all['id']));
    const first = drives.auditRecords(String(all['id']), 0);
    expect(first.value).toHaveLength(100);
    expect(first.next).toBe(100);
    expect(allRecords(String(all['id']))).toHaveLength(250);

    const invitations = drives.createAuditQuery({
      filterStartDateTime: '2025-01-01T00:00:00Z',
      filterEndDateTime: '2025-01-02T00:00:00Z',
      operationFilters: ['SHARINGINVITATIONCREATED'],
    });
    expect(poll(String(invitations['id'])).query['approximateReturnedRecordCount']).toBe(50);
    const other = drives.createAuditQuery({
      filterStartDateTime: '2025-01-01T00:00:00Z',
      filterEndDateTime: '2025-01-02T00:00:00Z',
      recordTypeFilters: ['exchangeItem'],
    });
    expect(poll(String(other['id'])).query['approximateReturnedRecordCount']).toBe(0);
  });

  it('stops at the record-count limit, keeping the oldest records', () => {
    drives.addSyntheticRecords({ count: 30, from: '2025-03-01T00:00:00Z', to: '2025-03-01T00:30:00Z' });
    drives.addSyntheticRecords({ count: 5, from: '2025-02-01T00:00:00Z', to: '2025-02-01T00:05:00Z' });
    expect(drives.configureAudit({ limit: 10 })).toEqual({ limit: 10, throttle: 0 });
    const query = drives.createAuditQuery({
      filterStartDateTime: '2025-01-01T00:00:00Z',
      filterEndDateTime: '2025-04-01T00:00:00Z',
    });
    expect(poll(String(query['id'])).query).toMatchObject({
      isRecordCountLimitExceeded: true,
      approximateReturnedRecordCount: 10,
    });
    const found = allRecords(String(query['id'])) as { createdDateTime: string }[];
    expect(found).toHaveLength(10);
    expect(found.slice(0, 5).every((r) => r.createdDateTime.startsWith('2025-02-01'))).toBe(true);
    expect(found[5]?.createdDateTime).toBe('2025-03-01T00:00:00.000Z');
  });

  it('throttles the next N audit requests', () => {
    expect(drives.throttled()).toBe(false);
    drives.configureAudit({ throttle: 2 });
    expect([drives.throttled(), drives.throttled(), drives.throttled()]).toEqual([true, true, false]);
    expect(graphError(() => drives.configureAudit({ limit: 0 }))).toMatchObject({ status: 400 });
  });

  it('refuses queries without a window, or with one that ends before it starts', () => {
    expect(graphError(() => drives.createAuditQuery({ displayName: 'no window' }))).toMatchObject({
      status: 400,
    });
    const now = new Date().toISOString();
    expect(
      graphError(() => drives.createAuditQuery({ filterStartDateTime: now, filterEndDateTime: now })),
    ).toMatchObject({ status: 400 });
  });
});

describe('persistence', () => {
  it('keeps files, permissions, delta tokens and the audit log across a restart', () => {
    const link = drives.createLink(records, labelled, { type: 'view', scope: 'anonymous' }).permission;
    const [added] = drives.addItems('b!staff-room', { names: ['Rota.xlsx'] }).value;
    const token = deltaRound(records, null).deltaToken;
    const query = drives.createAuditQuery(window());
    poll(String(query['id']));
    drives.resync('b!staff-room');
    const saved = JSON.parse(JSON.stringify(drives.snapshot())) as DrivesState;

    const restarted = make();
    restarted.restore(saved);
    drives = restarted;
    expect(drives.permissions(records, labelled)).toEqual([expect.anything(), link]);
    expect(drives.item('b!staff-room', added?.id ?? '')).toMatchObject({ name: 'Rota.xlsx' });
    expect(drives.item(records, labelled)['sensitivityLabel']).toEqual({
      displayName: 'Confidential - Learner',
    });
    expect(deltaRound(records, token).items).toEqual([]);
    drives.invite(records, labelled, {
      recipients: [{ email: 'dana.dsl@example-college.ac.uk' }],
      roles: ['read'],
    });
    expect(deltaRound(records, token, true).items.map((i) => i['id'])).toEqual([labelled]);
    expect(drives.auditLog().map((r) => r.operation)).toEqual(['AnonymousLinkCreated', 'SharingSet']);
    expect(allRecords(String(query['id']))).toHaveLength(1);
    // A second sweep after the restart finds the records of both runs.
    const sweep = drives.createAuditQuery(window());
    expect(poll(String(sweep['id'])).query['approximateReturnedRecordCount']).toBe(2);
  });

  it('restores state saved before drives existed', () => {
    drives.restore({});
    expect(deltaRound(records, null).items).toHaveLength(3);
  });
});
