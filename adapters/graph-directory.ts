/**
 * Group membership from Microsoft Graph: `POST /users/{id}/checkMemberGroups` answers, for a list
 * of groups, which ones the user belongs to (transitively) in one call
 * (https://learn.microsoft.com/graph/api/directoryobject-checkmembergroups). Answers are cached
 * briefly so a DSL clicking through a card does not cost a Graph call per click; a change of
 * membership takes effect within the cache time. Permission: GroupMember.Read.All (application).
 */
import type { Client } from '@microsoft/microsoft-graph-client';
import { LRUCache } from 'lru-cache';
import type { Directory } from '../core/auth/authorise';
import type { GroupMembers } from '../core/quizzes/quiz-service';
import { allPages, graphCall } from './graph-gateway';
import { fail, httpStatusOf } from '../core/errors';
import type { Logger } from '../core/logger';

export class GraphDirectory implements Directory {
  private readonly cache: LRUCache<string, boolean>;

  constructor(
    private readonly graph: Client,
    private readonly groupIds: readonly string[],
    private readonly log: Logger,
    ttlMs = 5 * 60_000,
  ) {
    this.cache = new LRUCache({ max: 10_000, ttl: ttlMs });
  }

  async isMember(userId: string, groupId: string): Promise<boolean> {
    const key = `${userId}/${groupId}`;
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached;
    const groups = this.groupIds.includes(groupId) ? this.groupIds : [...this.groupIds, groupId];
    let member: string[];
    try {
      const res = (await this.graph
        .api(`/users/${encodeURIComponent(userId)}/checkMemberGroups`)
        .version('v1.0')
        .post({ groupIds: groups })) as { value?: string[] };
      member = res.value ?? [];
    } catch (err) {
      const status = httpStatusOf(err);
      if (status === 404)
        member = []; // not a user in this tenant: a member of nothing
      else {
        this.log.error({ event: 'graph.membershipFailed', status, userId }, 'group membership check failed');
        return fail(
          'UPSTREAM_UNAVAILABLE',
          'Microsoft Graph could not be reached to check your role. Try again in a moment.',
          { status },
          err,
        );
      }
    }
    for (const g of groups) this.cache.set(`${userId}/${g}`, member.includes(g));
    return member.includes(groupId);
  }
}

/**
 * A group's members from Microsoft Graph, `GET /groups/{id}/members` paged
 * (https://learn.microsoft.com/graph/api/group-list-members): the people a staff refresher is sent
 * to. Users only (nested groups and devices are left out). Permission: GroupMember.Read.All.
 */
export class GraphGroupMembers implements GroupMembers {
  constructor(private readonly graph: Client) {}

  async members(groupId: string): Promise<{ id: string; name?: string }[]> {
    const raw = await graphCall(
      () =>
        allPages<{ '@odata.type'?: string; id?: string; displayName?: string | null }>(
          this.graph,
          `/groups/${encodeURIComponent(groupId)}/members?$select=id,displayName`,
        ),
      'read group members',
    );
    return raw
      .filter((m) => m['@odata.type'] === '#microsoft.graph.user' && typeof m.id === 'string')
      .map((m) => ({ id: m.id as string, ...(m.displayName ? { name: m.displayName } : {}) }));
  }
}
