/**
 * The Microsoft Graph application permissions this deployment needs, from its policy pack — the
 * table in docs/permissions.md, as data, so `esafety doctor` can read them off the app's token.
 */
import type { PolicyPack } from '../policy/policy-pack';

export interface GraphPermission {
  readonly role: string;
  /** What needs it, in a few words. */
  readonly for: string;
}

export function requiredGraphPermissions(pack: PolicyPack): GraphPermission[] {
  const watch = new Set(pack.detection.watch);
  return [
    { role: 'GroupMember.Read.All', for: 'roles on case actions, learners, quiz groups' },
    ...(watch.has('chats')
      ? [
          { role: 'Chat.Read.All', for: 'chat monitoring' },
          { role: 'ChatMember.Read.All', for: 'chat members, class lists' },
        ]
      : []),
    ...(watch.has('channels')
      ? [
          { role: 'ChannelMessage.Read.All', for: 'channel monitoring' },
          { role: 'ChannelMember.Read.All', for: 'channel members, class lists' },
        ]
      : []),
    { role: 'Files.ReadWrite.All', for: 'the sharing watch' },
    { role: 'AuditLogsQuery-SharePoint.Read.All', for: 'the sharing audit sweep' },
    { role: 'AuditLogsQuery-OneDrive.Read.All', for: 'the sharing audit sweep' },
  ];
}
