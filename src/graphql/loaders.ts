import DataLoader from 'dataloader';
import { type ServiceContext } from '../services/context.js';
import { NotFoundError } from '../domain/errors.js';
import type {
  AccessPolicies,
  Group,
  MembershipPair,
  SsoConfiguration,
  Tenant,
  User,
} from '../domain/types.js';
import { getAccessPolicies } from '../services/access-policies.js';
import { getGroupsByExternalIds, getGroupsByIds } from '../services/groups.js';
import { countMembersOfGroups, listMembershipsOfUsers } from '../services/memberships.js';
import { listSsoConfigurations } from '../services/sso.js';
import { getTenant } from '../services/tenants.js';
import { firstDirectReports } from '../services/org-chart.js';
import { getUsersByIds } from '../services/users.js';
import { maxPageSize } from './pagination.js';

/**
 * Per-request DataLoaders: every field that needs a record by id asks a loader, so a page of N items costs one
 * database command per kind of record, not N. Created fresh for each request (no cross-request or cross-tenant
 * cache).
 */
export function createLoaders(ctx: ServiceContext) {
  return {
    user: new DataLoader<string, User>(async (ids) =>
      inOrder(ids, await getUsersByIds(ctx, ids), (u) => u.id, 'user'),
    ),
    group: new DataLoader<string, Group>(async (ids) =>
      inOrder(ids, await getGroupsByIds(ctx, ids), (g) => g.id, 'group'),
    ),
    /** The provisioned group that carries an Entra group object ID (null when none). */
    groupByObjectId: new DataLoader<string, Group | null>(async (objectIds) => {
      const groups = await getGroupsByExternalIds(ctx, objectIds);
      const byId = new Map(groups.map((g) => [g.externalId!.toLowerCase(), g]));
      return objectIds.map((id) => byId.get(id.toLowerCase()) ?? null);
    }),
    /** Every membership of a user, sorted by group id (what User.groups pages through). */
    membershipsOfUser: new DataLoader<string, MembershipPair[]>(async (userIds) => {
      const all = await listMembershipsOfUsers(ctx, userIds);
      const byUser = new Map<string, MembershipPair[]>(userIds.map((id) => [id, []]));
      for (const m of all) byUser.get(m.userId)?.push(m);
      return userIds.map((id) => byUser.get(id)!.sort((a, b) => compare(a.groupId, b.groupId)));
    }),
    /** The first page (and one more, for hasNextPage) of each user's direct reports, by userName. */
    firstDirectReports: new DataLoader<string, User[]>(async (managerIds) => {
      const byManager = await firstDirectReports(ctx, managerIds, maxPageSize + 1);
      return managerIds.map((id) => byManager.get(id) ?? []);
    }),
    memberCount: new DataLoader<string, number>(async (groupIds) => {
      const counts = await countMembersOfGroups(ctx, groupIds);
      return groupIds.map((id) => counts.get(id) ?? 0);
    }),
    policies: once<AccessPolicies>(() => getAccessPolicies(ctx)),
    ssoConfigurations: once<SsoConfiguration[]>(() => listSsoConfigurations(ctx)),
    tenant: once<Tenant>(() => getTenant(ctx)),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;

/** Code-point order, the order the database sorts ids in. */
export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function inOrder<T>(
  ids: readonly string[],
  found: readonly T[],
  idOf: (t: T) => string,
  resource: string,
): (T | Error)[] {
  const byId = new Map(found.map((t) => [idOf(t), t]));
  return ids.map((id) => byId.get(id) ?? new NotFoundError(resource, id));
}

/** A value loaded at most once per request. */
function once<T>(load: () => Promise<T>): () => Promise<T> {
  let promise: Promise<T> | undefined;
  return () => (promise ??= load());
}
