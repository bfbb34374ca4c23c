/**
 * "Report this message" (a message-extension action on any Teams message): the report form,
 * pre-filled from the message, in a dialog; its submission is a report like any other.
 */
import {
  CardFactory,
  type MessagingExtensionAction,
  type MessagingExtensionActionResponse,
  type TurnContext,
} from 'botbuilder';
import { convert } from 'html-to-text';
import type { AdaptiveCard } from '../cards/adaptive-card';
import { reportFormCard } from '../cards/report-form/report-form';
import { messageCommands } from '../cards/verbs';
import { fail } from '../core/errors';
import type { Logger } from '../core/logger';
import { errorCard, submitReport } from './card-actions';
import { actorOf, type BotDeps } from './turn';

export function reportMessageDialog(
  context: TurnContext,
  action: MessagingExtensionAction,
  deps: BotDeps,
  log: Logger,
): MessagingExtensionActionResponse {
  if (action.commandId !== messageCommands.reportMessage) return {};
  const message = action.messagePayload;
  const body = message?.body?.content ?? '';
  const plainText = message?.body?.contentType === 'html' ? convert(body, { wordwrap: false }) : body;
  const author = message?.from?.user?.displayName ?? 'unknown';
  const link = message?.linkToMessage?.startsWith('https://') ? message.linkToMessage.slice(0, 400) : '';
  const when = message?.createdDateTime ? ` on ${message.createdDateTime.slice(0, 10)}` : '';
  const card = reportFormCard(deps.pack, {
    mode: 'submit',
    source: `Reporting a message by ${author}${when}.`,
    values: {
      description: `Message from ${author}${when}:\n"${plainText.slice(0, 3300)}"${link ? `\nLink: ${link}` : ''}`,
      platform: 'Microsoft Teams',
      ...(message?.createdDateTime && { occurredAt: message.createdDateTime.slice(0, 10) }),
    },
  });
  log.info(
    { event: 'report.fromMessage', actorId: actorOf(context)?.id, messageId: message?.id },
    'report dialog opened',
  );
  return dialog(card);
}

export async function submitReportedMessage(
  context: TurnContext,
  action: MessagingExtensionAction,
  deps: BotDeps,
  log: Logger,
): Promise<MessagingExtensionActionResponse> {
  const actor = actorOf(context);
  const data = (action.data ?? {}) as Record<string, unknown>;
  const turn = log.child({ activityId: context.activity.id });
  try {
    if (!actor) fail('NOT_AUTHORISED', 'Your Teams account could not be identified.');
    return dialog(await submitReport(context, deps, turn, actor, data, 'submit'));
  } catch (err) {
    return dialog(errorCard(err, turn, context.activity.id ?? ''));
  }
}

/** A message-extension dialog showing a card. */
function dialog(card: AdaptiveCard): MessagingExtensionActionResponse {
  return {
    task: {
      type: 'continue',
      value: {
        title: 'Report a concern',
        height: 'large',
        width: 'medium',
        card: CardFactory.adaptiveCard(card),
      },
    },
  };
}
