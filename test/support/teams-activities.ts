/** Activities shaped as Microsoft Teams sends them to a bot, for e2e tests. */
import { randomUUID } from 'node:crypto';

export const tenantId = '5a1e0000-0000-4000-8000-00000000c011';

/** A complete report form as a member of staff submits it: grooming of an under-18 learner. */
export const groomingReport = {
  subjectType: 'learner',
  subjectName: 'Lee Learner',
  under18: 'yes',
  category: 'contact',
  subcategory: 'grooming',
  description: 'Lee showed me messages from an adult asking to keep their chats secret.',
  immediateRisk: 'false',
};

export interface TeamsUser {
  readonly aadObjectId: string;
  readonly name: string;
}

/** What Teams puts in `channelData` beside the tenant (a channel message names its team and channel). */
type ChannelData = Record<string, unknown>;

function base(
  user: TeamsUser,
  serviceUrl: string,
  conversation: Record<string, unknown>,
  channelData: ChannelData = {},
) {
  return {
    id: `f:${randomUUID()}`,
    timestamp: new Date().toISOString(),
    channelId: 'msteams',
    serviceUrl,
    from: { id: `29:${user.aadObjectId}`, name: user.name, aadObjectId: user.aadObjectId },
    recipient: { id: '28:esafety-bot', name: 'E-Safety' },
    conversation: { tenantId, ...conversation },
    channelData: { ...channelData, tenant: { id: tenantId } },
  };
}

export const personal = (user: TeamsUser) => ({
  id: `a:personal-${user.aadObjectId}`,
  conversationType: 'personal',
});
export const dslChannel = {
  id: '19:dsl-channel@thread.tacv2;messageid=1',
  conversationType: 'channel',
  isGroup: true,
};

export function message(
  user: TeamsUser,
  serviceUrl: string,
  text: string,
  conversation: Record<string, unknown> = personal(user),
  channelData?: ChannelData,
) {
  return { ...base(user, serviceUrl, conversation, channelData), type: 'message', text };
}

/** A class team's General channel, as Teams describes a message in one of its threads. */
export const classChannel = {
  conversation: {
    id: '19:class-team@thread.tacv2;messageid=1700000000001',
    conversationType: 'channel',
    isGroup: true,
  },
  channelData: {
    team: { id: '19:class-team@thread.tacv2', name: 'Level 3 IT' },
    channel: { id: '19:class-team@thread.tacv2', name: 'General' },
  },
} as const;

export function cardAction(
  user: TeamsUser,
  serviceUrl: string,
  verb: string,
  data: Record<string, unknown>,
  conversation: Record<string, unknown> = personal(user),
  channelData?: ChannelData,
) {
  return {
    ...base(user, serviceUrl, conversation, channelData),
    type: 'invoke',
    name: 'adaptiveCard/action',
    value: { action: { type: 'Action.Execute', id: randomUUID(), verb, data }, trigger: 'manual' },
  };
}

export function messageExtension(
  user: TeamsUser,
  serviceUrl: string,
  name: 'composeExtension/fetchTask' | 'composeExtension/submitAction',
  value: Record<string, unknown>,
) {
  return {
    ...base(user, serviceUrl, { id: '19:chat@thread.v2', conversationType: 'groupChat' }),
    type: 'invoke',
    name,
    value,
  };
}
