/** Activities shaped as Microsoft Teams sends them to a bot, for e2e tests. */
import { randomUUID } from 'node:crypto';

export const tenantId = '5a1e0000-0000-4000-8000-00000000c011';

export interface TeamsUser {
  readonly aadObjectId: string;
  readonly name: string;
}

function base(user: TeamsUser, serviceUrl: string, conversation: Record<string, unknown>) {
  return {
    id: `f:${randomUUID()}`,
    timestamp: new Date().toISOString(),
    channelId: 'msteams',
    serviceUrl,
    from: { id: `29:${user.aadObjectId}`, name: user.name, aadObjectId: user.aadObjectId },
    recipient: { id: '28:esafety-bot', name: 'E-Safety' },
    conversation: { tenantId, ...conversation },
    channelData: { tenant: { id: tenantId } },
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

export function message(user: TeamsUser, serviceUrl: string, text: string, conversation = personal(user)) {
  return { ...base(user, serviceUrl, conversation), type: 'message', text };
}

export function cardAction(
  user: TeamsUser,
  serviceUrl: string,
  verb: string,
  data: Record<string, unknown>,
  conversation: Record<string, unknown> = personal(user),
) {
  return {
    ...base(user, serviceUrl, conversation),
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
