/**
 * The Teams surface, by surface: text commands (commands.ts), card actions (card-actions.ts), the
 * "Report this message" extension (message-extension.ts) and install events. This class only
 * routes Teams' protocol names to those handlers; a new feature adds a handler, not a branch here.
 */
import {
  TeamsActivityHandler,
  type AdaptiveCardInvokeResponse,
  type AdaptiveCardInvokeValue,
  type MessagingExtensionAction,
  type MessagingExtensionActionResponse,
  type TurnContext,
} from 'botbuilder';
import { helpCard } from '../cards/message/message';
import type { Logger } from '../core/logger';
import { onCardAction } from './card-actions';
import { runCommand } from './commands';
import { reportMessageDialog, submitReportedMessage } from './message-extension';
import { rememberUser, sendCard, turnLog, type BotDeps } from './turn';

export type { BotDeps } from './turn';

export class EsafetyBot extends TeamsActivityHandler {
  constructor(private readonly deps: BotDeps) {
    super();

    this.onMessage(async (context, next) => {
      await rememberUser(context, deps);
      await runCommand(context, deps, this.logFor(context));
      await next();
    });
    // Installed in a personal scope or a team: say what the bot does.
    this.onInstallationUpdateAdd(async (context, next) => {
      await rememberUser(context, deps);
      await sendCard(context, helpCard(deps.pack));
      await next();
    });
  }

  protected override onAdaptiveCardInvoke(
    context: TurnContext,
    invoke: AdaptiveCardInvokeValue,
  ): Promise<AdaptiveCardInvokeResponse> {
    return onCardAction(context, invoke, this.deps, this.logFor(context));
  }

  protected override handleTeamsMessagingExtensionFetchTask(
    context: TurnContext,
    action: MessagingExtensionAction,
  ): Promise<MessagingExtensionActionResponse> {
    return Promise.resolve(reportMessageDialog(context, action, this.deps, this.logFor(context)));
  }

  protected override handleTeamsMessagingExtensionSubmitAction(
    context: TurnContext,
    action: MessagingExtensionAction,
  ): Promise<MessagingExtensionActionResponse> {
    return submitReportedMessage(context, action, this.deps, this.logFor(context));
  }

  /** The invocation's logger (with its id) when the endpoint gave one, as the bot's component. */
  private logFor(context: TurnContext): Logger {
    return turnLog(context, this.deps.log).child({ component: 'bot' });
  }
}
