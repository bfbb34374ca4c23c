/**
 * A Bot Connector token for the bot's identity, as botbuilder gets one to reply — so `esafety
 * doctor` can say whether the bot can post before anyone waits on a card. A secret-based app asks
 * Entra (msal-node, client credentials); a user-assigned managed identity asks the platform
 * (@azure/identity). https://learn.microsoft.com/azure/bot-service/bot-builder-authentication
 */
import { ManagedIdentityCredential } from '@azure/identity';
import { ConfidentialClientApplication } from '@azure/msal-node';
import { fail } from '../core/errors';
import { msalNetwork } from './graph-gateway';

export const botConnectorScope = 'https://api.botframework.com/.default';

export interface BotIdentity {
  readonly appId: string;
  readonly appPassword?: string;
  readonly tenantId?: string;
  readonly appType: 'SingleTenant' | 'MultiTenant' | 'UserAssignedMSI';
  /** Locally: the tenant simulator's authority, and its CA. */
  readonly authorityHost?: string;
  readonly ca?: string;
}

export async function botConnectorToken(bot: BotIdentity): Promise<string> {
  if (bot.appType === 'UserAssignedMSI') {
    const token = await new ManagedIdentityCredential({ clientId: bot.appId }).getToken(botConnectorScope);
    return token.token;
  }
  const host = (bot.authorityHost ?? 'https://login.microsoftonline.com').replace(/\/$/, '');
  const msal = new ConfidentialClientApplication({
    auth: {
      clientId: bot.appId,
      clientSecret: bot.appPassword ?? fail('CONFIG_INVALID', 'ESAFETY_BOT_APP_PASSWORD is not set.'),
      authority: `${host}/${bot.tenantId ?? 'botframework.com'}`,
      ...(bot.authorityHost && { knownAuthorities: [new URL(host).host] }),
    },
    system: bot.ca ? { networkClient: msalNetwork(bot.ca) } : {},
  });
  const result = await msal.acquireTokenByClientCredential({ scopes: [botConnectorScope] });
  return result?.accessToken ?? fail('UPSTREAM_UNAVAILABLE', 'No Bot Connector token was issued.');
}
