import { InvalidInputError, TooExpensiveError } from '../domain/errors.js';
import type { Filter, UserFilter, UserFilterField } from '../domain/filter.js';
import { userTextFields, type User, type UserAttribute, type UserTextField } from '../domain/types.js';
import { matchesEntry } from '../domain/entry-filter.js';
import { guarded } from './errors.js';
import {
  escapeRegex,
  lookup,
  toMongoFilter,
  valuesLowerEquality,
  type FieldSpec,
  type FieldTable,
} from './filter.js';
import { UserModel, type AddressDoc, type EntryDoc, type UserDoc } from './models/index.js';
import { budget, clean, oneBatch, type ListOptions, type MembershipLookup } from './reads.js';

type Q = Record<string, unknown>;

/** Separates the names in a user's search text: no search term can hold it (services/validate.ts refuses it). */
export const searchSeparator = '\u001f';

const multi = (path: string): FieldSpec => ({
  path,
  type: 'multi',
  valuesLowerPath: `${path}Lower`,
  sub: {
    value: { path: 'value', type: 'string', caseInsensitive: true },
    type: { path: 'type', type: 'string', caseInsensitive: true },
    primary: { path: 'primary', type: 'boolean' },
  },
});

/** A case-insensitive name: compared on its lower-case copy; substrings also found through the search text. */
const name = (path: string, search = true): FieldSpec => ({
  path,
  type: 'string',
  caseInsensitive: true,
  lowerPath: `${path}Lower`,
  ...(search ? { searchPath: 'searchText' } : {}),
});

/** The filterable attributes of users (directory names → storage). */
export const userFields: FieldTable = {
  id: { path: '_id', type: 'string' },
  userName: name('userName'),
  active: { path: 'active', type: 'boolean' },
  givenName: name('givenName'),
  familyName: name('familyName'),
  displayName: name('displayName'),
  externalId: { path: 'externalId', type: 'string' },
  department: name('department', false),
  title: name('title', false),
  managerId: { path: 'managerId', type: 'string' },
  entraObjectId: { path: 'entraObjectId', type: 'string' },
  source: { path: 'source', type: 'string' },
  emails: multi('emails'),
  phoneNumbers: multi('phoneNumbers'),
  createdAt: { path: 'createdAt', type: 'date' },
  updatedAt: { path: 'updatedAt', type: 'date' },
};

/** An entry condition (value path) may match at most this many users. */
export const maxEntryMatches = 1000;

const lower = (s: string | undefined) => s?.toLowerCase();

function lowerValues(entries: readonly { value?: string | undefined }[]): string[] {
  return [...new Set(entries.flatMap((e) => (e.value ? [e.value.toLowerCase()] : [])))];
}

function toDoc(tenantId: string, user: Omit<User, 'tenantId'>): UserDoc {
  const { id, ...rest } = user;
  const names = [user.userName, user.displayName, user.givenName, user.familyName];
  return clean({
    ...rest,
    _id: id,
    tenantId,
    userNameLower: user.userName.toLowerCase(),
    givenNameLower: lower(user.givenName),
    familyNameLower: lower(user.familyName),
    displayNameLower: lower(user.displayName),
    departmentLower: lower(user.department),
    titleLower: lower(user.title),
    entraObjectId: lower(user.entraObjectId),
    emailsLower: lowerValues(user.emails),
    phoneNumbersLower: lowerValues(user.phoneNumbers),
    searchText: names.flatMap((n) => (n ? [n.toLowerCase()] : [])).join(searchSeparator),
  }) as UserDoc;
}

function entries(list: EntryDoc[] | undefined) {
  return (list ?? []).map((e) => clean({ value: e.value ?? '', type: e.type, primary: e.primary }));
}

function addresses(list: AddressDoc[] | undefined) {
  return (list ?? []).map((a) =>
    clean({
      type: a.type,
      formatted: a.formatted,
      streetAddress: a.streetAddress,
      locality: a.locality,
      region: a.region,
      postalCode: a.postalCode,
      country: a.country,
      primary: a.primary,
    }),
  );
}

/** A user's attributes besides its names (userTextFields): a compile error until a new one is listed here. */
const otherAttributes: Record<Exclude<UserAttribute, UserTextField>, true> = {
  active: true,
  emails: true,
  phoneNumbers: true,
  addresses: true,
  externalId: true,
  managerId: true,
  entraObjectId: true,
  source: true,
  createdAt: true,
  updatedAt: true,
  version: true,
};
const everyAttribute: readonly UserAttribute[] = [
  ...(Object.keys(otherAttributes) as (keyof typeof otherAttributes)[]),
  ...userTextFields,
];

/**
 * The stored fields that a read of `attributes` asks for (a projection): the user's own fields by the same names,
 * with id and userName, and nothing of what storage keeps beside them (lower-case copies, search text: about 40% of
 * a stored user). Undefined: the whole document.
 */
function projectionOf(attributes: readonly UserAttribute[] | undefined): Record<string, 1> | undefined {
  if (!attributes) return undefined;
  const p: Record<string, 1> = { _id: 1, userName: 1 };
  for (const a of attributes) p[a] = 1;
  return p;
}

/**
 * The user of a stored document, with id, tenantId, userName and `attributes` (every one when not given) and no
 * other: a read of some attributes (projectionOf) gives a user that carries those only. An array asked for and not
 * stored is empty; other attributes not stored are left out. Assigned one by one, not spread or copied from an
 * array of pairs: a fast object, read field by field by GraphQL.
 */
function toUser(tenantId: string, d: UserDoc, attributes: readonly UserAttribute[] = everyAttribute): User {
  const user: Record<string, unknown> = { id: d._id, tenantId, userName: d.userName };
  for (const a of attributes) {
    if (a === 'emails' || a === 'phoneNumbers') user[a] = entries(d[a]);
    else if (a === 'addresses') user[a] = addresses(d.addresses);
    else if (d[a] !== undefined) user[a] = d[a];
  }
  return user as unknown as User;
}

const unique = { userNameLower: 'userName', _id: 'id' };

/** Users of one tenant. `memberships` resolves `memberOf` filters. */
export function createUserQueries(tenantId: string, memberships: MembershipLookup) {
  /** The users with these ids (in no particular order); with `attributes`, those only (toUser). */
  const byIds = async (ids: readonly string[], attributes?: readonly UserAttribute[]): Promise<User[]> => {
    if (ids.length === 0) return [];
    const docs = await UserModel.find({ tenantId, _id: { $in: [...ids] } }, projectionOf(attributes))
      .batchSize(oneBatch(ids.length))
      .maxTimeMS(budget)
      .lean<UserDoc[]>();
    return docs.map((d) => toUser(tenantId, d, attributes));
  };

  /**
   * The users with an entry of a multi-valued field (emails, phoneNumbers) that matches `entry`: candidates by the
   * entry's value (an array-contains condition on the lower-case copies) or by its other necessary conditions, each
   * candidate's entries then checked against the whole entry filter. FerretDB v1 cannot match inside arrays of
   * documents, so entries are never matched in the database. More than `maxEntryMatches` candidates is too broad.
   */
  const withEntry = async (field: UserFilterField, entry: Filter<string>): Promise<string[]> => {
    const spec = lookup(userFields, field);
    if (spec.type !== 'multi' || !spec.sub)
      throw new InvalidInputError(`${field} is not multi-valued`, field);
    const sub = spec.sub;
    const conditions = necessaryEntryConditions(entry);
    const byValue = conditions
      .map((c) =>
        c.kind === 'compare' && c.field === 'value' ? valuesLowerEquality(spec, c.op, c.value) : undefined,
      )
      .find((q) => q !== undefined);
    const necessary = conditions.map((c) => prefixPaths(toMongoFilter(c, sub), spec.path));
    const where =
      byValue ?? (necessary.length > 0 ? { $and: necessary } : { [spec.path]: { $exists: true, $ne: [] } });
    const docs = await UserModel.find({ tenantId, ...where })
      .sort({ _id: 1 })
      .limit(maxEntryMatches + 1)
      .batchSize(oneBatch(maxEntryMatches + 1))
      .maxTimeMS(budget)
      .select({ _id: 1, [spec.path]: 1 })
      .lean<Pick<UserDoc, '_id' | 'emails' | 'phoneNumbers'>[]>();
    if (docs.length > maxEntryMatches) {
      throw new TooExpensiveError(
        `the condition on ${field} matches more than ${maxEntryMatches} users; narrow it`,
      );
    }
    return docs
      .filter((d) =>
        ((d as unknown as Record<string, EntryDoc[]>)[spec.path] ?? []).some((e) =>
          matchesEntry(entry, { ...e }, sub),
        ),
      )
      .map((d) => d._id);
  };

  /** The query for a filter: membership and value-path conditions become id sets first, the rest is translated. */
  const query = async (filter: UserFilter | undefined, search?: string): Promise<Q> => {
    const and: Q[] = [];
    // the separator is in no name: a term holding it finds nobody (rather than a match across two names)
    if (search) {
      and.push(
        search.includes(searchSeparator)
          ? { _id: { $in: [] } }
          : { searchText: { $regex: escapeRegex(search.toLowerCase()) } },
      );
    }
    if (filter) {
      const resolved = new Map<Filter, Q>();
      const visit = async (f: Filter): Promise<void> => {
        if (f.kind === 'and' || f.kind === 'or') for (const c of f.filters) await visit(c);
        else if (f.kind === 'not') await visit(f.filter);
        else if (f.kind === 'memberOf') {
          resolved.set(f, { _id: { $in: await memberships.userIdsOfGroup(f.groupId, 100_000) } });
        } else if (
          f.kind === 'element' ||
          (f.kind === 'compare' && lookup(userFields, f.field).type === 'multi')
        ) {
          const entry: Filter<string> =
            f.kind === 'element' ? f.filter : { kind: 'compare', field: 'value', op: f.op, value: f.value };
          resolved.set(f, { _id: { $in: await withEntry(f.field as UserFilterField, entry) } });
        }
      };
      await visit(filter);
      and.push(toMongoFilter(filter, userFields, (f) => resolved.get(f)));
    }
    return and.length === 0 ? { tenantId } : { tenantId, $and: and };
  };

  return guarded(
    {
      async insert(user: Omit<User, 'tenantId'>): Promise<User> {
        const [doc] = await UserModel.insertMany([toDoc(tenantId, user)], { lean: false });
        return toUser(tenantId, doc!.toObject() as UserDoc);
      },
      async findById(id: string): Promise<User | undefined> {
        const d = await UserModel.findOne({ tenantId, _id: id }).lean<UserDoc>();
        return d ? toUser(tenantId, d) : undefined;
      },
      findByIds: byIds,
      async findByUserName(userName: string): Promise<User | undefined> {
        const d = await UserModel.findOne({
          tenantId,
          userNameLower: userName.toLowerCase(),
        }).lean<UserDoc>();
        return d ? toUser(tenantId, d) : undefined;
      },
      async findByEntraObjectId(oid: string): Promise<User | undefined> {
        const d = await UserModel.findOne({ tenantId, entraObjectId: oid.toLowerCase() }).lean<UserDoc>();
        return d ? toUser(tenantId, d) : undefined;
      },
      /** Replaces the stored user if its version is still `expectedVersion` (optimistic concurrency). */
      async replace(user: User, expectedVersion: number): Promise<User | undefined> {
        const doc = toDoc(tenantId, user);
        const res = await UserModel.replaceOne({ _id: doc._id, tenantId, version: expectedVersion }, doc, {
          runValidators: true,
        });
        return res.matchedCount === 1 ? user : undefined;
      },
      async delete(id: string): Promise<boolean> {
        return (await UserModel.deleteOne({ tenantId, _id: id })).deletedCount === 1;
      },
      /** The users whose manager was `managerId` lose the reference (one command; their version moves on). */
      async clearManager(managerId: string, at: Date): Promise<number> {
        const res = await UserModel.updateMany(
          { tenantId, managerId },
          { $unset: { managerId: 1 }, $set: { updatedAt: at }, $inc: { version: 1 } },
        );
        return res.modifiedCount;
      },
      /**
       * The direct reports of several managers, each sorted by lower-case userName (after `after`, when given), in
       * one command: at most `cap` users; undefined when there are more (the caller then asks per manager).
       */
      async listByManagers(
        managerIds: readonly string[],
        after: string | undefined,
        cap: number,
      ): Promise<User[] | undefined> {
        if (managerIds.length === 0) return [];
        const docs = await UserModel.find({
          tenantId,
          managerId: { $in: [...managerIds] },
          ...(after !== undefined ? { userNameLower: { $gt: after } } : {}),
        })
          .sort({ managerId: 1, userNameLower: 1 })
          .limit(cap + 1)
          .batchSize(oneBatch(cap + 1))
          .maxTimeMS(budget)
          .lean<UserDoc[]>();
        return docs.length > cap ? undefined : docs.map((d) => toUser(tenantId, d));
      },
      /** The ids (of these, without repeats) that are not users of this tenant, in one command. */
      async missingIds(ids: readonly string[]): Promise<string[]> {
        const wanted = [...new Set(ids)];
        if (wanted.length === 0) return [];
        const found = await UserModel.find({ tenantId, _id: { $in: wanted } })
          .select({ _id: 1 })
          .batchSize(oneBatch(wanted.length))
          .maxTimeMS(budget)
          .lean<{ _id: string }[]>();
        const present = new Set(found.map((d) => d._id));
        return wanted.filter((id) => !present.has(id));
      },
      /**
       * A page of users: by id (SCIM's offset pages) or by lower-case userName (GraphQL; keyset after a userName,
       * which is unique in the tenant). `search` is a substring of any of the names. With `attributes`, the users
       * carry those only (toUser).
       */
      async list(
        filter: UserFilter | undefined,
        opts: ListOptions & { attributes?: readonly UserAttribute[] | undefined },
      ): Promise<User[]> {
        const q = await query(filter, opts.search);
        const byName = opts.sort === 'name';
        if (opts.after)
          q[byName ? 'userNameLower' : '_id'] = { $gt: byName ? opts.after.key : opts.after.id };
        const docs = await UserModel.find(q, projectionOf(opts.attributes))
          .sort(byName ? { userNameLower: 1 } : { _id: 1 })
          .skip(opts.skip ?? 0)
          .limit(opts.limit)
          .batchSize(oneBatch(opts.limit))
          .maxTimeMS(budget)
          .lean<UserDoc[]>();
        return docs.map((d) => toUser(tenantId, d, opts.attributes));
      },
      async count(filter: UserFilter | undefined, search?: string): Promise<number> {
        return UserModel.countDocuments(await query(filter, search)).maxTimeMS(budget);
      },
    },
    { resource: 'user', unique },
  );
}

export type UserQueries = ReturnType<typeof createUserQueries>;

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
