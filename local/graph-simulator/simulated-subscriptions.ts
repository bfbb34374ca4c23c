/**
 * Microsoft Graph subscriptions and change notifications, simulated the way Graph behaves from
 * the outside (https://learn.microsoft.com/graph/change-notifications-delivery-webhooks,
 * https://learn.microsoft.com/graph/change-notifications-with-resource-data):
 *
 * - creating or renewing a subscription validates the notification and lifecycle URLs with the
 *   `validationToken` handshake (a token with spaces and symbols, URL-encoded, echoed back as
 *   text/plain within 10 s) and refuses the subscription if either fails;
 * - each change is delivered to every matching subscription as a notification collection with
 *   resource data encrypted to the subscription's certificate (random AES-256 key, CBC with the
 *   key's first 16 bytes as IV, HMAC-SHA256 signature, key wrapped with RSA-OAEP/SHA-1) and a
 *   validation token (RS256 JWT: aud = the subscribing app, azp = the Graph publisher);
 * - failed deliveries are retried a few times, as Graph does (it retries for hours);
 * - drives can be watched too (`/drives/{id}/root`, changeType `updated`, no resource data, up to
 *   42,300 minutes: https://learn.microsoft.com/graph/api/resources/subscription#subscription-lifetime,
 *   https://learn.microsoft.com/graph/change-notifications-for-driveitem). A notification only says
 *   the drive changed (the app then asks delta); a permission change notifies only subscriptions
 *   created with the header `Prefer: includesecuritywebhooks` (the "security webhooks" of that page).
 *
 * The `/_simulator` control routes let scenarios replay a delivery, with a fault injected
 * (wrong clientState, tampered ciphertext, forged token), and fire lifecycle events.
 */
import {
  X509Certificate,
  constants,
  createCipheriv,
  createHmac,
  generateKeyPairSync,
  publicEncrypt,
  randomBytes,
  randomUUID,
  type KeyObject,
} from 'node:crypto';
import { SignJWT } from 'jose';
import { graphNotificationPublisher } from '../../adapters/graph-validation-tokens';
import { z } from 'zod';

/** Teams chatMessage subscriptions may last up to 4,320 minutes; driveItem ones 42,300. */
const chatLifetimeMinutes = 4320;
const driveLifetimeMinutes = 42_300;
const supportedResources = ['/chats/getAllMessages', '/teams/getAllMessages'];
/** `/drives/{drive-id}/root`: the only driveItem resource Graph lets an app subscribe to. */
const driveResource = /^\/drives\/([^/]+)\/root$/i;

export const faults = ['none', 'clientState', 'ciphertext', 'signature', 'token'] as const;
export type Fault = (typeof faults)[number];

const newSubscriptionSchema = z.object({
  changeType: z.string().regex(/^(created|updated|deleted)(,(created|updated|deleted))*$/),
  notificationUrl: z.url(),
  lifecycleNotificationUrl: z.url().optional(),
  resource: z.string(),
  expirationDateTime: z.iso.datetime({ offset: true }),
  clientState: z.string().max(255).optional(),
  includeResourceData: z.boolean().optional(),
  encryptionCertificate: z.string().optional(),
  encryptionCertificateId: z.string().optional(),
  latestSupportedTlsVersion: z.string().optional(),
});

export interface StoredSubscription {
  readonly id: string;
  readonly resource: string;
  readonly changeType: string;
  readonly notificationUrl: string;
  readonly lifecycleNotificationUrl?: string;
  expirationDateTime: string;
  readonly clientState?: string;
  readonly includeResourceData: boolean;
  readonly encryptionCertificate?: string;
  readonly encryptionCertificateId?: string;
  readonly applicationId: string;
  /** Created with `Prefer: includesecuritywebhooks`: permission changes notify it too (drives). */
  readonly includesSecurityWebhooks?: boolean;
}

export interface Delivery {
  readonly id: string;
  readonly subscriptionId: string;
  readonly url: string;
  readonly at: string;
  /** The notification collection as first sent (before any fault). */
  readonly body: { value: Record<string, unknown>[]; validationTokens?: string[] };
  /** The endpoint's last answer (0 before the first). */
  status: number;
  /** Every answer, in order: Graph tries again after a 5xx or no answer. */
  readonly statuses: number[];
}

/**
 * Seconds between Graph's tries of a failing endpoint. Graph keeps retrying with exponential
 * back-off for up to 4 hours (https://learn.microsoft.com/graph/change-notifications-delivery-webhooks);
 * here about two minutes, enough for any outage a local run stages.
 */
const retryDelaysSeconds = [1, 2, 4, 8, 16, 32, 60];

export interface Change {
  readonly changeType: 'created' | 'updated' | 'deleted';
  /** `/chats/getAllMessages`, `/teams/getAllMessages` or `/drives/{id}/root`. */
  readonly collection: string;
  /** `chats('19:…')/messages('…')`, or `drives/{id}/root`. */
  readonly resource: string;
  readonly resourceData: Record<string, unknown>;
  /** A sharing (permission) change: only subscriptions with security webhooks hear of it. */
  readonly permissionChange?: boolean;
}

export class GraphSimulatorError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface SubscriptionsOptions {
  readonly tenantId: string;
  readonly appId: string;
  readonly sign: (claims: Record<string, unknown>, audience: string) => Promise<string>;
  readonly onChange?: () => void;
  /** Whether a drive exists, for `/drives/{id}/root` subscriptions (none are accepted without it). */
  readonly driveExists?: (driveId: string) => boolean;
}

export class SimulatedSubscriptions {
  readonly all = new Map<string, StoredSubscription>();
  /** Removed subscriptions, still addressable by lifecycle events about their removal. */
  private readonly removed = new Map<string, StoredSubscription>();
  private readonly deliveries: Delivery[] = [];
  private readonly retries = new Set<NodeJS.Timeout>();
  private stopped = false;
  /** A key the identity platform never published: tokens signed with it are forgeries. */
  private readonly forger = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;

  constructor(private readonly options: SubscriptionsOptions) {}

  /** `prefer`: the create request's Prefer header (`includesecuritywebhooks` for drives). */
  async create(body: unknown, request: { prefer?: string } = {}): Promise<StoredSubscription> {
    const parsed = newSubscriptionSchema.safeParse(body);
    if (!parsed.success)
      throw new GraphSimulatorError(
        400,
        'InvalidRequest',
        `Invalid subscription: ${parsed.error.issues[0]?.message}`,
      );
    const s = parsed.data;
    const drive = driveResource.exec(s.resource.replace(/^\/?/, '/'))?.[1];
    if (drive !== undefined) this.checkDrive(decoded(drive), s);
    else if (
      !supportedResources.some((r) => r.toLowerCase() === s.resource.replace(/^\/?/, '/').toLowerCase())
    )
      throw new GraphSimulatorError(400, 'InvalidRequest', `Resource ${s.resource} is not supported.`);
    checkExpiry(s.expirationDateTime, lifetimeMinutes(s.resource));
    checkUrl(s.notificationUrl);
    if (s.includeResourceData) {
      if (!s.encryptionCertificate || !s.encryptionCertificateId)
        throw new GraphSimulatorError(
          400,
          'InvalidRequest',
          'encryptionCertificate and encryptionCertificateId are required with includeResourceData.',
        );
      if (!s.lifecycleNotificationUrl)
        throw new GraphSimulatorError(
          400,
          'InvalidRequest',
          'lifecycleNotificationUrl is required with includeResourceData.',
        );
      try {
        new X509Certificate(Buffer.from(s.encryptionCertificate, 'base64'));
      } catch {
        throw new GraphSimulatorError(
          400,
          'InvalidRequest',
          'encryptionCertificate is not a base64 DER certificate.',
        );
      }
    }
    if (s.lifecycleNotificationUrl) checkUrl(s.lifecycleNotificationUrl);
    await handshake(s.notificationUrl);
    if (s.lifecycleNotificationUrl) await handshake(s.lifecycleNotificationUrl);
    const stored: StoredSubscription = {
      id: randomUUID(),
      resource: s.resource,
      changeType: s.changeType,
      notificationUrl: s.notificationUrl,
      ...(s.lifecycleNotificationUrl && { lifecycleNotificationUrl: s.lifecycleNotificationUrl }),
      expirationDateTime: new Date(s.expirationDateTime).toISOString(),
      ...(s.clientState !== undefined && { clientState: s.clientState }),
      includeResourceData: s.includeResourceData ?? false,
      ...(s.encryptionCertificate && { encryptionCertificate: s.encryptionCertificate }),
      ...(s.encryptionCertificateId && { encryptionCertificateId: s.encryptionCertificateId }),
      applicationId: this.options.appId,
      ...(drive !== undefined &&
        /(^|[\s,;])includesecuritywebhooks([\s,;=]|$)/i.test(request.prefer ?? '') && {
          includesSecurityWebhooks: true,
        }),
    };
    this.all.set(stored.id, stored);
    this.options.onChange?.();
    return stored;
  }

  /** driveItem subscriptions: `updated` only, no resource data, on a drive of the tenant. */
  private checkDrive(driveId: string, s: z.output<typeof newSubscriptionSchema>): void {
    if (!this.options.driveExists?.(driveId))
      throw new GraphSimulatorError(404, 'itemNotFound', `The drive ${driveId} was not found.`);
    if (s.changeType !== 'updated')
      throw new GraphSimulatorError(
        400,
        'InvalidRequest',
        'Only the updated changeType is supported for driveItem subscriptions.',
      );
    if (s.includeResourceData)
      throw new GraphSimulatorError(
        400,
        'InvalidRequest',
        'Rich notifications (includeResourceData) are not supported for driveItem subscriptions.',
      );
  }

  renew(id: string, body: unknown): StoredSubscription {
    const s = this.get(id);
    const parsed = z.object({ expirationDateTime: z.iso.datetime({ offset: true }) }).safeParse(body);
    if (!parsed.success)
      throw new GraphSimulatorError(400, 'InvalidRequest', 'expirationDateTime is required.');
    checkExpiry(parsed.data.expirationDateTime, lifetimeMinutes(s.resource));
    s.expirationDateTime = new Date(parsed.data.expirationDateTime).toISOString();
    this.options.onChange?.();
    return s;
  }

  get(id: string): StoredSubscription {
    const s = this.all.get(id);
    if (!s || Date.parse(s.expirationDateTime) < Date.now())
      throw new GraphSimulatorError(404, 'ResourceNotFound', `The object was not found: subscription ${id}.`);
    return s;
  }

  remove(id: string): void {
    this.removed.set(id, this.get(id));
    this.all.delete(id);
    this.options.onChange?.();
  }

  /** Public view of a subscription (Graph never returns the certificate back). */
  view(s: StoredSubscription): Record<string, unknown> {
    const { encryptionCertificate: _cert, includesSecurityWebhooks: _header, ...rest } = s;
    return { ...rest, latestSupportedTlsVersion: 'v1_2' };
  }

  /** Delivers a change to every live subscription on its collection; resolves when all answered. */
  async publish(change: Change, resource: unknown): Promise<void> {
    const now = Date.now();
    const targets = [...this.all.values()].filter(
      (s) =>
        sameResource(s.resource, change.collection) &&
        s.changeType.split(',').includes(change.changeType) &&
        (!change.permissionChange || s.includesSecurityWebhooks === true) &&
        Date.parse(s.expirationDateTime) > now,
    );
    await Promise.all(targets.map((s) => this.deliver(s, change, resource)));
  }

  private async deliver(s: StoredSubscription, change: Change, resource: unknown): Promise<void> {
    const item: Record<string, unknown> = {
      id: randomUUID(),
      subscriptionId: s.id,
      subscriptionExpirationDateTime: s.expirationDateTime,
      changeType: change.changeType,
      tenantId: this.options.tenantId,
      ...(s.clientState !== undefined && { clientState: s.clientState }),
      resource: change.resource,
      resourceData: change.resourceData,
      ...(s.includeResourceData && s.encryptionCertificate && { encryptedContent: encrypt(s, resource) }),
    };
    const body = {
      value: [item],
      ...(s.includeResourceData && { validationTokens: [await this.token()] }),
    };
    const delivery: Delivery = {
      id: randomUUID(),
      subscriptionId: s.id,
      url: s.notificationUrl,
      at: new Date().toISOString(),
      body,
      status: 0,
      statuses: [],
    };
    this.deliveries.push(delivery);
    if (this.deliveries.length > 500) this.deliveries.shift();
    // The first try is awaited (the change's author sees it delivered); the retries go on behind.
    const tryOnce = async (attempt: number): Promise<void> => {
      delivery.status = await post(s.notificationUrl, body);
      delivery.statuses.push(delivery.status);
      const delay = retryDelaysSeconds[attempt];
      if ((delivery.status > 0 && delivery.status < 500) || delay === undefined || this.stopped) return;
      const timer = setTimeout(() => {
        this.retries.delete(timer);
        void tryOnce(attempt + 1);
      }, delay * 1000);
      this.retries.add(timer);
    };
    await tryOnce(0);
  }

  /** Stops retrying deliveries (the simulator is stopping). */
  stop(): void {
    this.stopped = true;
    this.retries.forEach(clearTimeout);
    this.retries.clear();
  }

  /** A lifecycle event to a subscription's lifecycle URL; `subscriptionRemoved` removes it first. */
  async lifecycle(id: string, lifecycleEvent: string): Promise<number> {
    const s = this.all.get(id) ?? this.removed.get(id);
    if (!s?.lifecycleNotificationUrl)
      throw new GraphSimulatorError(404, 'ResourceNotFound', `No subscription ${id} with a lifecycle URL.`);
    if (lifecycleEvent === 'subscriptionRemoved' && this.all.has(id)) this.remove(id);
    return post(s.lifecycleNotificationUrl, {
      value: [
        {
          subscriptionId: s.id,
          subscriptionExpirationDateTime: s.expirationDateTime,
          tenantId: this.options.tenantId,
          ...(s.clientState !== undefined && { clientState: s.clientState }),
          lifecycleEvent,
        },
      ],
      validationTokens: [await this.token()],
    });
  }

  list(): Delivery[] {
    return [...this.deliveries];
  }

  /** Sends a recorded delivery again, optionally with a fault; returns the endpoint's status. */
  async redeliver(id: string, fault: Fault): Promise<number> {
    const delivery = this.deliveries.find((d) => d.id === id);
    if (!delivery) throw new GraphSimulatorError(404, 'ResourceNotFound', `No delivery ${id}.`);
    return post(delivery.url, await this.withFault(structuredClone(delivery.body), fault));
  }

  /**
   * What an attacker would send: a notification about a message that does not exist in the
   * tenant, to every live subscription on `collection`, with a fault (forged token, wrong
   * clientState, tampered ciphertext or signature). Graph never delivers this message, so a case
   * from it could only come from accepting the forgery. Returns each endpoint's status.
   */
  async forge(collection: string, resource: Record<string, unknown>, fault: Fault): Promise<number[]> {
    const targets = [...this.all.values()].filter(
      (s) =>
        s.resource.replace(/^\/?/, '/').toLowerCase() === collection.toLowerCase() && s.encryptionCertificate,
    );
    const chatId = String(resource['chatId']);
    const path = `chats('${chatId}')/messages('${String(resource['id'])}')`;
    return Promise.all(
      targets.map(async (s) => {
        const body = {
          value: [
            {
              subscriptionId: s.id,
              changeType: 'created',
              tenantId: this.options.tenantId,
              clientState: s.clientState,
              resource: path,
              resourceData: {
                id: resource['id'],
                '@odata.type': '#Microsoft.Graph.chatMessage',
                '@odata.id': path,
              },
              encryptedContent: encrypt(s, resource),
            } as Record<string, unknown>,
          ],
          validationTokens: [await this.token()],
        };
        return post(s.notificationUrl, await this.withFault(body, fault));
      }),
    );
  }

  private async withFault(body: Delivery['body'], fault: Fault): Promise<Delivery['body']> {
    const item = body.value[0] ?? {};
    const content = item['encryptedContent'] as Record<string, string> | undefined;
    switch (fault) {
      case 'clientState':
        item['clientState'] = 'not-the-subscription-client-state';
        break;
      case 'ciphertext':
        if (content) content['data'] = flipByte(content['data'] ?? '');
        break;
      case 'signature':
        if (content) content['dataSignature'] = flipByte(content['dataSignature'] ?? '');
        break;
      case 'token':
        body.validationTokens = [await this.token(this.forger)];
        break;
      case 'none':
        break;
    }
    return body;
  }

  /** A genuine validation token for this app, as Graph attaches to each delivery. */
  token(forgedWith?: KeyObject): Promise<string> {
    const claims = { azp: graphNotificationPublisher, tid: this.options.tenantId };
    if (!forgedWith) return this.options.sign(claims, this.options.appId);
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
      .setIssuer(`https://sts.windows.net/${this.options.tenantId}/`)
      .setAudience(this.options.appId)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(forgedWith);
  }

  /** For persistence between runs. */
  snapshot(): StoredSubscription[] {
    return [...this.all.values()];
  }

  restore(subscriptions: readonly StoredSubscription[]): void {
    for (const s of subscriptions) this.all.set(s.id, { ...s });
  }
}

function encrypt(s: StoredSubscription, resource: unknown): Record<string, string> {
  return encryptResource(s.encryptionCertificate ?? '', s.encryptionCertificateId ?? '', resource);
}

/**
 * Encrypts a resource as Graph does for a subscription's certificate (base64 DER): the
 * `encryptedContent` of a change notification. Exported for the benchmark, which sends at rates
 * the delivery loop is not built for.
 */
export function encryptResource(
  certificateBase64: string,
  certificateId: string,
  resource: unknown,
): Record<string, string> {
  const cert = new X509Certificate(Buffer.from(certificateBase64, 'base64'));
  const key = randomBytes(32);
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
  const data = Buffer.concat([cipher.update(JSON.stringify(resource), 'utf8'), cipher.final()]);
  return {
    data: data.toString('base64'),
    dataSignature: createHmac('sha256', key).update(data).digest('base64'),
    dataKey: publicEncrypt(
      { key: cert.publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
      key,
    ).toString('base64'),
    encryptionCertificateId: certificateId,
    encryptionCertificateThumbprint: cert.fingerprint.replace(/:/g, ''),
  };
}

function flipByte(b64: string): string {
  const bytes = Buffer.from(b64, 'base64');
  const i = Math.floor(bytes.length / 2);
  bytes[i] = (bytes[i] ?? 0) ^ 0x01;
  return bytes.toString('base64');
}

function decoded(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/** Resource paths compare case-insensitively, with or without the leading slash or escapes. */
function sameResource(a: string, b: string): boolean {
  const normal = (r: string) => decoded(r.replace(/^\/?/, '/')).toLowerCase();
  return normal(a) === normal(b);
}

function lifetimeMinutes(resource: string): number {
  return driveResource.test(resource.replace(/^\/?/, '/')) ? driveLifetimeMinutes : chatLifetimeMinutes;
}

function checkExpiry(iso: string, maxLifetimeMinutes: number): void {
  const at = Date.parse(iso);
  if (at <= Date.now())
    throw new GraphSimulatorError(400, 'InvalidRequest', 'expirationDateTime must be in the future.');
  if (at > Date.now() + maxLifetimeMinutes * 60_000 + 60_000)
    throw new GraphSimulatorError(
      400,
      'InvalidRequest',
      `Subscription expiration can only be ${maxLifetimeMinutes} minutes in the future.`,
    );
}

function checkUrl(url: string): void {
  const u = new URL(url);
  const loopback = u.hostname === '127.0.0.1' || u.hostname === 'localhost';
  if (u.protocol !== 'https:' && !(loopback && u.protocol === 'http:'))
    throw new GraphSimulatorError(
      400,
      'InvalidRequest',
      'The notification URL must use https (http is allowed on loopback in the simulator).',
    );
}

/** The validation handshake: our endpoint must echo the decoded token, as text/plain, in 10 s. */
async function handshake(url: string): Promise<void> {
  const token = `Validation: Testing client application reachability for subscription Request-Id: ${randomUUID()} +&=%`;
  // Graph percent-encodes the token (%20 for spaces), as encodeURIComponent does.
  const target = new URL(url);
  target.search = `${target.search ? `${target.search}&` : '?'}validationToken=${encodeURIComponent(token)}`;
  let ok: boolean;
  try {
    const res = await fetch(target, { method: 'POST', signal: AbortSignal.timeout(10_000) });
    const type = res.headers.get('content-type') ?? '';
    ok = res.status === 200 && type.startsWith('text/plain') && (await res.text()) === token;
  } catch {
    ok = false;
  }
  if (!ok)
    throw new GraphSimulatorError(
      400,
      'ValidationError',
      'Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request.',
    );
}

async function post(url: string, body: unknown): Promise<number> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0;
  }
}
