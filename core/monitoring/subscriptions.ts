/**
 * Keeping Microsoft Graph subscriptions alive: the resources the policy pack watches each have
 * exactly one subscription to our notification URL, renewed well before it expires. Graph lists
 * the app's subscriptions (`GET /subscriptions`), so the list is the state: nothing else is
 * stored, and a reconcile run repairs whatever a crash, a `subscriptionRemoved` or an operator
 * left behind.
 */
import type { Clock } from '../clock';
import type { Logger } from '../logger';
import type { PolicyPack } from '../policy/policy-pack';

export interface Subscription {
  readonly id: string;
  readonly resource: string;
  readonly notificationUrl: string;
  readonly lifecycleNotificationUrl?: string;
  readonly expirationDateTime: string;
}

export interface NewSubscription {
  readonly resource: string;
  readonly notificationUrl: string;
  readonly lifecycleNotificationUrl: string;
  readonly expirationDateTime: string;
}

/** Graph's subscription API; the adapter adds change types, encryption and clientState. */
export interface SubscriptionGateway {
  list(): Promise<Subscription[]>;
  create(request: NewSubscription): Promise<Subscription>;
  renew(id: string, expirationDateTime: string): Promise<Subscription>;
  reauthorize(id: string): Promise<void>;
  remove(id: string): Promise<void>;
}

export interface SubscriptionPlan {
  readonly notificationUrl: string;
  readonly lifecycleNotificationUrl: string;
  readonly resources: readonly string[];
}

/**
 * Teams chatMessage subscriptions may last up to 4,320 minutes
 * (https://learn.microsoft.com/graph/api/resources/subscription#subscription-lifetime).
 * We ask for a day and renew with half a day left, so one missed timer run never lets one lapse.
 */
const subscriptionLifetimeMinutes = 24 * 60;
const renewWithinMinutes = 12 * 60;

const resourceFor = { chats: '/chats/getAllMessages', channels: '/teams/getAllMessages' } as const;

export function subscriptionPlan(pack: PolicyPack, publicUrl: string): SubscriptionPlan {
  const base = publicUrl.replace(/\/$/, '');
  return {
    notificationUrl: `${base}/api/graph/notify`,
    lifecycleNotificationUrl: `${base}/api/graph/lifecycle`,
    resources: [
      ...pack.detection.watch.map((w) => resourceFor[w]),
      // The libraries watched for sharing through the fast path (core/sharing/sharing-watch.ts).
      ...pack.sharing.sensitiveDrives.map((d) => `/drives/${d.id}/root`),
    ],
  };
}

export interface ReconcileReport {
  readonly created: string[];
  readonly renewed: string[];
  readonly kept: string[];
  readonly removed: string[];
}

export async function reconcileSubscriptions(
  gateway: SubscriptionGateway,
  plan: SubscriptionPlan,
  clock: Clock,
  log: Logger,
): Promise<ReconcileReport> {
  const now = clock.now().getTime();
  const expiry = () => new Date(clock.now().getTime() + subscriptionLifetimeMinutes * 60_000).toISOString();
  const ours = (await gateway.list()).filter((s) => sameUrl(s.notificationUrl, plan.notificationUrl));
  const report: ReconcileReport = { created: [], renewed: [], kept: [], removed: [] };
  for (const resource of plan.resources) {
    const [keep, ...extra] = ours
      .filter((s) => sameResource(s.resource, resource) && Date.parse(s.expirationDateTime) > now)
      .sort((a, b) => Date.parse(b.expirationDateTime) - Date.parse(a.expirationDateTime));
    for (const s of extra) {
      await gateway.remove(s.id);
      report.removed.push(s.id);
    }
    if (!keep) {
      const created = await gateway.create({
        resource,
        notificationUrl: plan.notificationUrl,
        lifecycleNotificationUrl: plan.lifecycleNotificationUrl,
        expirationDateTime: expiry(),
      });
      report.created.push(created.id);
    } else if (Date.parse(keep.expirationDateTime) - now < renewWithinMinutes * 60_000) {
      await gateway.renew(keep.id, expiry());
      report.renewed.push(keep.id);
    } else {
      report.kept.push(keep.id);
    }
  }
  for (const s of ours) {
    if (!plan.resources.some((r) => sameResource(s.resource, r))) {
      await gateway.remove(s.id);
      report.removed.push(s.id);
    }
  }
  log.info(
    {
      created: report.created.length,
      renewed: report.renewed.length,
      kept: report.kept.length,
      removed: report.removed.length,
      event: 'subscriptions.reconciled',
    },
    'Graph subscriptions reconciled',
  );
  return report;
}

/** Renews one subscription now (after `reauthorizationRequired`). */
export async function reauthorizeSubscription(
  gateway: SubscriptionGateway,
  id: string,
  clock: Clock,
): Promise<void> {
  await gateway.reauthorize(id);
  await gateway.renew(
    id,
    new Date(clock.now().getTime() + subscriptionLifetimeMinutes * 60_000).toISOString(),
  );
}

function sameResource(a: string, b: string): boolean {
  return a.replace(/^\//, '').toLowerCase() === b.replace(/^\//, '').toLowerCase();
}

function sameUrl(a: string, b: string): boolean {
  return a.replace(/\/$/, '').toLowerCase() === b.replace(/\/$/, '').toLowerCase();
}
