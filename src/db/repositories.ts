type Q = Record<string, unknown>; // a database filter document
import type {
  AccessPolicies,
  AccessRule,
  AuditEvent,
  Credential,
  CredentialKind,
  Group,
  Membership,
  ProvisioningLogEntry,
  SsoConfiguration,
  Tenant,
  User,
  Workspace,
} from '../domain/types.js';
import { InvalidInputError } from '../domain/errors.js';
import type { Filter, GroupFilter, UserFilter, UserFilterField } from '../domain/filter.js';
import { mapStorageError } from './errors.js';
import {
  AccessPolicyModel,
  AuditEventModel,
  CredentialModel,
  GroupModel,
  MembershipModel,
  ProvisioningLogModel,
  SsoConfigurationModel,
  TenantModel,
  UserModel,
  UserRefModel,
  WorkspaceModel,
} from './models.js';
import { toMongoFilter, valuesLowerEquality, type FieldTable } from './query.js';

/**
 * Storage for one tenant. Every filter and every insert carries the tenantId bound here, so no caller can forget
 * it. Returns domain objects, never documents. Rules live in the services, not here.
 */

type Doc = Record<string, unknown> & { _id: string };

function strip<T>(doc: Doc, drop: string[] = []): T {
  const { _id, ...rest } = doc;
  for (const k of drop) delete (rest as Record<string, unknown>)[k];
  return { id: _id, ...rest } as T;
}

const toUser = (d: Doc) => {
  const u = strip<User>(d, ['userNameLower', 'emailsLower', 'phoneNumbersLower']);
  u.emails ??= [];
  u.phoneNumbers ??= [];
  return u;
};
const toGroup = (d: Doc) => strip<Group>(d, ['displayNameLower']);
const toWorkspace = (d: Doc) => strip<Workspace>(d, ['nameLower']);
const toSso = (d: Doc) => strip<SsoConfiguration>(d, ['nameLower']);
const toTenant = (d: Doc) => strip<Tenant>(d);

const multi = (path: string): FieldTable[string] => ({
  path,
  type: 'multi',
  valuesLowerPath: `${path}Lower`,
  sub: {
    value: { path: 'value', type: 'string', caseInsensitive: true },
    type: { path: 'type', type: 'string', caseInsensitive: true },
    primary: { path: 'primary', type: 'boolean' },
  },
});

export const userFields: FieldTable = {
  id: { path: '_id', type: 'string' },
  userName: { path: 'userName', type: 'string', caseInsensitive: true, lowerPath: 'userNameLower' },
  active: { path: 'active', type: 'boolean' },
  givenName: { path: 'givenName', type: 'string', caseInsensitive: true },
  familyName: { path: 'familyName', type: 'string', caseInsensitive: true },
  displayName: { path: 'displayName', type: 'string', caseInsensitive: true },
  externalId: { path: 'externalId', type: 'string' },
  department: { path: 'department', type: 'string', caseInsensitive: true },
  entraObjectId: { path: 'entraObjectId', type: 'string', caseInsensitive: true },
  source: { path: 'source', type: 'string' },
  emails: multi('emails'),
  phoneNumbers: multi('phoneNumbers'),
  createdAt: { path: 'createdAt', type: 'date' },
  updatedAt: { path: 'updatedAt', type: 'date' },
};

export const groupFields: FieldTable = {
  id: { path: '_id', type: 'string' },
  displayName: { path: 'displayName', type: 'string', caseInsensitive: true, lowerPath: 'displayNameLower' },
  externalId: { path: 'externalId', type: 'string' },
  source: { path: 'source', type: 'string' },
  createdAt: { path: 'createdAt', type: 'date' },
  updatedAt: { path: 'updatedAt', type: 'date' },
};

export interface ListOptions {
  skip?: number;
  limit: number;
  /** Keyset pagination: only records whose sort key is after this one. */
  after?: { key: string; id: string };
  sort?: 'name' | 'id';
}

const userUnique = { userNameLower: 'userName', _id: 'id' };
const groupUnique = { displayNameLower: 'displayName', _id: 'id' };
/**
 * A replacement keeps its `_id`, so the name is the one unique key it can collide on — and the only way to tell on
 * FerretDB/PostgreSQL, whose message names a truncated index ("…_tenantid___usernam_…").
 */
const userReplaceUnique = { userNameLower: 'userName' };
const groupReplaceUnique = { displayNameLower: 'displayName' };

export function membershipId(groupId: string, userId: string): string {
  return `${groupId}:${userId}`;
}

function userRefId(tenantId: string, userId: string): string {
  return `${tenantId}/${userId}`;
}

/** An unordered insert that failed only because some documents exist already (duplicate `_id` or unique key). */
function onlyDuplicates(err: unknown): boolean {
  const e = err as { code?: number; writeErrors?: { code?: number }[] };
  if (e.writeErrors && e.writeErrors.length > 0) return e.writeErrors.every((w) => w.code === 11000);
  return e.code === 11000;
}

/**
 * Batch size for a read of at most `n` documents, so it comes back in one round trip: without it the server's
 * first batch is 101 documents (then getMore), and a limit equal to the batch size leaves a cursor to kill.
 */
function oneBatch(n: number): number {
  return Math.min(Math.max(n + 1, 2), 100_000);
}

/**
 * The condition "equals one of `values`". A single value is a plain equality: FerretDB hands an equality to its
 * storage (an index lookup on PostgreSQL, see ferretdb/pgindexes.go) but evaluates `$in` itself, over every document
 * the rest of the filter leaves. DataLoaders and membership filters often ask for one.
 */
function anyOf(values: readonly string[]): string | { $in: string[] } {
  return values.length === 1 ? values[0]! : { $in: [...values] };
}

/** Mongo filter that pins the tenant; callers' conditions are combined under $and. */
function scoped(tenantId: string, q?: Q): Q {
  if (!q || Object.keys(q).length === 0) return { tenantId };
  // Top-level keys rather than `$and` where they do not collide: the same query, but FerretDB's PostgreSQL
  // backend pushes top-level equalities down instead of reading the whole collection. The tenant comes last:
  // PostgreSQL tests them in this order, and the selective one first spares it reading every row's tenant.
  if (!Object.hasOwn(q, 'tenantId')) return { ...q, tenantId };
  return { $and: [{ tenantId }, q] };
}

function keyset(sortField: string, after?: { key: string; id: string }): Q | undefined {
  if (!after) return undefined;
  if (sortField === '_id') return { _id: { $gt: after.id } };
  return { $or: [{ [sortField]: { $gt: after.key } }, { [sortField]: after.key, _id: { $gt: after.id } }] };
}

/** What byId/byIds need of a model (any of ours). */
type ReadById = { findOne(q: Q): { lean<T>(): PromiseLike<T | null> } };
type ReadMany = { find(q: Q): { batchSize(n: number): { lean<T>(): PromiseLike<T> } } };

export function tenantRepositories(tenantId: string) {
  /** Writes the references of these users; ones that exist already are left alone. */
  const insertRefs = async (userIds: readonly string[]) => {
    if (userIds.length === 0) return;
    const docs = userIds.map((userId) => ({ _id: userRefId(tenantId, userId), tenantId, userId }));
    try {
      await UserRefModel.collection.insertMany(docs as never[], { ordered: false });
    } catch (err) {
      if (!onlyDuplicates(err)) throw err;
    }
  };
  /**
   * The tenant's document with this `_id`, or undefined. Reads by `_id` alone and checks the tenant here: the same
   * answer as `{_id, tenantId}`, but a lone `_id` equality is the one filter FerretDB's SQLite backend hands to
   * SQLite (for any other it reads and decodes every document of the collection). Ids are unique across tenants.
   */
  const byId = async (model: ReadById, id: string) => {
    const d = await model.findOne({ _id: id }).lean<Doc>();
    return d && d.tenantId === tenantId ? d : undefined;
  };
  /** The tenant's documents with these ids, in one command: a lone `_id` (byId) for one, `$in` for more. */
  const byIds = async (model: ReadById & ReadMany, ids: readonly string[]): Promise<Doc[]> => {
    if (ids.length === 0) return [];
    if (ids.length === 1) return [await byId(model, ids[0]!)].filter((d) => d !== undefined);
    return model
      .find({ tenantId, _id: { $in: [...ids] } })
      .batchSize(oneBatch(ids.length))
      .lean<Doc[]>();
  };
  const users = {
    async insert(user: Omit<User, 'tenantId'>): Promise<User> {
      const doc = { ...userDoc(user), tenantId };
      try {
        await UserModel.collection.insertOne(doc as never);
      } catch (err) {
        throw mapStorageError(err, 'user', userUnique);
      }
      await insertRefs([user.id]);
      return toUser(doc as Doc);
    },
    async findById(id: string): Promise<User | undefined> {
      const d = await byId(UserModel, id);
      return d ? toUser(d) : undefined;
    },
    async findByIds(ids: readonly string[]): Promise<User[]> {
      return (await byIds(UserModel, ids)).map(toUser);
    },
    async findByUserName(userName: string): Promise<User | undefined> {
      const d = await UserModel.findOne({ userNameLower: userName.toLowerCase(), tenantId }).lean<Doc>();
      return d ? toUser(d) : undefined;
    },
    async findByEntraObjectId(oid: string): Promise<User | undefined> {
      const d = await UserModel.findOne({ entraObjectId: oid.toLowerCase(), tenantId }).lean<Doc>();
      return d ? toUser(d) : undefined;
    },
    /** Replaces the stored user if its version is still `expectedVersion` (optimistic concurrency). */
    async replace(user: User, expectedVersion: number): Promise<User | undefined> {
      const { id, ...rest } = user;
      const doc = userDoc({ ...rest, id });
      delete (doc as Partial<Doc>)._id;
      try {
        const res = await UserModel.collection.replaceOne(
          { _id: id, tenantId, version: expectedVersion } as never,
          {
            ...doc,
            tenantId,
          } as never,
        );
        return res.matchedCount === 1 ? user : undefined;
      } catch (err) {
        throw mapStorageError(err, 'user', userReplaceUnique);
      }
    },
    async delete(id: string): Promise<boolean> {
      // The reference goes first: a user without one is restored by missingIds, a reference without a user is not.
      await UserRefModel.collection.deleteOne({ _id: userRefId(tenantId, id) } as never);
      const res = await UserModel.collection.deleteOne({ _id: id, tenantId } as never);
      return res.deletedCount === 1;
    },
    /**
     * The ids (of these, without repeats) that are not users of this tenant. One command whatever the number: a
     * batch of no-op updates (`$setOnInsert` without upsert) of the user references, each matched by a lone `_id`; the
     * matched count says whether all exist. Only when some do not (bad input, or references written before they
     * existed) are the users themselves read, and any missing reference of an existing user restored.
     */
    async missingIds(ids: readonly string[]): Promise<string[]> {
      if (ids.length === 0) return [];
      // updateMany, though each statement matches at most one reference: FerretDB keeps an updateOne statement's
      // cursor, and with it a PostgreSQL connection, open until the whole command ends, so concurrent batches
      // exhaust its connection pool and wait on each other for ever; an updateMany statement reads to the end.
      const res = await UserRefModel.collection.bulkWrite(
        ids.map((id) => ({
          updateMany: { filter: { _id: userRefId(tenantId, id) }, update: { $setOnInsert: { userId: id } } },
        })) as never[],
        { ordered: false },
      );
      if (res.matchedCount === ids.length) return [];
      const found = new Set((await users.findByIds(ids)).map((u) => u.id));
      await insertRefs([...found]);
      return ids.filter((id) => !found.has(id));
    },
    async list(filter: UserFilter | undefined, opts: ListOptions): Promise<User[]> {
      const q = await resolveFilter(filter, 'user');
      const sortField = opts.sort === 'name' ? 'userNameLower' : '_id';
      const page = keyset(sortField, opts.after);
      const where = scoped(tenantId, page ? (q ? { $and: [q, page] } : page) : q);
      const docs = await UserModel.find(where)
        .sort(sortField === '_id' ? { _id: 1 } : { [sortField]: 1, _id: 1 })
        .skip(opts.skip ?? 0)
        .limit(opts.limit)
        .batchSize(oneBatch(opts.limit))
        .lean<Doc[]>();
      return docs.map(toUser);
    },
    async count(filter: UserFilter | undefined): Promise<number> {
      const q = await resolveFilter(filter, 'user');
      return UserModel.countDocuments(scoped(tenantId, q));
    },
    /**
     * The users with an entry of a multi-valued field (emails, phoneNumbers) that matches `entry`, ascending by id —
     * at most `limit` candidates are examined (`complete` is false when there were more). FerretDB v1 cannot
     * `$elemMatch` inside arrays of documents (it answers nothing, or "not implemented" for `$and`), so candidates
     * are found by dotted paths (every positive condition of the entry filter must hold for some entry: one
     * query), then each candidate's entries are checked against the whole entry filter. Exact on MongoDB and
     * FerretDB alike.
     */
    async withEntry(
      field: UserFilterField,
      entry: Filter<string>,
      limit: number,
    ): Promise<{ users: User[]; complete: boolean }> {
      const spec = Object.hasOwn(userFields, field) ? userFields[field] : undefined;
      if (!spec || spec.type !== 'multi' || !spec.sub) {
        throw new InvalidInputError(`${field} is not multi-valued`, field);
      }
      const sub = spec.sub;
      const conditions = necessaryEntryConditions(entry);
      // A value equality is one top-level condition on the lower-case copies: enough to find the candidates.
      const byValue = conditions
        .map((c) =>
          c.kind === 'compare' && c.field === 'value' ? valuesLowerEquality(spec, c.op, c.value) : undefined,
        )
        .find((q) => q !== undefined);
      const necessary = conditions.map((c) => prefixPaths(toMongoFilter(c, sub), spec.path));
      const where = scoped(
        tenantId,
        byValue ?? (necessary.length > 0 ? { $and: necessary } : { [spec.path]: { $exists: true, $ne: [] } }),
      );
      const docs = await UserModel.find(where)
        .sort({ _id: 1 })
        .limit(limit + 1)
        .batchSize(oneBatch(limit + 1))
        .lean<Doc[]>();
      const users = docs
        .slice(0, limit)
        .filter((d) =>
          ((d[spec.path] as Record<string, unknown>[] | undefined) ?? []).some((e) =>
            entryMatches(entry, e, sub),
          ),
        )
        .map(toUser);
      return { users, complete: docs.length <= limit };
    },
  };

  const groups = {
    async insert(group: Omit<Group, 'tenantId'>): Promise<Group> {
      const { id, ...rest } = group;
      const doc = { _id: id, ...rest, displayNameLower: group.displayName.toLowerCase(), tenantId };
      try {
        await GroupModel.collection.insertOne(clean(doc) as never);
      } catch (err) {
        throw mapStorageError(err, 'group', groupUnique);
      }
      return toGroup(clean(doc) as Doc);
    },
    async findById(id: string): Promise<Group | undefined> {
      const d = await byId(GroupModel, id);
      return d ? toGroup(d) : undefined;
    },
    async findByIds(ids: readonly string[]): Promise<Group[]> {
      return (await byIds(GroupModel, ids)).map(toGroup);
    },
    async findByExternalIds(externalIds: readonly string[]): Promise<Group[]> {
      if (externalIds.length === 0) return [];
      const docs = await GroupModel.find({ externalId: anyOf(externalIds), tenantId })
        .batchSize(oneBatch(externalIds.length))
        .lean<Doc[]>();
      return docs.map(toGroup);
    },
    async replace(group: Group, expectedVersion: number): Promise<Group | undefined> {
      const { id, ...rest } = group;
      const doc = clean({ ...rest, displayNameLower: group.displayName.toLowerCase(), tenantId });
      try {
        const res = await GroupModel.collection.replaceOne(
          { _id: id, tenantId, version: expectedVersion } as never,
          doc as never,
        );
        return res.matchedCount === 1 ? group : undefined;
      } catch (err) {
        throw mapStorageError(err, 'group', groupReplaceUnique);
      }
    },
    /** Marks a group changed (membership edits) and returns it; undefined when it does not exist. */
    async touch(id: string, at: Date): Promise<Group | undefined> {
      const d = await GroupModel.collection.findOneAndUpdate(
        { _id: id, tenantId } as never,
        { $set: { updatedAt: at }, $inc: { version: 1 } },
        { returnDocument: 'after' },
      );
      return d ? toGroup(d as unknown as Doc) : undefined;
    },
    async delete(id: string): Promise<boolean> {
      const res = await GroupModel.collection.deleteOne({ _id: id, tenantId } as never);
      return res.deletedCount === 1;
    },
    async list(filter: GroupFilter | undefined, opts: ListOptions): Promise<Group[]> {
      const q = await resolveFilter(filter, 'group');
      const sortField = opts.sort === 'name' ? 'displayNameLower' : '_id';
      const page = keyset(sortField, opts.after);
      const where = scoped(tenantId, page ? (q ? { $and: [q, page] } : page) : q);
      const docs = await GroupModel.find(where)
        .sort(sortField === '_id' ? { _id: 1 } : { [sortField]: 1, _id: 1 })
        .skip(opts.skip ?? 0)
        .limit(opts.limit)
        .batchSize(oneBatch(opts.limit))
        .lean<Doc[]>();
      return docs.map(toGroup);
    },
    async count(filter: GroupFilter | undefined): Promise<number> {
      const q = await resolveFilter(filter, 'group');
      return GroupModel.countDocuments(scoped(tenantId, q));
    },
  };

  const memberships = {
    /** Inserts the pairs that are missing; existing ones are left alone. Returns how many were added. */
    async add(groupId: string, userIds: readonly string[], at: Date): Promise<number> {
      if (userIds.length === 0) return 0;
      const docs = [...new Set(userIds)].map((userId) => ({
        _id: membershipId(groupId, userId),
        tenantId,
        groupId,
        userId,
        createdAt: at,
      }));
      try {
        const res = await MembershipModel.collection.insertMany(docs as never[], { ordered: false });
        return res.insertedCount;
      } catch (err) {
        // Duplicates are members already: adding is idempotent. Anything else is a real failure.
        if (!onlyDuplicates(err)) throw err;
        const e = err as {
          writeErrors?: unknown[];
          insertedCount?: number;
          result?: { insertedCount?: number };
        };
        return (
          e.insertedCount ?? e.result?.insertedCount ?? docs.length - (e.writeErrors?.length ?? docs.length)
        );
      }
    },
    async remove(groupId: string, userIds: readonly string[]): Promise<number> {
      if (userIds.length === 0) return 0;
      const ids = [...new Set(userIds)].map((u) => membershipId(groupId, u));
      // groupId is implied by the ids; as a top-level equality it lets FerretDB narrow the candidates to the group's
      // memberships before evaluating `$in` (which it cannot push down) — a MongoDB index answers either way.
      const res = await MembershipModel.collection.deleteMany({
        groupId,
        tenantId,
        _id: anyOf(ids),
      } as never);
      return res.deletedCount;
    },
    async removeAllOfGroup(groupId: string): Promise<number> {
      const res = await MembershipModel.collection.deleteMany({ groupId, tenantId } as never);
      return res.deletedCount;
    },
    async removeAllOfUser(userId: string): Promise<number> {
      const res = await MembershipModel.collection.deleteMany({ userId, tenantId } as never);
      return res.deletedCount;
    },
    async has(groupId: string, userId: string): Promise<boolean> {
      return (await byId(MembershipModel, membershipId(groupId, userId))) !== undefined;
    },
    /** Members of a group, by user id order, keyset-paginated. */
    async listByGroup(groupId: string, opts: { afterUserId?: string; limit: number }): Promise<Membership[]> {
      const where: Q = { groupId, tenantId };
      if (opts.afterUserId) where.userId = { $gt: opts.afterUserId };
      return MembershipModel.find(where)
        .sort({ userId: 1 })
        .limit(opts.limit)
        .batchSize(oneBatch(opts.limit))
        .select({ _id: 0, groupId: 1, userId: 1, createdAt: 1 })
        .lean<Membership[]>();
    },
    async listByUser(userId: string, opts: { afterGroupId?: string; limit: number }): Promise<Membership[]> {
      const where: Q = { userId, tenantId };
      if (opts.afterGroupId) where.groupId = { $gt: opts.afterGroupId };
      return MembershipModel.find(where)
        .sort({ groupId: 1 })
        .limit(opts.limit)
        .batchSize(oneBatch(opts.limit))
        .select({ _id: 0, groupId: 1, userId: 1, createdAt: 1 })
        .lean<Membership[]>();
    },
    /** All memberships of several users in one query (DataLoader batches). */
    async listByUsers(userIds: readonly string[]): Promise<Membership[]> {
      if (userIds.length === 0) return [];
      return MembershipModel.find({ userId: anyOf(userIds), tenantId })
        .batchSize(oneBatch(50_000))
        .select({ _id: 0, groupId: 1, userId: 1, createdAt: 1 })
        .lean<Membership[]>();
    },
    /** Distinct user ids that belong to any of these groups, ascending, after `afterUserId`. */
    async distinctUserIdsOfGroups(
      groupIds: readonly string[],
      opts: { afterUserId?: string | undefined; limit: number },
    ): Promise<string[]> {
      const where: Q = { groupId: anyOf(groupIds), tenantId };
      if (opts.afterUserId) where.userId = { $gt: opts.afterUserId };
      // A user in k of these groups appears k times in a row; over-fetch so a page still fills after de-duplication.
      const docs = await MembershipModel.find(where)
        .sort({ userId: 1 })
        .limit(opts.limit * groupIds.length)
        .batchSize(oneBatch(opts.limit * groupIds.length))
        .select({ _id: 0, userId: 1 })
        .lean<{ userId: string }[]>();
      const ids: string[] = [];
      for (const d of docs) if (ids[ids.length - 1] !== d.userId) ids.push(d.userId);
      return ids.slice(0, opts.limit);
    },
    async countByGroup(groupId: string): Promise<number> {
      return MembershipModel.countDocuments({ groupId, tenantId });
    },
    /** Member counts of several groups in one command; groups without members are absent from the map. */
    async countByGroups(groupIds: readonly string[]): Promise<Map<string, number>> {
      if (groupIds.length === 0) return new Map();
      const rows = await MembershipModel.aggregate<{ _id: string; n: number }>([
        { $match: { groupId: anyOf(groupIds), tenantId } },
        { $group: { _id: '$groupId', n: { $sum: 1 } } },
      ]).option({ batchSize: oneBatch(groupIds.length) });
      return new Map(rows.map((r) => [r._id, r.n]));
    },
    /** Which of these pairs exist (for membership filters). */
    async groupIdsOfUser(userId: string): Promise<string[]> {
      const docs = await MembershipModel.find({ userId, tenantId })
        .select({ _id: 0, groupId: 1 })
        .lean<{ groupId: string }[]>();
      return docs.map((d) => d.groupId);
    },
    async userIdsOfGroup(groupId: string, limit: number): Promise<string[]> {
      const docs = await MembershipModel.find({ groupId, tenantId })
        .sort({ userId: 1 })
        .limit(limit)
        .select({ _id: 0, userId: 1 })
        .lean<{ userId: string }[]>();
      return docs.map((d) => d.userId);
    },
  };

  /**
   * Membership filters become an id set first (one query on memberships), then an `_id $in` on the resource.
   * Everything else is translated by the allow-list in query.ts.
   */
  async function resolveFilter(filter: Filter | undefined, kind: 'user' | 'group'): Promise<Q | undefined> {
    if (!filter) return undefined;
    const resolved = new Map<Filter, Q>();
    const visit = async (f: Filter): Promise<void> => {
      if (f.kind === 'and' || f.kind === 'or') for (const c of f.filters) await visit(c);
      else if (f.kind === 'not') await visit(f.filter);
      else if (f.kind === 'hasMember' && kind === 'group') {
        resolved.set(f, { _id: anyOf(await memberships.groupIdsOfUser(f.userId)) });
      } else if (f.kind === 'memberOf' && kind === 'user') {
        resolved.set(f, { _id: anyOf(await memberships.userIdsOfGroup(f.groupId, 100_000)) });
      }
    };
    await visit(filter);
    return toMongoFilter(filter, kind === 'user' ? userFields : groupFields, (f) => resolved.get(f));
  }

  const workspaces = {
    async insert(ws: Omit<Workspace, 'tenantId'>): Promise<Workspace> {
      const { id, ...rest } = ws;
      const doc = clean({ _id: id, ...rest, nameLower: ws.name.toLowerCase(), tenantId });
      try {
        await WorkspaceModel.collection.insertOne(doc as never);
      } catch (err) {
        throw mapStorageError(err, 'workspace', { nameLower: 'name' });
      }
      return toWorkspace(doc as Doc);
    },
    async findById(id: string): Promise<Workspace | undefined> {
      const d = await byId(WorkspaceModel, id);
      return d ? toWorkspace(d) : undefined;
    },
    async list(opts: { afterName?: { key: string; id: string }; limit: number }): Promise<Workspace[]> {
      const page = keyset('nameLower', opts.afterName);
      const docs = await WorkspaceModel.find(scoped(tenantId, page))
        .sort({ nameLower: 1, _id: 1 })
        .limit(opts.limit)
        .lean<Doc[]>();
      return docs.map(toWorkspace);
    },
    async replace(ws: Workspace): Promise<Workspace | undefined> {
      const { id, ...rest } = ws;
      const doc = clean({ ...rest, nameLower: ws.name.toLowerCase(), tenantId });
      try {
        const res = await WorkspaceModel.collection.replaceOne({ _id: id, tenantId } as never, doc as never);
        return res.matchedCount === 1 ? ws : undefined;
      } catch (err) {
        throw mapStorageError(err, 'workspace', { nameLower: 'name' });
      }
    },
    async delete(id: string): Promise<boolean> {
      return (await WorkspaceModel.collection.deleteOne({ _id: id, tenantId } as never)).deletedCount === 1;
    },
    /** Whether any workspace's access override uses this SSO configuration. */
    async anyUsesSsoConfiguration(ssoConfigurationId: string): Promise<boolean> {
      return (
        (await WorkspaceModel.exists({
          tenantId,
          'accessOverride.ssoConfigurationId': ssoConfigurationId,
        })) !== null
      );
    },
  };

  const ssoConfigurations = {
    async insert(c: Omit<SsoConfiguration, 'tenantId'>): Promise<SsoConfiguration> {
      const { id, ...rest } = c;
      const doc = clean({ _id: id, ...rest, nameLower: c.name.toLowerCase(), tenantId });
      try {
        await SsoConfigurationModel.collection.insertOne(doc as never);
      } catch (err) {
        throw mapStorageError(err, 'SSO configuration', { nameLower: 'name' });
      }
      return toSso(doc as Doc);
    },
    async findById(id: string): Promise<SsoConfiguration | undefined> {
      const d = await byId(SsoConfigurationModel, id);
      return d ? toSso(d) : undefined;
    },
    async list(): Promise<SsoConfiguration[]> {
      const docs = await SsoConfigurationModel.find({ tenantId }).sort({ nameLower: 1 }).lean<Doc[]>();
      return docs.map(toSso);
    },
    async replace(c: SsoConfiguration): Promise<SsoConfiguration | undefined> {
      const { id, ...rest } = c;
      const doc = clean({ ...rest, nameLower: c.name.toLowerCase(), tenantId });
      try {
        const res = await SsoConfigurationModel.collection.replaceOne(
          { _id: id, tenantId } as never,
          doc as never,
        );
        return res.matchedCount === 1 ? c : undefined;
      } catch (err) {
        throw mapStorageError(err, 'SSO configuration', { nameLower: 'name' });
      }
    },
    async delete(id: string): Promise<boolean> {
      return (
        (await SsoConfigurationModel.collection.deleteOne({ _id: id, tenantId } as never)).deletedCount === 1
      );
    },
  };

  const accessPolicies = {
    async get(): Promise<AccessPolicies | undefined> {
      const d = await AccessPolicyModel.findOne({ _id: tenantId, tenantId }).lean<Doc>();
      if (!d) return undefined;
      const { _id, ...rest } = d;
      void _id;
      return rest as unknown as AccessPolicies;
    },
    async put(p: {
      mainDashboard: AccessRule;
      workspaceDefaults: AccessRule;
      updatedAt: Date;
    }): Promise<void> {
      await AccessPolicyModel.collection.replaceOne(
        { _id: tenantId, tenantId } as never,
        clean({ tenantId, ...p }) as never,
        { upsert: true },
      );
    },
  };

  const audit = {
    async list(opts: { targetId?: string; limit: number; before?: Date }): Promise<AuditEvent[]> {
      const where: Q = { tenantId };
      if (opts.targetId) where.targetId = opts.targetId;
      if (opts.before) where.at = { $lt: opts.before };
      const docs = await AuditEventModel.find(where)
        .sort({ at: -1, _id: -1 })
        .limit(opts.limit)
        .lean<Doc[]>();
      return docs.map((d) => strip<AuditEvent>(d));
    },
  };

  const provisioningLog = {
    async list(opts: {
      userId?: string;
      groupId?: string;
      outcome?: string;
      since?: Date;
      until?: Date;
      before?: { at: Date; id: string };
      limit: number;
    }): Promise<ProvisioningLogEntry[]> {
      const and: Q[] = [{ tenantId }];
      if (opts.userId) and.push({ userId: opts.userId });
      if (opts.groupId) and.push({ groupId: opts.groupId });
      if (opts.outcome) and.push({ outcome: opts.outcome });
      if (opts.since) and.push({ at: { $gte: opts.since } });
      if (opts.until) and.push({ at: { $lte: opts.until } });
      if (opts.before) {
        and.push({
          $or: [{ at: { $lt: opts.before.at } }, { at: opts.before.at, _id: { $lt: opts.before.id } }],
        });
      }
      const docs = await ProvisioningLogModel.find({ $and: and })
        .sort({ at: -1, _id: -1 })
        .limit(opts.limit)
        .lean<Doc[]>();
      return docs.map((d) => strip<ProvisioningLogEntry>(d));
    },
  };

  const credentials = {
    async insert(c: Omit<Credential, 'tenantId'> & { hash: string }): Promise<Credential> {
      const { id, ...rest } = c;
      const doc = clean({ _id: id, ...rest, tenantId });
      await CredentialModel.collection.insertOne(doc as never);
      return strip<Credential>(doc as Doc, ['hash']);
    },
    async list(kind: CredentialKind): Promise<Credential[]> {
      const docs = await CredentialModel.find({ tenantId, kind }).sort({ createdAt: -1 }).lean<Doc[]>();
      return docs.map((d) => strip<Credential>(d, ['hash']));
    },
    /** Sets an expiry on every live credential of this kind, except `keepId`. */
    async expireAll(kind: CredentialKind, at: Date, keepId?: string): Promise<void> {
      await CredentialModel.collection.updateMany(
        {
          tenantId,
          kind,
          ...(keepId ? { _id: { $ne: keepId } } : {}),
          $or: [{ expiresAt: { $exists: false } }, { expiresAt: null }, { expiresAt: { $gt: at } }],
        } as never,
        { $set: { expiresAt: at } },
      );
    },
    async deleteExpired(kind: CredentialKind, now: Date): Promise<void> {
      await CredentialModel.collection.deleteMany({ tenantId, kind, expiresAt: { $lte: now } } as never);
    },
    /** Sets one credential's expiry (revocation), unless it already ends sooner. */
    async expire(id: string, at: Date): Promise<void> {
      await CredentialModel.collection.updateOne(
        {
          _id: id,
          tenantId,
          $or: [{ expiresAt: { $exists: false } }, { expiresAt: null }, { expiresAt: { $gt: at } }],
        } as never,
        { $set: { expiresAt: at } },
      );
    },
  };

  return {
    tenantId,
    users,
    groups,
    memberships,
    workspaces,
    ssoConfigurations,
    accessPolicies,
    audit,
    provisioningLog,
    credentials,
  };
}

export type TenantRepositories = ReturnType<typeof tenantRepositories>;

/** Storage that is not bound to one tenant: the tenant registry and credential lookup by token hash. */
export const globalRepositories = {
  tenants: {
    async insert(t: Tenant): Promise<Tenant> {
      const { id, ...rest } = t;
      try {
        await TenantModel.collection.insertOne({ _id: id, ...rest } as never);
      } catch (err) {
        throw mapStorageError(err, 'tenant', { slug: 'slug' });
      }
      return t;
    },
    async findBySlug(slug: string): Promise<Tenant | undefined> {
      const d = await TenantModel.findOne({ slug }).lean<Doc>();
      return d ? toTenant(d) : undefined;
    },
    async findById(id: string): Promise<Tenant | undefined> {
      const d = await TenantModel.findOne({ _id: id }).lean<Doc>();
      return d ? toTenant(d) : undefined;
    },
    async list(): Promise<Tenant[]> {
      const docs = await TenantModel.find({}).sort({ slug: 1 }).lean<Doc[]>();
      return docs.map(toTenant);
    },
    async update(
      id: string,
      set: Partial<Pick<Tenant, 'name' | 'scimEnabled' | 'updatedAt'>>,
    ): Promise<Tenant | undefined> {
      const d = await TenantModel.collection.findOneAndUpdate(
        { _id: id } as never,
        { $set: set },
        {
          returnDocument: 'after',
        },
      );
      return d ? toTenant(d as unknown as Doc) : undefined;
    },
  },
  ssoConfigurations: {
    /**
     * Configurations of every tenant that accept this Entra tenant ID: single-tenant ones for it, multi-tenant ones
     * that list it. Access tokens name an Entra tenant, not a directory tenant.
     */
    async findAcceptingEntraTenant(entraTenantId: string): Promise<SsoConfiguration[]> {
      const tid = entraTenantId.toLowerCase();
      const docs = await SsoConfigurationModel.find({
        $or: [{ entraTenantId: tid }, { allowedEntraTenantIds: tid }],
      })
        .sort({ tenantId: 1, nameLower: 1 })
        .limit(1000)
        .lean<Doc[]>();
      return docs.map(toSso);
    },
  },
  credentials: {
    async findByHash(hash: string): Promise<(Credential & { hash: string }) | undefined> {
      const d = await CredentialModel.findOne({ hash }).lean<Doc>();
      return d ? strip<Credential & { hash: string }>(d) : undefined;
    },
  },
  /** Append-only logs written in batches by the services' writers. */
  async insertAuditEvents(events: AuditEvent[]): Promise<void> {
    if (events.length === 0) return;
    await AuditEventModel.collection.insertMany(
      events.map(({ id, ...rest }) => clean({ _id: id, ...rest })) as never[],
      { ordered: false },
    );
  },
  async insertProvisioningLog(entries: ProvisioningLogEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await ProvisioningLogModel.collection.insertMany(
      entries.map(({ id, ...rest }) => clean({ _id: id, ...rest })) as never[],
      { ordered: false },
    );
  },
};

function userDoc(user: Omit<User, 'tenantId'>): Doc {
  const { id, ...rest } = user;
  return clean({
    _id: id,
    ...rest,
    userNameLower: user.userName.toLowerCase(),
    emailsLower: lowerValues(user.emails),
    phoneNumbersLower: lowerValues(user.phoneNumbers),
    entraObjectId: user.entraObjectId?.toLowerCase(),
  }) as Doc;
}

function lowerValues(entries: readonly { value?: string | undefined }[] | undefined): string[] {
  return [...new Set((entries ?? []).flatMap((e) => (e.value ? [e.value.toLowerCase()] : [])))];
}

/** Drops undefined values (the driver would store them as null). */
function clean<T extends Record<string, unknown>>(o: T): T {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}

/** Conditions of an entry filter that some entry must meet for the filter to match (for a dotted-path pre-query). */
function necessaryEntryConditions(f: Filter<string>): Filter<string>[] {
  if (f.kind === 'and') return f.filters.flatMap(necessaryEntryConditions);
  if (f.kind === 'present') return [f];
  if (f.kind === 'compare' && f.value !== null && ['eq', 'co', 'sw', 'ew'].includes(f.op)) return [f];
  return [];
}

/** `{value: cond}` → `{"emails.value": cond}`. */
function prefixPaths(q: Q, path: string): Q {
  return Object.fromEntries(Object.entries(q).map(([k, v]) => [`${path}.${k}`, v]));
}

/** Does one stored entry ({value, type, primary}) match an entry filter? Same semantics as the query translation. */
function entryMatches(f: Filter<string>, entry: Record<string, unknown>, table: FieldTable): boolean {
  switch (f.kind) {
    case 'and':
      return f.filters.every((x) => entryMatches(x, entry, table));
    case 'or':
      return f.filters.some((x) => entryMatches(x, entry, table));
    case 'not':
      return !entryMatches(f.filter, entry, table);
    case 'present': {
      const spec = Object.hasOwn(table, f.field) ? table[f.field] : undefined;
      if (!spec) throw new InvalidInputError(`filtering on ${f.field} is not supported`, f.field);
      const v = entry[spec.path];
      return v !== undefined && v !== null && v !== '';
    }
    case 'compare': {
      const spec = Object.hasOwn(table, f.field) ? table[f.field] : undefined;
      if (!spec) throw new InvalidInputError(`filtering on ${f.field} is not supported`, f.field);
      const actual = Object.hasOwn(entry, spec.path) ? entry[spec.path] : undefined;
      if (spec.type === 'boolean') {
        if (typeof f.value !== 'boolean' || (f.op !== 'eq' && f.op !== 'ne')) {
          throw new InvalidInputError(`${f.field} is a boolean: only eq and ne with true or false`);
        }
        return (actual === f.value) === (f.op === 'eq');
      }
      if (f.value === null) return (actual === undefined || actual === null) === (f.op === 'eq');
      if (typeof f.value !== 'string') throw new InvalidInputError(`${f.field} needs a string value`);
      if (typeof actual !== 'string') return f.op === 'ne';
      const a = spec.caseInsensitive ? actual.toLowerCase() : actual;
      const v = spec.caseInsensitive ? f.value.toLowerCase() : f.value;
      switch (f.op) {
        case 'eq':
          return a === v;
        case 'ne':
          return a !== v;
        case 'co':
          return a.includes(v);
        case 'sw':
          return a.startsWith(v);
        case 'ew':
          return a.endsWith(v);
        case 'gt':
          return a > v;
        case 'ge':
          return a >= v;
        case 'lt':
          return a < v;
        case 'le':
          return a <= v;
      }
      return false;
    }
    default:
      throw new InvalidInputError('this filter cannot be used inside a value path');
  }
}
