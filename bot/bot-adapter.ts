/**
 * The Bot Framework CloudAdapter. With an app id, every inbound request's Bot Framework JWT is
 * validated and outbound calls are authenticated; without one (local mode only) it runs anonymous,
 * as the Agents Playground and most e2e tests need.
 *
 * Locally the same check can run against the tenant simulator's channel (`localChannel`): botbuilder's
 * own validation, configured with that channel's OpenID metadata, and the bot's own tokens from the
 * simulator through msal-node — everything else as in Azure.
 *
 * Fetching the channel's signing keys has a deadline (`keyFetchDeadlineMs`): botbuilder's fetch has
 * none, and a caller left waiting on it would hold the request until the channel gives up.
 */
import { ConfidentialClientApplication, type INetworkModule } from '@azure/msal-node';
import {
  CallerIdConstants,
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  ConfigurationServiceClientCredentialFactory,
  StatusCodes,
  type Activity,
  type TurnContext,
} from 'botbuilder';
import {
  AuthenticationConstants,
  AuthenticationError,
  BotFrameworkAuthentication,
  MsalServiceClientCredentialsFactory,
  type AuthenticateRequestResult,
  type ClaimsIdentity,
  type ConnectorFactory,
  type UserTokenClient,
} from 'botframework-connector';
import { fail, toEsafetyError } from '../core/errors';
import type { Logger } from '../core/logger';

export interface BotSettings {
  readonly appId?: string;
  readonly appPassword?: string;
  readonly tenantId?: string;
  readonly appType: 'SingleTenant' | 'MultiTenant' | 'UserAssignedMSI';
  readonly localChannel?: { readonly openIdMetadataUrl: string; readonly authorityHost: string };
}

/** How long an inbound request may wait for the channel's signing keys before it is answered 503. */
export const keyFetchDeadlineMs = 4_000;

/**
 * The error text a request ends with when the channel's signing keys could not be had — too slow,
 * unreachable, or answered with an error (bot-messages.ts answers 503: the channel may retry).
 */
export const keysUnavailable = 'The Bot Framework signing keys could not be fetched.';

export function createBotAdapter(
  settings: BotSettings,
  log: Logger,
  options: {
    /** How the bot's own token requests reach the local authority (one trusting its CA). */
    readonly network?: INetworkModule;
    readonly keyDeadlineMs?: number;
  } = {},
): CloudAdapter {
  const adapter = new CloudAdapter(
    withDeadline(authentication(settings, options.network), options.keyDeadlineMs ?? keyFetchDeadlineMs),
  );
  adapter.onTurnError = async (context: TurnContext, error: Error) => {
    const e = toEsafetyError(error);
    log.error(
      {
        event: 'bot.turnError',
        code: e.code,
        activityType: context.activity.type,
        activityId: context.activity.id,
      },
      'turn failed',
    );
    if (context.activity.type === 'message') {
      await context.sendActivity(
        'Something went wrong and nothing was changed. Please try again; if it keeps happening, tell IT.',
      );
    }
  };
  return adapter;
}

function authentication(
  settings: BotSettings,
  network: INetworkModule | undefined,
): BotFrameworkAuthentication {
  // No app id = anonymous (local only): botbuilder then neither validates nor sends tokens.
  if (settings.appId === undefined) return new ConfigurationBotFrameworkAuthentication({});
  const options = {
    MicrosoftAppId: settings.appId,
    MicrosoftAppPassword: settings.appPassword,
    MicrosoftAppTenantId: settings.tenantId,
    MicrosoftAppType: settings.appType,
  };
  const local = settings.localChannel;
  if (!local)
    return new ConfigurationBotFrameworkAuthentication(
      options,
      new ConfigurationServiceClientCredentialFactory(options),
    );
  // Public Azure's settings (botframework-connector's defaults) but for whose keys are trusted.
  const tenantId = settings.tenantId ?? 'botframework.com';
  const msal = new ConfidentialClientApplication({
    auth: {
      clientId: settings.appId,
      clientSecret: settings.appPassword ?? '',
      authority: `${local.authorityHost.replace(/\/$/, '')}/${tenantId}`,
      knownAuthorities: [new URL(local.authorityHost).host],
    },
    system: network ? { networkClient: network } : {},
  });
  return new ConfigurationBotFrameworkAuthentication(
    {
      ...options,
      ValidateAuthority: true,
      ToChannelFromBotLoginUrl: `${AuthenticationConstants.ToChannelFromBotLoginUrlPrefix}${tenantId}`,
      ToChannelFromBotOAuthScope: AuthenticationConstants.ToChannelFromBotOAuthScope,
      ToBotFromChannelTokenIssuer: AuthenticationConstants.ToBotFromChannelTokenIssuer,
      OAuthUrl: AuthenticationConstants.OAuthUrl,
      ToBotFromChannelOpenIdMetadataUrl: local.openIdMetadataUrl,
      // Tokens claiming the Emulator's issuers are checked against the same keys, so refused too.
      ToBotFromEmulatorOpenIdMetadataUrl: local.openIdMetadataUrl,
      CallerId: CallerIdConstants.PublicAzureChannel,
    },
    // botframework-connector pins its own msal-node; it calls only acquireTokenByClientCredential.
    new MsalServiceClientCredentialsFactory(
      settings.appId,
      msal as unknown as ConstructorParameters<typeof MsalServiceClientCredentialsFactory>[1],
    ),
  );
}

/** jsonwebtoken's errors for a token that is not valid, which botbuilder passes on as they are. */
const invalidTokenErrors = new Set(['JsonWebTokenError', 'NotBeforeError', 'TokenExpiredError']);

/**
 * The same authentication, but a request whose check is still waiting after `deadlineMs` (the
 * signing keys not fetched) fails with `keysUnavailable`; the check then finishing late changes
 * nothing, since the turn runs only on this promise. A token whose signature does not verify is a
 * 401 like any other refused token (botbuilder lets jsonwebtoken's error through, which would be a 500).
 */
function withDeadline(inner: BotFrameworkAuthentication, deadlineMs: number): BotFrameworkAuthentication {
  const deadline = <T>(work: Promise<T>): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(keysUnavailable)), deadlineMs);
    });
    const checked = work.catch((err: unknown) => {
      if (err instanceof Error && invalidTokenErrors.has(err.name))
        throw new AuthenticationError(`Unauthorized. ${err.message}`, StatusCodes.UNAUTHORIZED);
      // A refusal stays a refusal (401). Anything else here is fetching the keys failing (botbuilder
      // reports a key server's error as an AuthenticationError with status 500, which would be a
      // 401): the caller should try again, not be told it is not authenticated.
      if (err instanceof AuthenticationError && err.statusCode < 500) throw err;
      return fail('UPSTREAM_UNAVAILABLE', keysUnavailable, {}, err);
    });
    return Promise.race([checked, late]).finally(() => clearTimeout(timer));
  };
  return new (class extends BotFrameworkAuthentication {
    authenticateRequest(activity: Activity, authHeader: string): Promise<AuthenticateRequestResult> {
      return deadline(inner.authenticateRequest(activity, authHeader));
    }
    authenticateStreamingRequest(authHeader: string, channelIdHeader: string) {
      return deadline(inner.authenticateStreamingRequest(authHeader, channelIdHeader));
    }
    override authenticateChannelRequest(authHeader: string): Promise<ClaimsIdentity> {
      return deadline(inner.authenticateChannelRequest(authHeader));
    }
    createConnectorFactory(claimsIdentity: ClaimsIdentity): ConnectorFactory {
      return inner.createConnectorFactory(claimsIdentity);
    }
    createUserTokenClient(claimsIdentity: ClaimsIdentity): Promise<UserTokenClient> {
      return inner.createUserTokenClient(claimsIdentity);
    }
    override createBotFrameworkClient() {
      return inner.createBotFrameworkClient();
    }
    override getOriginatingAudience(): string {
      return inner.getOriginatingAudience();
    }
  })();
}
