/**
 * The Bot Framework CloudAdapter. With an app id, every inbound request's Bot Framework JWT is
 * validated and outbound calls are authenticated; without one (local mode only) it runs anonymous,
 * as the Agents Playground and the e2e tests need.
 */
import {
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  ConfigurationServiceClientCredentialFactory,
  type TurnContext,
} from 'botbuilder';
import { toEsafetyError } from '../core/errors';
import type { Logger } from '../core/logger';

export interface BotSettings {
  readonly appId?: string;
  readonly appPassword?: string;
  readonly tenantId?: string;
  readonly appType: 'SingleTenant' | 'MultiTenant' | 'UserAssignedMSI';
}

export function createBotAdapter(settings: BotSettings, log: Logger): CloudAdapter {
  // No app id = anonymous (local only): botbuilder then neither validates nor sends tokens.
  const options =
    settings.appId === undefined
      ? {}
      : {
          MicrosoftAppId: settings.appId,
          MicrosoftAppPassword: settings.appPassword,
          MicrosoftAppTenantId: settings.tenantId,
          MicrosoftAppType: settings.appType,
        };
  const adapter = new CloudAdapter(
    new ConfigurationBotFrameworkAuthentication(
      options,
      new ConfigurationServiceClientCredentialFactory(options),
    ),
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
