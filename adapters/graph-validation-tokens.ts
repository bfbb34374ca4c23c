/**
 * Validation tokens on change notifications with resource data: every JWT in `validationTokens`
 * must be signed by the Microsoft identity platform, unexpired, for our app (`aud`), issued for our
 * tenant, and minted for the Microsoft Graph change-notification publisher (`azp`)
 * (https://learn.microsoft.com/graph/change-notifications-with-resource-data#validating-the-authenticity-of-notifications).
 * Keys come from the identity platform's JWKS (cached, refetched on an unknown key id); locally
 * from the tenant simulator.
 */
import { Agent } from 'node:https';
import { createRemoteJWKSet, errors, jwtVerify } from 'jose';
import { fail } from '../core/errors';

/** The app id Microsoft Graph change notifications are published by. */
export const graphNotificationPublisher = '0bf30f3b-4a52-48df-9a82-234910c4a086';

export interface ValidationTokenSettings {
  /** Our Graph app registration's client id: the tokens' audience. */
  readonly appId: string;
  readonly tenantId: string;
  /** `https://login.microsoftonline.com` in Azure; the simulator locally. */
  readonly authorityHost: string;
  /** PEM of a CA to trust (the local simulator's). */
  readonly extraCa?: string;
}

export class ValidationTokenVerifier {
  private readonly jwks: ReturnType<typeof createRemoteJWKSet>;

  constructor(private readonly settings: ValidationTokenSettings) {
    this.jwks = createRemoteJWKSet(
      new URL(`${settings.authorityHost.replace(/\/$/, '')}/common/discovery/v2.0/keys`),
      {
        timeoutDuration: 2000,
        ...(settings.extraCa && { agent: new Agent({ ca: settings.extraCa }) }),
      },
    );
  }

  /** Resolves when every token is valid; otherwise throws NOTIFICATION_UNAUTHENTIC naming why. */
  async verifyAll(tokens: readonly string[]): Promise<void> {
    if (tokens.length === 0)
      fail('NOTIFICATION_UNAUTHENTIC', 'Resource data arrived without validation tokens.', {
        reason: 'noValidationTokens',
      });
    await Promise.all(tokens.map((t) => this.verify(t)));
  }

  private async verify(token: string): Promise<void> {
    const { appId, tenantId } = this.settings;
    let azp: unknown;
    try {
      const { payload } = await jwtVerify(token, this.jwks, {
        audience: appId,
        issuer: `https://sts.windows.net/${tenantId}/`,
        algorithms: ['RS256'],
        clockTolerance: 300,
      });
      azp = payload['azp'];
    } catch (err) {
      // Key-set fetch failures (network, timeout, a non-200 answer) are ours to retry, not forgeries.
      const upstream =
        !(err instanceof errors.JOSEError) ||
        err instanceof errors.JWKSTimeout ||
        err.code === 'ERR_JOSE_GENERIC';
      if (upstream)
        fail('UPSTREAM_UNAVAILABLE', 'The identity platform signing keys could not be fetched.', {}, err);
      fail('NOTIFICATION_UNAUTHENTIC', 'A validation token is not valid.', { reason: err.code }, err);
    }
    if (azp !== graphNotificationPublisher)
      fail('NOTIFICATION_UNAUTHENTIC', 'The validation token was not issued to Microsoft Graph.', {
        reason: 'azp',
      });
  }
}
