import { InvalidInputError } from '../domain/errors.js';
import type { UserFilter } from '../domain/filter.js';
import type { User } from '../domain/types.js';
import { type ServiceContext } from './context.js';
import { assertMayReadUser } from './read-policy.js';

/**
 * The org chart: a user's manager (enterprise `manager`, stored as `managerId`) and direct reports. A manager is a
 * user of the same tenant; deleting a user clears the manager of their reports (users.deleteUser).
 */

/**
 * A manager is a user of the same tenant, and not the user itself: checked when the manager changes (one read).
 * An unknown id is invalid input at `managerId` (SCIM: 400 invalidValue).
 */
export async function assertManager(
  ctx: ServiceContext,
  userId: string,
  managerId: string | undefined,
): Promise<void> {
  if (managerId === undefined) return;
  if (managerId === userId)
    throw new InvalidInputError('managerId: a user cannot be their own manager', 'managerId');
  if ((await ctx.db.users.missingIds([managerId])).length > 0) {
    throw new InvalidInputError(
      `managerId: no user with id ${JSON.stringify(managerId)} in this directory`,
      'managerId',
    );
  }
}

/**
 * A user's direct reports (the users whose manager they are), by lower-case userName, keyset after `after`. Part of
 * the user's private record (read-policy.ts): their own, or anyone's for those who read everything.
 */
export async function listDirectReports(
  ctx: ServiceContext,
  managerId: string,
  opts: { after?: { key: string; id: string } | undefined; limit: number },
): Promise<User[]> {
  assertMayReadUser(ctx, managerId, 'private');
  return ctx.db.users.list(reportsOf(managerId), { limit: opts.limit, after: opts.after, sort: 'name' });
}

export async function countDirectReports(ctx: ServiceContext, managerId: string): Promise<number> {
  assertMayReadUser(ctx, managerId, 'private');
  return ctx.db.users.count(reportsOf(managerId));
}

/** Past this many direct reports in one batch, the first pages are read per manager instead. */
const maxBatchedReports = 1000;

/**
 * The first `limit` direct reports of each of several managers (DataLoader batches: a page of users with their
 * direct reports), in one database command while the managers have at most maxBatchedReports reports together.
 */
export async function firstDirectReports(
  ctx: ServiceContext,
  managerIds: readonly string[],
  limit: number,
): Promise<Map<string, User[]>> {
  for (const id of managerIds) assertMayReadUser(ctx, id, 'private');
  const out = new Map<string, User[]>(managerIds.map((id) => [id, []]));
  const all = await ctx.db.users.listByManagers(managerIds, undefined, maxBatchedReports);
  if (all) {
    for (const u of all) {
      const list = out.get(u.managerId!);
      if (list && list.length < limit) list.push(u);
    }
    return out;
  }
  for (const id of managerIds) out.set(id, await ctx.db.users.list(reportsOf(id), { limit, sort: 'name' }));
  return out;
}

function reportsOf(managerId: string): UserFilter {
  return { kind: 'compare', field: 'managerId', op: 'eq', value: managerId };
}
