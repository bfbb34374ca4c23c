/**
 * The Microsoft Graph application permissions this deployment needs, from its policy pack — the
 * tables in docs/permissions.md, as data, so `esafety doctor` can read them off the app's token.
 * Each need is met by the least-privileged permission or by a broader one Microsoft documents for
 * the same calls.
 */
import type { PolicyPack } from '../policy/policy-pack';

export interface GraphPermission {
  /** Any one of these roles will do; the first is the least privileged. */
  readonly anyOf: readonly string[];
  /** What needs it, in a few words. */
  readonly for: string;
}

export function requiredGraphPermissions(pack: PolicyPack): GraphPermission[] {
  const watch = new Set(pack.detection.watch);
  const need = (anyOf: string[], what: string): GraphPermission => ({ anyOf, for: what });
  return [
    need(['GroupMember.Read.All', 'Group.Read.All'], 'roles on case actions, learners, quiz groups'),
    ...(watch.has('chats')
      ? [
          need(['Chat.Read.All', 'Chat.ReadWrite.All'], 'chat monitoring'),
          need(['ChatMember.Read.All', 'ChatMember.ReadWrite.All'], 'chat members, class lists'),
        ]
      : []),
    ...(watch.has('channels')
      ? [
          need(['ChannelMessage.Read.All'], 'channel monitoring'),
          need(['ChannelMember.Read.All', 'ChannelMember.ReadWrite.All'], 'channel members, class lists'),
        ]
      : []),
    need(['Files.ReadWrite.All', 'Sites.ReadWrite.All'], 'the sharing watch'),
    need(['AuditLogsQuery-SharePoint.Read.All', 'AuditLogsQuery.Read.All'], 'the sharing audit sweep'),
    need(['AuditLogsQuery-OneDrive.Read.All', 'AuditLogsQuery.Read.All'], 'the sharing audit sweep'),
  ];
}
