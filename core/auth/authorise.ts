/**
 * Who may see and act on a case: members of the Entra groups of its route's roles in the policy
 * pack. The actor always comes from the authenticated activity, never from card data.
 */
import { fail } from '../errors';
import type { PolicyPack } from '../policy/policy-pack';
import { rolesForRoute } from '../policy/routing';

/** Group membership, resolved from Microsoft Graph in production (the adapter caches briefly). */
export interface Directory {
  isMember(userId: string, groupId: string): Promise<boolean>;
}

export async function mayActOnRoute(
  directory: Directory,
  pack: PolicyPack,
  route: string,
  userId: string,
): Promise<boolean> {
  for (const role of rolesForRoute(pack, route)) {
    const groupId = pack.roles[role]?.groupId;
    if (groupId && (await directory.isMember(userId, groupId))) return true;
  }
  return false;
}

/** Routes whose cases this user may act on. */
export async function routesFor(directory: Directory, pack: PolicyPack, userId: string): Promise<string[]> {
  const routes: string[] = [];
  for (const route of Object.keys(pack.routes)) {
    if (await mayActOnRoute(directory, pack, route, userId)) routes.push(route);
  }
  return routes;
}

export async function assertMayActOnRoute(
  directory: Directory,
  pack: PolicyPack,
  route: string,
  userId: string,
): Promise<void> {
  if (!(await mayActOnRoute(directory, pack, route, userId))) {
    fail('NOT_AUTHORISED', 'Only the safeguarding team for this case can see or act on it.', {
      route,
      actorId: userId,
    });
  }
}
