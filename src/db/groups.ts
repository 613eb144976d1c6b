import type { Filter, GroupFilter } from '../domain/filter.js';
import type { Group } from '../domain/types.js';
import { guarded } from './errors.js';
import { escapeRegex, toMongoFilter, type FieldTable } from './filter.js';
import { GroupModel, type GroupDoc } from './models/index.js';
import { budget, clean, oneBatch, type ListOptions, type MembershipLookup } from './reads.js';
import { RecentReads } from './recent-reads.js';

type Q = Record<string, unknown>;

/** The filterable attributes of groups. displayName's lower-case copy has the substring index itself. */
export const groupFields: FieldTable = {
  id: { path: '_id', type: 'string' },
  displayName: { path: 'displayName', type: 'string', caseInsensitive: true, lowerPath: 'displayNameLower' },
  externalId: { path: 'externalId', type: 'string' },
  source: { path: 'source', type: 'string' },
  createdAt: { path: 'createdAt', type: 'date' },
  updatedAt: { path: 'updatedAt', type: 'date' },
};

function toDoc(tenantId: string, g: Omit<Group, 'tenantId'>): GroupDoc {
  const { id, ...rest } = g;
  return clean({ ...rest, _id: id, tenantId, displayNameLower: g.displayName.toLowerCase() });
}

/**
 * What a read returns of a stored group: its own fields, not its tenant (the query's) nor the lower-case copy of
 * its name. On the embedded database the fields come from their columns, not from the whole document.
 */
const stored = {
  _id: 1,
  displayName: 1,
  externalId: 1,
  source: 1,
  createdAt: 1,
  updatedAt: 1,
  version: 1,
} as const;

type StoredGroup = Omit<GroupDoc, 'tenantId' | 'displayNameLower'>;

function toGroup(tenantId: string, d: StoredGroup): Group {
  return clean({
    id: d._id,
    tenantId,
    displayName: d.displayName,
    externalId: d.externalId,
    source: d.source,
    createdAt: d.createdAt,
    updatedAt: d.updatedAt,
    version: d.version,
  });
}

/**
 * Groups this process read recently, for `findRecentByIds` (every tenant's: keys hold the tenant). A page of 100
 * users with their groups shows ~500 groups of a tenant that has few of them, and the next page mostly the same:
 * without it they were read again for every page, half of the page's database work.
 */
let recent = new RecentReads<Group>(1000, 50_000);

/**
 * How long a group read by `findRecentByIds` may be served from memory (GROUP_READ_CACHE_MS, set at start;
 * 0: always read).
 */
export function setGroupReadCacheAge(maxAgeMs: number): void {
  recent = new RecentReads<Group>(maxAgeMs, 50_000);
}

/** Forgets the groups read recently (the database's contents were replaced). */
export function forgetRecentGroups(): void {
  recent.clear();
}

/** Groups of one tenant. `memberships` resolves `hasMember` filters. */
export function createGroupQueries(tenantId: string, memberships: MembershipLookup) {
  const key = (id: string) => `${tenantId}\u0000${id}`;
  /** After a write of a group (whatever its outcome): the next reads here see the database's. */
  const changed = async <T>(id: string, write: () => Promise<T>): Promise<T> => {
    try {
      return await write();
    } finally {
      recent.changed(key(id));
    }
  };
  /** The groups whose `field` is one of `values`. */
  const findIn = async (field: '_id' | 'externalId', values: readonly string[]): Promise<Group[]> => {
    if (values.length === 0) return [];
    const docs = await GroupModel.find({ tenantId, [field]: { $in: [...values] } })
      .batchSize(oneBatch(values.length))
      .maxTimeMS(budget)
      .select(stored)
      .lean<StoredGroup[]>();
    return docs.map((d) => toGroup(tenantId, d));
  };
  const findByIds = (ids: readonly string[]) => findIn('_id', ids);
  const query = async (filter: GroupFilter | undefined, search?: string): Promise<Q> => {
    const and: Q[] = [];
    if (search) and.push({ displayNameLower: { $regex: escapeRegex(search.toLowerCase()) } });
    if (filter) {
      const resolved = new Map<Filter, Q>();
      const visit = async (f: Filter): Promise<void> => {
        if (f.kind === 'and' || f.kind === 'or') for (const c of f.filters) await visit(c);
        else if (f.kind === 'not') await visit(f.filter);
        else if (f.kind === 'hasMember') {
          resolved.set(f, { _id: { $in: await memberships.groupIdsOfUser(f.userId) } });
        }
      };
      await visit(filter);
      and.push(toMongoFilter(filter, groupFields, (f) => resolved.get(f)));
    }
    return and.length === 0 ? { tenantId } : { tenantId, $and: and };
  };

  return guarded(
    {
      async insert(group: Omit<Group, 'tenantId'>): Promise<Group> {
        const [doc] = await GroupModel.insertMany([toDoc(tenantId, group)], { lean: false });
        return toGroup(tenantId, doc!.toObject() as GroupDoc);
      },
      async findById(id: string): Promise<Group | undefined> {
        const d = await GroupModel.findOne({ tenantId, _id: id }).select(stored).lean<StoredGroup>();
        return d ? toGroup(tenantId, d) : undefined;
      },
      findByIds,
      /**
       * Groups by id to show them (GraphQL's groups of a user): from this process's recent reads where it has them
       * (recent-reads.ts: a change made through this process is seen at once, one made elsewhere within
       * GROUP_READ_CACHE_MS), the others from the database. Access decisions and writes use `findByIds`. The
       * groups returned are frozen (shared with other readers).
       */
      async findRecentByIds(ids: readonly string[]): Promise<Group[]> {
        const idOf = new Map(ids.map((id) => [key(id), id]));
        return recent.getMany([...idOf.keys()], async (keys) => {
          const groups = await findByIds(keys.map((k) => idOf.get(k)!));
          return new Map(groups.map((g) => [key(g.id), g]));
        });
      },
      findByExternalIds: (externalIds: readonly string[]) => findIn('externalId', externalIds),
      /** Replaces the stored group if its version is still `expectedVersion` (optimistic concurrency). */
      async replace(group: Group, expectedVersion: number): Promise<Group | undefined> {
        const doc = toDoc(tenantId, group);
        const res = await changed(group.id, () =>
          GroupModel.replaceOne({ _id: doc._id, tenantId, version: expectedVersion }, doc, {
            runValidators: true,
          }),
        );
        return res.matchedCount === 1 ? group : undefined;
      },
      /** Marks a group changed (membership edits) and returns it; undefined when it does not exist. */
      async touch(id: string, at: Date): Promise<Group | undefined> {
        const d = await changed(id, () =>
          GroupModel.findOneAndUpdate(
            { tenantId, _id: id },
            { $set: { updatedAt: at }, $inc: { version: 1 } },
            { returnDocument: 'after', lean: true, runValidators: true },
          ),
        );
        return d ? toGroup(tenantId, d as GroupDoc) : undefined;
      },
      async delete(id: string): Promise<boolean> {
        return (await changed(id, () => GroupModel.deleteOne({ tenantId, _id: id }))).deletedCount === 1;
      },
      /** A page of groups: by id (SCIM) or by lower-case displayName (GraphQL; keyset after a unique name). */
      async list(filter: GroupFilter | undefined, opts: ListOptions): Promise<Group[]> {
        const q = await query(filter, opts.search);
        const byName = opts.sort === 'name';
        if (opts.after)
          q[byName ? 'displayNameLower' : '_id'] = { $gt: byName ? opts.after.key : opts.after.id };
        const docs = await GroupModel.find(q)
          .sort(byName ? { displayNameLower: 1 } : { _id: 1 })
          .skip(opts.skip ?? 0)
          .limit(opts.limit)
          .batchSize(oneBatch(opts.limit))
          .maxTimeMS(budget)
          .select(stored)
          .lean<StoredGroup[]>();
        return docs.map((d) => toGroup(tenantId, d));
      },
      async count(filter: GroupFilter | undefined, search?: string): Promise<number> {
        return GroupModel.countDocuments(await query(filter, search)).maxTimeMS(budget);
      },
    },
    { resource: 'group', unique: { displayNameLower: 'displayName', _id: 'id' } },
  );
}

export type GroupQueries = ReturnType<typeof createGroupQueries>;
