import type { GraphQLResolveInfo } from 'graphql';
import { InvalidInputError } from '../../domain/errors.js';
import type { Group, MembershipPair, User, Workspace } from '../../domain/types.js';
import { listEffectiveMembersOf } from '../../services/access.js';
import { countGroups, groupSortKey, listGroupsAfter } from '../../services/groups.js';
import { listGroupMembers, listUserGroupMemberships } from '../../services/memberships.js';
import { listProvisioningLog } from '../../services/provisioning-log.js';
import { countDirectReports, listDirectReports } from '../../services/org-chart.js';
import { countUsers, listUsersAfter, userSortKey } from '../../services/users.js';
import { listWorkspaces, workspaceSortKey } from '../../services/workspaces.js';
import type { GraphqlContext } from '../context.js';
import type { GroupFilter, InputMaybe, ProvisioningLogFilter, UserFilter } from '../../generated/graphql.js';
import { groupFilter, opt, userFilter } from '../inputs.js';
import { userAttributesShown } from '../selection.js';
import type {
  GroupConnectionParent,
  GroupMemberConnectionParent,
  ProvisioningLogConnectionParent,
  UserConnectionParent,
  WorkspaceConnectionParent,
} from '../models.js';
import {
  connection,
  decodeCursor,
  edge,
  encodeCursor,
  idAfter,
  keysetAfter,
  pageSize,
} from '../pagination.js';

/** The connection fields: decode the cursor, call one service function, present the page. */
interface PageArgs {
  first?: InputMaybe<number>;
  after?: InputMaybe<string>;
}

/**
 * A page of users, read with the attributes the query shows (selection.ts); only users read whole are handed to the
 * request's user loader for other fields to reuse.
 */
export async function users(
  c: GraphqlContext,
  args: PageArgs & { filter?: InputMaybe<UserFilter>; search?: InputMaybe<string> },
  info: GraphQLResolveInfo,
): Promise<UserConnectionParent> {
  const size = pageSize(args.first);
  const after = keysetAfter(args.after);
  const filter = userFilter(args.filter);
  const search = args.search ?? undefined;
  const attributes = userAttributesShown(info);
  const rows =
    size === 0 ? [] : await listUsersAfter(c.service, { filter, search, after, limit: size + 1, attributes });
  if (!attributes) for (const u of rows) c.loaders.user.prime(u.id, u);
  return connection(
    rows,
    size,
    (u: User) => edge(u, [userSortKey(u), u.id]),
    () => countUsers(c.service, filter, search),
  );
}

export async function groups(
  c: GraphqlContext,
  args: PageArgs & { filter?: InputMaybe<GroupFilter>; search?: InputMaybe<string> },
): Promise<GroupConnectionParent> {
  const size = pageSize(args.first);
  const after = keysetAfter(args.after);
  const filter = groupFilter(args.filter);
  const search = args.search ?? undefined;
  const rows = size === 0 ? [] : await listGroupsAfter(c.service, { filter, search, after, limit: size + 1 });
  for (const g of rows) c.loaders.group.prime(g.id, g);
  return connection(
    rows,
    size,
    (g: Group) => edge(g, [groupSortKey(g), g.id]),
    () => countGroups(c.service, filter, search),
  );
}

export async function workspaces(c: GraphqlContext, args: PageArgs): Promise<WorkspaceConnectionParent> {
  const size = pageSize(args.first);
  const after = keysetAfter(args.after);
  const rows = size === 0 ? [] : await listWorkspaces(c.service, { after, limit: size + 1 });
  return connection(rows, size, (w) => edge(w, [workspaceSortKey(w), w.id]));
}

/**
 * A user's groups by group id. The first page comes from a DataLoader that fetches the memberships of every user
 * on the page in one command (a page of users with their groups stays a bounded number of commands); later pages
 * are keyset queries.
 */
export async function groupsOfUser(
  c: GraphqlContext,
  user: User,
  args: PageArgs,
): Promise<GroupConnectionParent> {
  const size = pageSize(args.first);
  const afterGroupId = idAfter(args.after);
  const rows: MembershipPair[] =
    afterGroupId === undefined
      ? (await c.loaders.membershipsOfUser.load(user.id)).slice(0, size + 1)
      : size === 0
        ? []
        : await listUserGroupMemberships(c.service, user.id, { afterGroupId, limit: size + 1 });
  const page = rows.slice(0, size);
  const found = await c.loaders.group.loadMany(page.map((m) => m.groupId));
  const edges = page.flatMap((m, i) => {
    const g = found[i];
    return g && !(g instanceof Error) ? [edge(g, [m.groupId])] : [];
  });
  return {
    edges,
    pageInfo: {
      hasNextPage: rows.length > size,
      endCursor: page.length > 0 ? encodeCursor([page[page.length - 1]!.groupId]) : null,
    },
    count: async () => (await c.loaders.membershipsOfUser.load(user.id)).length,
  };
}

/**
 * A user's direct reports by userName. The first page comes from a DataLoader that reads the first page of every
 * user's reports asked for in the request in one command; later pages are keyset queries.
 */
export async function directReports(
  c: GraphqlContext,
  user: User,
  args: PageArgs,
): Promise<UserConnectionParent> {
  const size = pageSize(args.first);
  const after = keysetAfter(args.after);
  const rows =
    size === 0
      ? []
      : after === undefined
        ? (await c.loaders.firstDirectReports.load(user.id)).slice(0, size + 1)
        : await listDirectReports(c.service, user.id, { after, limit: size + 1 });
  c.loaders.user.prime(user.id, user);
  for (const u of rows) c.loaders.user.prime(u.id, u);
  return connection(
    rows,
    size,
    (u: User) => edge(u, [userSortKey(u), u.id]),
    () => countDirectReports(c.service, user.id),
  );
}

/** A group's members by user id: keyset pages, so groups of any size work. */
export async function membersOfGroup(
  c: GraphqlContext,
  group: Group,
  args: PageArgs,
): Promise<GroupMemberConnectionParent> {
  const size = pageSize(args.first);
  const afterUserId = idAfter(args.after);
  const rows =
    size === 0 ? [] : await listGroupMembers(c.service, group.id, { afterUserId, limit: size + 1 });
  const page = rows.slice(0, size);
  const found = await c.loaders.user.loadMany(page.map((m) => m.userId));
  const edges = page.flatMap((m, i) => {
    const u = found[i];
    return u && !(u instanceof Error) ? [edge(u, [m.userId], { addedAt: m.createdAt })] : [];
  });
  return {
    edges,
    pageInfo: {
      hasNextPage: rows.length > size,
      endCursor: page.length > 0 ? encodeCursor([page[page.length - 1]!.userId]) : null,
    },
    count: () => c.loaders.memberCount.load(group.id),
  };
}

/** A page of a workspace's effective members, read with the attributes the query shows (as `users`). */
export async function effectiveMembers(
  c: GraphqlContext,
  workspace: Workspace,
  args: PageArgs,
  info: GraphQLResolveInfo,
): Promise<UserConnectionParent> {
  const size = pageSize(args.first);
  const afterUserId = idAfter(args.after);
  const attributes = userAttributesShown(info);
  const rows =
    size === 0
      ? []
      : await listEffectiveMembersOf(c.service, workspace, { afterUserId, limit: size + 1, attributes });
  if (!attributes) for (const u of rows) c.loaders.user.prime(u.id, u);
  return connection(rows, size, (u: User) => edge(u, [u.id]));
}

export async function provisioningLog(
  c: GraphqlContext,
  args: PageArgs & { filter?: InputMaybe<ProvisioningLogFilter> },
): Promise<ProvisioningLogConnectionParent> {
  const size = pageSize(args.first);
  const cursor = decodeCursor(args.after, 2);
  const before = cursor ? { at: new Date(cursor[0]!), id: cursor[1]! } : undefined;
  if (before && Number.isNaN(before.at.getTime())) throw new InvalidInputError('invalid cursor', 'after');
  const f = args.filter;
  const rows =
    size === 0
      ? []
      : await listProvisioningLog(c.service, {
          userId: opt(f?.userId),
          groupId: opt(f?.groupId),
          outcome: opt(f?.outcome),
          since: opt(f?.since),
          until: opt(f?.until),
          before,
          limit: size + 1,
        });
  return connection(rows, size, (e) => edge(e, [e.at.toISOString(), e.id]));
}
