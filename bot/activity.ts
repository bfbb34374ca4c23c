/**
 * The shape every inbound activity must have before the bot sees it. botbuilder trusts the JSON it
 * is given: a message without `conversation` made its error handler throw, an invoke with an
 * unknown name got a 501, and an `adaptiveCard/action` without `conversation` was acted on. Here a
 * malformed activity is refused at the edge (400, logged) and changes nothing.
 * https://learn.microsoft.com/azure/bot-service/rest-api/bot-framework-rest-connector-api-reference#activity-object
 */
import { z } from 'zod';

/** The invokes this app answers: card actions and the "Report this message" extension. */
const invokeNames = [
  'adaptiveCard/action',
  'composeExtension/fetchTask',
  'composeExtension/submitAction',
] as const;

const account = z.looseObject({ id: z.string().min(1) });

export const activitySchema = z
  .looseObject({
    type: z.string().min(1).max(64),
    id: z.string().max(256).optional(),
    name: z.string().max(128).optional(),
    channelId: z.string().min(1).max(64),
    serviceUrl: z.string().min(1).max(2048),
    conversation: z.looseObject({ id: z.string().min(1).max(1024) }),
    from: account.optional(),
    recipient: account.optional(),
  })
  .superRefine((a, ctx) => {
    if ((a.type === 'message' || a.type === 'invoke') && !a.from)
      ctx.addIssue({ code: 'custom', path: ['from'], message: 'a message or invoke names who sent it' });
    if (a.type === 'invoke' && !invokeNames.includes(a.name as (typeof invokeNames)[number]))
      ctx.addIssue({ code: 'custom', path: ['name'], message: 'not an invoke this app answers' });
  });
