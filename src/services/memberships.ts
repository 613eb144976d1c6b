import type { Membership, MembershipPair, User } from '../domain/types.js';
import type { ServiceContext } from './context.js';
import { assertMayReadGroup, assertMayReadUser } from './read-policy.js';

/** Who is in which group, read: members of a group, groups of a user, counts (the writes are in groups.ts). */

/** Members of a group, keyset-paginated by user id; works for groups of any size. */
export async function listGroupMembers(
  ctx: ServiceContext,
  groupId: string,
  opts: { afterUserId?: string | undefined; limit: number },
): Promise<Membership[]> {
  await assertMayReadGroup(ctx, groupId);
  return ctx.db.memberships.listByGroup(groupId, opts);
}

export async function countGroupMembers(ctx: ServiceContext, groupId: string): Promise<number> {
  return ctx.db.memberships.countByGroup(groupId);
}

/** Member counts of several groups in one database command (for DataLoaders); absent = no members. */
export async function countMembersOfGroups(
  ctx: ServiceContext,
  groupIds: readonly string[],
): Promise<Map<string, number>> {
  return ctx.db.memberships.countByGroups(groupIds);
}

export async function listUserGroupMemberships(
  ctx: ServiceContext,
  userId: string,
  opts: { afterGroupId?: string | undefined; limit: number },
): Promise<Membership[]> {
  assertMayReadUser(ctx, userId, 'groups');
  return ctx.db.memberships.listByUser(userId, opts);
}

/** Which groups these users are in, in one query (for DataLoaders). */
export async function listMembershipsOfUsers(
  ctx: ServiceContext,
  userIds: readonly string[],
): Promise<MembershipPair[]> {
  for (const id of userIds) assertMayReadUser(ctx, id, 'groups');
  return ctx.db.memberships.listByUsers(userIds);
}

export async function isMember(ctx: ServiceContext, groupId: string, userId: string): Promise<boolean> {
  return ctx.db.memberships.has(groupId, userId);
}

/** Members of a group with their user records (SCIM `members`), at most `limit`. */
export async function listGroupMemberUsers(
  ctx: ServiceContext,
  groupId: string,
  limit: number,
): Promise<User[]> {
  const repos = ctx.db;
  const ids = await repos.memberships.userIdsOfGroup(groupId, limit);
  return repos.users.findByIds(ids);
}
