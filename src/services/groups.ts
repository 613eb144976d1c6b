import { randomUUID } from 'node:crypto';
import { recordSourceOf, type ServiceContext } from '../domain/context.js';
import {
  ImmutableFieldError,
  InvalidInputError,
  NotFoundError,
  PreconditionFailedError,
} from '../domain/errors.js';
import type { GroupFilter } from '../domain/filter.js';
import type { Group, Membership, Page, User } from '../domain/types.js';
import { tenantRepositories } from '../db/repositories.js';
import { recordAudit } from './audit.js';
import { offsetPage, pageOfAll } from './paging.js';
import { checkedGroupFilter } from './filters.js';
import { assertMayReadGroup, assertMayReadUser, groupsMemberOf, mayReadGroup } from './read-policy.js';
import { assertFitText, optionalText, requiredText } from './validate.js';

export interface GroupInput {
  displayName: string;
  externalId?: string | undefined;
}

/** One change to a group: its attributes, and member user ids to add, remove, or replace the list with. */
export interface GroupChanges {
  set?: Partial<GroupInput> | undefined;
  /** PUT semantics for attributes: clear what `set` does not name. */
  replaceAttributes?: boolean | undefined;
  addMembers?: readonly string[] | undefined;
  removeMembers?: readonly string[] | undefined;
  /** Replace the whole member list (SCIM PUT, or `replace` of members). */
  replaceMembers?: readonly string[] | undefined;
  /** Remove every member. */
  removeAllMembers?: boolean | undefined;
}

export const entraOwnedGroupFields = ['displayName', 'externalId', 'members'] as const;

/** At most this many member ids in one change (Entra sends batches far smaller). */
export const maxMembersPerChange = 10_000;

function normalise(input: Partial<GroupInput>): GroupInput {
  return {
    displayName: requiredText(input.displayName, 'displayName').trim(),
    externalId: optionalText(input.externalId, 'externalId', 256),
  };
}

function memberIds(ids: readonly string[] | undefined, path: string): string[] {
  if (ids === undefined) return [];
  if (!Array.isArray(ids)) throw new InvalidInputError(`${path} must be a list`, path);
  if (ids.length > maxMembersPerChange) {
    throw new InvalidInputError(`at most ${maxMembersPerChange} members in one change`, path);
  }
  for (const id of ids) {
    if (typeof id !== 'string' || id === '' || id.length > 256) {
      throw new InvalidInputError(`${path} must be user ids`, path);
    }
    assertFitText(id, path);
  }
  return [...new Set(ids)];
}

/** Throws unless every id is a user of this tenant. One database command for any number of ids. */
async function assertUsersExist(ctx: ServiceContext, ids: string[]): Promise<void> {
  const missing = await tenantRepositories(ctx.tenantId).users.missingIds(ids);
  if (missing.length > 0) {
    throw new InvalidInputError(`no user with id ${JSON.stringify(missing[0])}`, 'members');
  }
}

export async function createGroup(
  ctx: ServiceContext,
  input: GroupInput & { members?: readonly string[] | undefined },
): Promise<Group> {
  const attrs = normalise(input);
  const members = memberIds(input.members, 'members');
  await assertUsersExist(ctx, members);
  const now = new Date();
  const repos = tenantRepositories(ctx.tenantId);
  const group = await repos.groups.insert({
    id: randomUUID(),
    ...attrs,
    source: recordSourceOf(ctx),
    createdAt: now,
    updatedAt: now,
    version: 1,
  });
  await repos.memberships.add(group.id, members, now);
  recordAudit(
    ctx,
    'group.create',
    { type: 'group', id: group.id },
    { ...attrs, membersAdded: members.length },
  );
  return group;
}

export async function getGroup(ctx: ServiceContext, id: string): Promise<Group> {
  const g = await tenantRepositories(ctx.tenantId).groups.findById(id);
  if (!g) throw new NotFoundError('group', id);
  return g;
}

/** A group looked up by id for a reader (read-policy.ts: a group they belong to, or any for admins). */
export async function readGroup(ctx: ServiceContext, id: string): Promise<Group> {
  const group = await getGroup(ctx, id);
  await assertMayReadGroup(ctx, id);
  return group;
}

export async function getGroupsByIds(ctx: ServiceContext, ids: readonly string[]): Promise<Group[]> {
  return tenantRepositories(ctx.tenantId).groups.findByIds(ids);
}

/** Groups whose externalId is one of these Entra group object IDs — those the reader may see (read-policy.ts). */
export async function getGroupsByExternalIds(
  ctx: ServiceContext,
  externalIds: readonly string[],
): Promise<Group[]> {
  const groups = await tenantRepositories(ctx.tenantId).groups.findByExternalIds(externalIds);
  if (groupsMemberOf(ctx) === undefined) return groups;
  const visible = await Promise.all(groups.map((g) => mayReadGroup(ctx, g.id)));
  return groups.filter((_, i) => visible[i]);
}

export async function listGroups(
  ctx: ServiceContext,
  opts: { filter?: GroupFilter | undefined; skip: number; limit: number },
): Promise<Page<Group>> {
  return offsetPage(tenantRepositories(ctx.tenantId).groups, {
    ...opts,
    filter: checkedGroupFilter(opts.filter),
  });
}

/**
 * listGroups as a search: the same results, with Entra's membership check `id eq G and hasMember U` read as the
 * membership by its id, then the group by its id — two top-level equalities (FerretDB's PostgreSQL backend pushes
 * them down; `$and` conditions are evaluated after reading the whole collection), whatever the sizes.
 */
export async function searchGroups(
  ctx: ServiceContext,
  opts: { filter?: GroupFilter | undefined; skip: number; limit: number },
): Promise<Page<Group>> {
  const repos = tenantRepositories(ctx.tenantId);
  const f = checkedGroupFilter(opts.filter);
  const idEq = (x: GroupFilter | undefined) =>
    x?.kind === 'compare' && x.field === 'id' && x.op === 'eq' && typeof x.value === 'string'
      ? x.value
      : undefined;
  const one = (g: Group | undefined) => pageOfAll(g ? [g] : [], opts);
  if (f?.kind === 'and' && f.filters.length === 2) {
    const [a, b] = f.filters;
    const groupId = idEq(a) ?? idEq(b);
    const member = [a, b].find((x) => x?.kind === 'hasMember');
    if (groupId !== undefined && member?.kind === 'hasMember') {
      if (!(await repos.memberships.has(groupId, member.userId))) return one(undefined);
      return one(await repos.groups.findById(groupId));
    }
  }
  return listGroups(ctx, { ...opts, filter: f });
}

/** A reader's filter, narrowed to the groups they may see (read-policy.ts). */
function visibleGroups(ctx: ServiceContext, filter: GroupFilter | undefined): GroupFilter | undefined {
  const member = groupsMemberOf(ctx);
  if (member === undefined) return checkedGroupFilter(filter);
  const mine: GroupFilter = { kind: 'hasMember', userId: member };
  return checkedGroupFilter(filter ? { kind: 'and', filters: [filter, mine] } : mine);
}

export async function listGroupsAfter(
  ctx: ServiceContext,
  opts: { filter?: GroupFilter | undefined; after?: { key: string; id: string } | undefined; limit: number },
): Promise<Group[]> {
  return tenantRepositories(ctx.tenantId).groups.list(visibleGroups(ctx, opts.filter), {
    limit: opts.limit,
    after: opts.after,
    sort: 'name',
  });
}

export async function countGroups(ctx: ServiceContext, filter?: GroupFilter): Promise<number> {
  return tenantRepositories(ctx.tenantId).groups.count(visibleGroups(ctx, filter));
}

export function groupSortKey(g: Group): string {
  return g.displayName.toLowerCase();
}

/**
 * Applies a change to a group. Everything is validated before anything is written (a failed change leaves the
 * group as it was). Member changes are membership inserts and deletes, never a rewrite of a member list: a
 * member-only change costs at most three database commands whatever its size (users check, group stamp, insert).
 */
export async function changeGroup(ctx: ServiceContext, id: string, changes: GroupChanges): Promise<Group> {
  const repos = tenantRepositories(ctx.tenantId);
  const add = memberIds(changes.addMembers, 'members');
  const remove = memberIds(changes.removeMembers, 'members');
  const replaceWith =
    changes.replaceMembers === undefined ? undefined : memberIds(changes.replaceMembers, 'members');
  const touchesMembers =
    add.length > 0 || remove.length > 0 || replaceWith !== undefined || !!changes.removeAllMembers;

  try {
    await assertUsersExist(ctx, [...new Set([...add, ...(replaceWith ?? [])])]);
  } catch (err) {
    // A missing group answers "not found" before any complaint about its members.
    if (!(await repos.groups.findById(id))) throw new NotFoundError('group', id);
    throw err;
  }

  let group: Group | undefined;
  if (changes.set || changes.replaceAttributes) {
    group = await setAttributes(ctx, id, changes.set ?? {}, !!changes.replaceAttributes, touchesMembers);
  } else if (touchesMembers) {
    // The SCIM channel owns every group it may see; others must not change provisioned groups' members.
    if (ctx.source !== 'scim') {
      const current = await repos.groups.findById(id);
      if (!current) throw new NotFoundError('group', id);
      assertMayChange(ctx, current, ['members']);
    }
    group = await repos.groups.touch(id, new Date());
  } else {
    group = await repos.groups.findById(id);
  }
  if (!group) throw new NotFoundError('group', id);

  const now = new Date();
  let added = 0;
  let removed = 0;
  if (changes.removeAllMembers) removed += await repos.memberships.removeAllOfGroup(id);
  if (replaceWith !== undefined) {
    const keep = new Set(replaceWith);
    const current = await repos.memberships.userIdsOfGroup(id, Number.MAX_SAFE_INTEGER);
    removed += await repos.memberships.remove(
      id,
      current.filter((u) => !keep.has(u)),
    );
    added += await repos.memberships.add(id, replaceWith, now);
  }
  if (remove.length > 0) removed += await repos.memberships.remove(id, remove);
  if (add.length > 0) added += await repos.memberships.add(id, add, now);
  if (touchesMembers) {
    recordAudit(
      ctx,
      'group.members',
      { type: 'group', id },
      { added, removed, addRequested: add.length, removeRequested: remove.length },
    );
  }
  return group;
}

async function setAttributes(
  ctx: ServiceContext,
  id: string,
  set: Partial<GroupInput>,
  replace: boolean,
  alsoMembers: boolean,
): Promise<Group> {
  const repo = tenantRepositories(ctx.tenantId).groups;
  for (let attempt = 0; attempt < 5; attempt++) {
    const current = await repo.findById(id);
    if (!current) throw new NotFoundError('group', id);
    const base: Partial<GroupInput> = replace ? { displayName: current.displayName } : { ...current };
    const next = normalise({ ...base, ...set });
    const changed = (['displayName', 'externalId'] as const).filter(
      (k) => (current[k] ?? null) !== (next[k] ?? null),
    );
    assertMayChange(ctx, current, alsoMembers ? [...changed, 'members'] : changed);
    if (changed.length === 0 && !alsoMembers) return current;
    const updated: Group = { ...current, ...next, updatedAt: new Date(), version: current.version + 1 };
    if (await repo.replace(updated, current.version)) {
      if (changed.length > 0) {
        recordAudit(
          ctx,
          'group.update',
          { type: 'group', id },
          Object.fromEntries(changed.map((k) => [k, updated[k]])),
        );
      }
      return updated;
    }
  }
  throw new PreconditionFailedError('the group is being changed concurrently; try again');
}

export function addMembers(ctx: ServiceContext, groupId: string, userIds: readonly string[]): Promise<Group> {
  return changeGroup(ctx, groupId, { addMembers: userIds });
}

export function removeMembers(
  ctx: ServiceContext,
  groupId: string,
  userIds: readonly string[],
): Promise<Group> {
  return changeGroup(ctx, groupId, { removeMembers: userIds });
}

export async function deleteGroup(ctx: ServiceContext, id: string): Promise<void> {
  const repos = tenantRepositories(ctx.tenantId);
  const group = await repos.groups.findById(id);
  if (!group) throw new NotFoundError('group', id);
  assertMayChange(ctx, group, ['displayName']);
  if (!(await repos.groups.delete(id))) throw new NotFoundError('group', id);
  await repos.memberships.removeAllOfGroup(id);
  recordAudit(ctx, 'group.delete', { type: 'group', id }, { displayName: group.displayName });
}

/** Members of a group, keyset-paginated by user id; works for groups of any size. */
export async function listGroupMembers(
  ctx: ServiceContext,
  groupId: string,
  opts: { afterUserId?: string | undefined; limit: number },
): Promise<Membership[]> {
  await assertMayReadGroup(ctx, groupId);
  return tenantRepositories(ctx.tenantId).memberships.listByGroup(groupId, opts);
}

export async function countGroupMembers(ctx: ServiceContext, groupId: string): Promise<number> {
  return tenantRepositories(ctx.tenantId).memberships.countByGroup(groupId);
}

/** Member counts of several groups in one database command (for DataLoaders); absent = no members. */
export async function countMembersOfGroups(
  ctx: ServiceContext,
  groupIds: readonly string[],
): Promise<Map<string, number>> {
  return tenantRepositories(ctx.tenantId).memberships.countByGroups(groupIds);
}

export async function listUserGroupMemberships(
  ctx: ServiceContext,
  userId: string,
  opts: { afterGroupId?: string | undefined; limit: number },
): Promise<Membership[]> {
  assertMayReadUser(ctx, userId, 'groups');
  return tenantRepositories(ctx.tenantId).memberships.listByUser(userId, opts);
}

/** Every membership of these users, in one query (for DataLoaders). */
export async function listMembershipsOfUsers(
  ctx: ServiceContext,
  userIds: readonly string[],
): Promise<Membership[]> {
  for (const id of userIds) assertMayReadUser(ctx, id, 'groups');
  return tenantRepositories(ctx.tenantId).memberships.listByUsers(userIds);
}

export async function isMember(ctx: ServiceContext, groupId: string, userId: string): Promise<boolean> {
  return tenantRepositories(ctx.tenantId).memberships.has(groupId, userId);
}

/** Members of a group with their user records (SCIM `members`), at most `limit`. */
export async function listGroupMemberUsers(
  ctx: ServiceContext,
  groupId: string,
  limit: number,
): Promise<User[]> {
  const repos = tenantRepositories(ctx.tenantId);
  const ids = await repos.memberships.userIdsOfGroup(groupId, limit);
  return repos.users.findByIds(ids);
}

function assertMayChange(ctx: ServiceContext, group: Group, changed: readonly string[]): void {
  if (group.source !== 'scim' || ctx.source === 'scim' || changed.length === 0) return;
  throw new ImmutableFieldError(
    changed[0]!,
    `${changed[0]} of this group is provisioned from Microsoft Entra ID and can only be changed there`,
  );
}
