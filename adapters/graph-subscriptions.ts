/**
 * Microsoft Graph subscriptions (https://learn.microsoft.com/graph/api/resources/subscription):
 * every subscription asks for resource data (`includeResourceData`), carries our encryption
 * certificate and clientState, and a lifecycle URL — required for rich notifications on Teams
 * messages (https://learn.microsoft.com/graph/change-notifications-lifecycle-events).
 */
import type { Client } from '@microsoft/microsoft-graph-client';
import type { NewSubscription, Subscription, SubscriptionGateway } from '../core/monitoring/subscriptions';
import { allPages, graphCall } from './graph-gateway';
import type { NotificationCertificate } from './graph-notification-crypto';

export class GraphSubscriptions implements SubscriptionGateway {
  constructor(
    private readonly graph: Client,
    private readonly options: { readonly clientState: string; readonly certificate: NotificationCertificate },
  ) {}

  list(): Promise<Subscription[]> {
    return graphCall(() => allPages<Subscription>(this.graph, '/subscriptions'), 'list subscriptions');
  }

  create(request: NewSubscription): Promise<Subscription> {
    const { clientState, certificate } = this.options;
    if (isDriveResource(request.resource))
      // A drive: no resource data, and permission changes notify only with security webhooks
      // (https://learn.microsoft.com/graph/api/resources/driveitem#subscriptions,
      // https://learn.microsoft.com/graph/change-notifications-overview#notifications-for-permission-changes).
      return graphCall(
        () =>
          this.graph
            .api('/subscriptions')
            .version('v1.0')
            .header('Prefer', 'includesecuritywebhooks')
            .post({
              changeType: 'updated',
              ...request,
              clientState,
              latestSupportedTlsVersion: 'v1_2',
            }) as Promise<Subscription>,
        'create a drive subscription',
      );
    return graphCall(
      () =>
        this.graph
          .api('/subscriptions')
          .version('v1.0')
          .post({
            changeType: 'created,updated',
            ...request,
            includeResourceData: true,
            encryptionCertificate: certificate.certificateBase64,
            encryptionCertificateId: certificate.id,
            clientState,
            latestSupportedTlsVersion: 'v1_2',
          }) as Promise<Subscription>,
      'create a subscription',
    );
  }

  renew(id: string, expirationDateTime: string): Promise<Subscription> {
    return graphCall(
      () =>
        this.graph
          .api(`/subscriptions/${encodeURIComponent(id)}`)
          .version('v1.0')
          .patch({ expirationDateTime }) as Promise<Subscription>,
      'renew a subscription',
    );
  }

  async reauthorize(id: string): Promise<void> {
    await graphCall(
      () =>
        this.graph
          .api(`/subscriptions/${encodeURIComponent(id)}/reauthorize`)
          .version('v1.0')
          .post({}) as Promise<unknown>,
      'reauthorize a subscription',
    );
  }

  async remove(id: string): Promise<void> {
    await graphCall(
      () =>
        this.graph
          .api(`/subscriptions/${encodeURIComponent(id)}`)
          .version('v1.0')
          .delete() as Promise<unknown>,
      'delete a subscription',
    );
  }
}

/** `/drives/{id}/root`: a drive watched for sharing changes. */
export function isDriveResource(resource: string): boolean {
  return /^\/?drives\/[^/]+\/root$/i.test(resource);
}
