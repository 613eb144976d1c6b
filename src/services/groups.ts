import { randomUUID } from 'node:crypto';
import { recordSourceOf } from '../domain/context.js';
import { type ServiceContext } from './context.js';
import { ImmutableFieldError, InvalidInputError, NotFoundError } from '../domain/errors.js';
import type { GroupFilter } from '../domain/filter.js';
import type { Group, Page } from '../domain/types.js';
import { recordAudit } from './audit.js';
import { finishDeletion } from './deletions.js';
import { changeVersioned } from './optimistic.js';
import { offsetPage } from './paging.js';
import { checkedGroupFilter } from './filters.js';
import { assertMayReadGroup, groupsMemberOf, mayReadGroup } from './read-policy.js';
import { assertFitText, optionalText, requiredText, searchTerm } from './validate.js';

// Membership reads live in memberships.ts; re-exported for the callers that know them as group functions.
export {
  countGroupMembers,
  countMembersOfGroups,
  isMember,
  listGroupMembers,
  listGroupMemberUsers,
  listMembershipsOfUsers,
  listUserGroupMemberships,
} from './memberships.js';

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

/**
 * Throws unless every id is a user of this tenant (one database command for any number of ids). With `groupId`, a
 * missing group answers "not found" before any complaint about its members.
 */
async function assertUsersExist(
  ctx: ServiceContext,
  groupId: string | undefined,
  ids: string[],
): Promise<void> {
  const missing = await ctx.db.users.missingIds(ids);
  if (missing.length === 0) return;
  if (groupId !== undefined && !(await ctx.db.groups.findById(groupId)))
    throw new NotFoundError('group', groupId);
  throw new InvalidInputError(`no user with id ${JSON.stringify(missing[0])}`, 'members');
}

export async function createGroup(
  ctx: ServiceContext,
  input: GroupInput & { members?: readonly string[] | undefined },
): Promise<Group> {
  const attrs = normalise(input);
  const members = memberIds(input.members, 'members');
  await assertUsersExist(ctx, undefined, members);
  const now = new Date();
  const repos = ctx.db;
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
  const g = await ctx.db.groups.findById(id);
  if (!g) throw new NotFoundError('group', id);
  return g;
}

/** A group looked up by id for a reader (read-policy.ts: a group they belong to, or any for admins). */
export async function readGroup(ctx: ServiceContext, id: string): Promise<Group> {
  const group = await getGroup(ctx, id);
  await assertMayReadGroup(ctx, id);
  return group;
}

/**
 * Groups by id to show them (GraphQL's groups of a user, by the request's DataLoader): this process's recent reads
 * answer for the groups they hold (db/groups.ts findRecentByIds), so pages of users do not read the same groups
 * again and again. Not for access decisions (access-decision.ts reads the groups themselves).
 */
export async function getGroupsByIds(ctx: ServiceContext, ids: readonly string[]): Promise<Group[]> {
  return ctx.db.groups.findRecentByIds(ids);
}

/** Groups whose externalId is one of these Entra group object IDs — those the reader may see (read-policy.ts). */
export async function getGroupsByExternalIds(
  ctx: ServiceContext,
  externalIds: readonly string[],
): Promise<Group[]> {
  const groups = await ctx.db.groups.findByExternalIds(externalIds);
  if (groupsMemberOf(ctx) === undefined) return groups;
  const visible = await Promise.all(groups.map((g) => mayReadGroup(ctx, g.id)));
  return groups.filter((_, i) => visible[i]);
}

export async function listGroups(
  ctx: ServiceContext,
  opts: { filter?: GroupFilter | undefined; skip: number; limit: number },
): Promise<Page<Group>> {
  return offsetPage(ctx.db.groups, {
    ...opts,
    filter: checkedGroupFilter(opts.filter),
  });
}

/** A reader's filter, narrowed to the groups they may see (read-policy.ts). */
function visibleGroups(ctx: ServiceContext, filter: GroupFilter | undefined): GroupFilter | undefined {
  const member = groupsMemberOf(ctx);
  if (member === undefined) return checkedGroupFilter(filter);
  const mine: GroupFilter = { kind: 'hasMember', userId: member };
  return checkedGroupFilter(filter ? { kind: 'and', filters: [filter, mine] } : mine);
}

/** Keyset pages by displayName (GraphQL connections); `search` is a substring of the name. */
export async function listGroupsAfter(
  ctx: ServiceContext,
  opts: {
    filter?: GroupFilter | undefined;
    search?: string | undefined;
    after?: { key: string; id: string } | undefined;
    limit: number;
  },
): Promise<Group[]> {
  return ctx.db.groups.list(visibleGroups(ctx, opts.filter), {
    limit: opts.limit,
    after: opts.after,
    sort: 'name',
    search: searchTerm(opts.search),
  });
}

export async function countGroups(
  ctx: ServiceContext,
  filter?: GroupFilter,
  search?: string,
): Promise<number> {
  return ctx.db.groups.count(visibleGroups(ctx, filter), searchTerm(search));
}

export function groupSortKey(g: Group): string {
  return g.displayName.toLowerCase();
}

/**
 * Applies a change to a group. A refused change (400, 404) leaves the group and its members as they were. Member
 * changes are membership inserts and deletes, never a rewrite of a member list.
 *
 * Adding members, the common change (Entra's member PATCH), costs three database commands whatever its size: the
 * inserts, then the check that every added user exists, then the group's stamp (which finds a deleted group). Doing
 * the checks after the inserts also catches a user or the group deleted meanwhile: what was inserted is removed again
 * and the change refused. A delete racing the add removes the memberships after its record (deleteUser,
 * deleteGroup), and the repair sweep (integrity.ts) removes whatever a race or a crash still left.
 */
export async function changeGroup(ctx: ServiceContext, id: string, changes: GroupChanges): Promise<Group> {
  const add = memberIds(changes.addMembers, 'members');
  const remove = memberIds(changes.removeMembers, 'members');
  const replaceWith =
    changes.replaceMembers === undefined ? undefined : memberIds(changes.replaceMembers, 'members');
  const setsAttributes = !!(changes.set || changes.replaceAttributes);
  const touchesMembers =
    add.length > 0 || remove.length > 0 || replaceWith !== undefined || !!changes.removeAllMembers;
  const onlyAdds =
    add.length > 0 &&
    touchesMembers &&
    !setsAttributes &&
    remove.length === 0 &&
    !replaceWith &&
    !changes.removeAllMembers;
  if (onlyAdds) return addMembersChecked(ctx, id, add);

  const repos = ctx.db;
  const adding = [...new Set([...add, ...(replaceWith ?? [])])];
  await assertUsersExist(ctx, id, adding);
  let group: Group | undefined;
  if (setsAttributes) {
    group = await setAttributes(ctx, id, changes.set ?? {}, !!changes.replaceAttributes, touchesMembers);
  } else if (touchesMembers) {
    await assertMayChangeMembers(ctx, id);
    group = await repos.groups.touch(id, new Date());
  } else {
    group = await repos.groups.findById(id);
  }
  if (!group) throw new NotFoundError('group', id);

  const now = new Date();
  const inserted: string[] = [];
  let removed = 0;
  if (changes.removeAllMembers) removed += await repos.memberships.removeAllOfGroup(id);
  if (replaceWith !== undefined) {
    const keep = new Set(replaceWith);
    const current = await repos.memberships.userIdsOfGroup(id, Number.MAX_SAFE_INTEGER);
    removed += await repos.memberships.remove(
      id,
      current.filter((u) => !keep.has(u)),
    );
    inserted.push(...(await repos.memberships.add(id, replaceWith, now)));
  }
  if (remove.length > 0) removed += await repos.memberships.remove(id, remove);
  if (add.length > 0) inserted.push(...(await repos.memberships.add(id, add, now)));
  if (inserted.length > 0) {
    // a user deleted since the check: its membership goes again
    const gone = await repos.users.missingIds(inserted);
    await repos.memberships.remove(id, gone);
  }
  if (touchesMembers) {
    recordAudit(
      ctx,
      'group.members',
      { type: 'group', id },
      { added: inserted.length, removed, addRequested: add.length, removeRequested: remove.length },
    );
  }
  return group;
}

/** The member add of changeGroup: inserts, then checks (see there). */
async function addMembersChecked(ctx: ServiceContext, id: string, add: string[]): Promise<Group> {
  const repos = ctx.db;
  await assertMayChangeMembers(ctx, id);
  const now = new Date();
  const inserted = await repos.memberships.add(id, add, now);
  const missing = await repos.users.missingIds(add);
  if (missing.length > 0) {
    await repos.memberships.remove(id, inserted);
    if (!(await repos.groups.findById(id))) throw new NotFoundError('group', id);
    throw new InvalidInputError(`no user with id ${JSON.stringify(missing[0])}`, 'members');
  }
  const group = await repos.groups.touch(id, now);
  if (!group) {
    await repos.memberships.remove(id, inserted);
    throw new NotFoundError('group', id);
  }
  recordAudit(
    ctx,
    'group.members',
    { type: 'group', id },
    { added: inserted.length, removed: 0, addRequested: add.length, removeRequested: 0 },
  );
  return group;
}

/** The SCIM channel owns every group it may see; others must not change provisioned groups' members. */
async function assertMayChangeMembers(ctx: ServiceContext, id: string): Promise<void> {
  if (ctx.source === 'scim') return;
  const current = await ctx.db.groups.findById(id);
  if (!current) throw new NotFoundError('group', id);
  assertMayChange(ctx, current, ['members']);
}

async function setAttributes(
  ctx: ServiceContext,
  id: string,
  set: Partial<GroupInput>,
  replace: boolean,
  alsoMembers: boolean,
): Promise<Group> {
  let changed: ('displayName' | 'externalId')[] = [];
  const { record } = await changeVersioned(
    'group',
    id,
    () => ctx.db.groups.findById(id),
    (current) => {
      const base: Partial<GroupInput> = replace ? { displayName: current.displayName } : { ...current };
      const next = normalise({ ...base, ...set });
      changed = (['displayName', 'externalId'] as const).filter(
        (k) => (current[k] ?? null) !== (next[k] ?? null),
      );
      assertMayChange(ctx, current, alsoMembers ? [...changed, 'members'] : changed);
      if (changed.length === 0 && !alsoMembers) return undefined;
      return { ...current, ...next, updatedAt: new Date() };
    },
    async (next, expected) => (await ctx.db.groups.replace(next, expected)) !== undefined,
  );
  if (changed.length > 0) {
    recordAudit(
      ctx,
      'group.update',
      { type: 'group', id },
      Object.fromEntries(changed.map((k) => [k, record[k]])),
    );
  }
  return record;
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
  const repos = ctx.db;
  const group = await repos.groups.findById(id);
  if (!group) {
    // a delete that stopped after removing the record left its memberships: the client's retry finishes it (users.ts)
    if (await repos.deletions.has('group', id)) await finishDeletion(repos, 'group', id);
    throw new NotFoundError('group', id);
  }
  assertMayChange(ctx, group, ['displayName']);
  // recorded first: the repair sweep finishes a delete a crash interrupts, and removes memberships a concurrent
  // member add writes after the ones below are gone
  await repos.deletions.record('group', id, new Date());
  if (!(await finishDeletion(repos, 'group', id)).recordRemoved) throw new NotFoundError('group', id);
  recordAudit(ctx, 'group.delete', { type: 'group', id }, { displayName: group.displayName });
}

function assertMayChange(ctx: ServiceContext, group: Group, changed: readonly string[]): void {
  if (group.source !== 'scim' || ctx.source === 'scim' || changed.length === 0) return;
  throw new ImmutableFieldError(
    changed[0]!,
    `${changed[0]} of this group is provisioned from Microsoft Entra ID and can only be changed there`,
  );
}
