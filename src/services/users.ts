import { randomUUID } from 'node:crypto';
import { recordSourceOf } from '../domain/context.js';
import { type ServiceContext } from './context.js';
import {
  ImmutableFieldError,
  InvalidInputError,
  NotFoundError,
  PreconditionFailedError,
} from '../domain/errors.js';
import type { UserFilter } from '../domain/filter.js';
import {
  userTextFields,
  type Address,
  type Email,
  type Page,
  type PhoneNumber,
  type User,
  type UserAttribute,
  type UserTextField,
} from '../domain/types.js';
import { recordAudit } from './audit.js';
import { finishDeletion } from './deletions.js';
import { changeVersioned } from './optimistic.js';
import { checkedUserFilter } from './filters.js';
import { offsetPage } from './paging.js';
import { assertMayLookUpUser, assertMayRead, assertMayReadUser } from './read-policy.js';
import { assertManager } from './org-chart.js';
import { addresses } from './user-addresses.js';
import { entraId, multiValued, optionalBoolean, optionalText, requiredText, searchTerm } from './validate.js';

/** What a writer may set on a user (directory words). */
export interface UserInput extends Partial<Record<UserTextField, string | undefined>> {
  userName: string;
  active?: boolean | undefined;
  emails?: Email[] | undefined;
  phoneNumbers?: PhoneNumber[] | undefined;
  addresses?: Address[] | undefined;
  externalId?: string | undefined;
  /** The id of the user's manager: a user of the same tenant, not the user itself. */
  managerId?: string | undefined;
  entraObjectId?: string | undefined;
}

export type UserChanges = Partial<UserInput>;

/** Attributes Entra writes: on provisioned users only the SCIM channel may change them. */
export const entraOwnedUserFields = [
  'userName',
  'active',
  ...userTextFields,
  'emails',
  'phoneNumbers',
  'addresses',
  'externalId',
  'managerId',
] as const;

/** Short codes and identifiers: at most this many characters (names and addresses take limits.longText). */
const shortTextFields: ReadonlySet<string> = new Set([
  'userType',
  'preferredLanguage',
  'locale',
  'timezone',
  'employeeNumber',
  'costCenter',
]);

type NormalisedUser = Omit<User, 'id' | 'tenantId' | 'source' | 'createdAt' | 'updatedAt' | 'version'>;

function normalise(input: UserInput): NormalisedUser {
  const out: NormalisedUser = {
    userName: requiredText(input.userName, 'userName').trim(),
    active: optionalBoolean(input.active, 'active') ?? true,
    emails: multiValued<Email>(input.emails, 'emails'),
    phoneNumbers: multiValued<PhoneNumber>(input.phoneNumbers, 'phoneNumbers'),
    addresses: addresses(input.addresses, 'addresses'),
    externalId: optionalText(input.externalId, 'externalId', 256),
    managerId: optionalText(input.managerId, 'managerId', 256),
    entraObjectId:
      input.entraObjectId === undefined || input.entraObjectId === null
        ? undefined
        : entraId(input.entraObjectId, 'entraObjectId'),
  };
  for (const f of userTextFields) {
    out[f] = optionalText(input[f], f, shortTextFields.has(f) ? 64 : undefined);
  }
  return out;
}

export async function createUser(ctx: ServiceContext, input: UserInput): Promise<User> {
  const now = new Date();
  const id = randomUUID();
  const fields = normalise(input);
  await assertManager(ctx, id, fields.managerId);
  const user = await ctx.db.users.insert({
    id,
    ...fields,
    source: recordSourceOf(ctx),
    createdAt: now,
    updatedAt: now,
    version: 1,
  });
  recordAudit(
    ctx,
    'user.create',
    { type: 'user', id: user.id },
    { userName: user.userName, active: user.active },
  );
  return user;
}

export async function getUser(ctx: ServiceContext, id: string): Promise<User> {
  const user = await ctx.db.users.findById(id);
  if (!user) throw new NotFoundError('user', id);
  return user;
}

/** A user looked up by id for a reader (read-policy.ts: oneself, or those who read everything). */
export async function readUser(ctx: ServiceContext, id: string): Promise<User> {
  assertMayLookUpUser(ctx, id);
  return getUser(ctx, id);
}

/** A field beyond the basic profile, of a user the reader reached (read-policy.ts: their own, or an admin's). */
export function readUserField<
  K extends 'phoneNumbers' | 'addresses' | 'externalId' | 'employeeNumber' | 'entraObjectId' | 'managerId',
>(ctx: ServiceContext, user: User, field: K): User[K] {
  assertMayReadUser(ctx, user.id, 'private');
  return user[field];
}

export async function getUsersByIds(ctx: ServiceContext, ids: readonly string[]): Promise<User[]> {
  return ctx.db.users.findByIds(ids);
}

export async function findUserByUserName(ctx: ServiceContext, userName: string): Promise<User | undefined> {
  return ctx.db.users.findByUserName(userName);
}

export async function findUserByEntraObjectId(ctx: ServiceContext, oid: string): Promise<User | undefined> {
  return ctx.db.users.findByEntraObjectId(oid);
}

/**
 * Offset pages (SCIM startIndex/count). The total is counted only when the page is full; a short first page is
 * its own total, so Entra's lookups (a filter matching 0 or 1 user) cost one database command.
 */
export async function listUsers(
  ctx: ServiceContext,
  opts: { filter?: UserFilter | undefined; skip: number; limit: number },
): Promise<Page<User>> {
  return offsetPage(ctx.db.users, {
    ...opts,
    filter: checkedUserFilter(opts.filter),
  });
}

/**
 * Keyset pages by userName (GraphQL connections); `search` is a substring of any of the user's names. With
 * `attributes`, the users carry those only (besides id, tenantId and userName): what the reader shows.
 */
export async function listUsersAfter(
  ctx: ServiceContext,
  opts: {
    filter?: UserFilter | undefined;
    search?: string | undefined;
    after?: { key: string; id: string } | undefined;
    limit: number;
    attributes?: readonly UserAttribute[] | undefined;
  },
): Promise<User[]> {
  assertMayRead(ctx, 'people');
  return ctx.db.users.list(checkedUserFilter(opts.filter), {
    limit: opts.limit,
    after: opts.after,
    sort: 'name',
    search: searchTerm(opts.search),
    attributes: opts.attributes,
  });
}

export async function countUsers(ctx: ServiceContext, filter?: UserFilter, search?: string): Promise<number> {
  assertMayRead(ctx, 'people');
  return ctx.db.users.count(checkedUserFilter(filter), searchTerm(search));
}

/** Sort key used by listUsersAfter cursors. */
export function userSortKey(u: User): string {
  return u.userName.toLowerCase();
}

/**
 * Changes a user through `mutate`, which receives the current user and returns the changes. Optimistic
 * concurrency: if another writer got in between, `mutate` runs again on the fresh user (up to 5 times).
 * `replace` clears every writable field that the changes do not name (PUT semantics) — but `active`, which no
 * change ever clears (nextActive).
 */
export async function modifyUser(
  ctx: ServiceContext,
  id: string,
  mutate: (current: User) => UserChanges,
  opts: { replace?: boolean; expectedVersion?: number } = {},
): Promise<User> {
  let changed: (keyof User)[] = [];
  const { record } = await changeVersioned(
    'user',
    id,
    () => ctx.db.users.findById(id),
    async (current) => {
      if (opts.expectedVersion !== undefined && current.version !== opts.expectedVersion) {
        throw new PreconditionFailedError('the user was changed by someone else');
      }
      const changes = mutate(current);
      const base: UserInput = opts.replace
        ? { userName: current.userName, entraObjectId: current.entraObjectId }
        : { ...current };
      const next = {
        ...normalise({ ...base, ...changes }),
        active: nextActive(current, changes, !!opts.replace),
      };
      changed = diff(current, next);
      assertMayChange(ctx, current, changed);
      if (changed.length === 0) return undefined;
      if (changed.includes('managerId')) await assertManager(ctx, current.id, next.managerId);
      return { ...current, ...next, updatedAt: new Date() };
    },
    async (next, expected) => (await ctx.db.users.replace(next, expected)) !== undefined,
  );
  if (changed.length > 0) {
    recordAudit(
      ctx,
      'user.update',
      { type: 'user', id },
      Object.fromEntries(changed.map((k) => [k, record[k]])),
    );
  }
  return record;
}

/**
 * Deactivation is sticky (issue 12): a user is active or inactive, never "unset", and only an explicit `true`
 * activates. A replacement without `active` (SCIM PUT without it, or with null) and a change that does not name it
 * keep it as it is; a change that names it without a value (SCIM PATCH `remove active`, `replace active null`) is
 * refused rather than read as a default. A deprovisioned person is never let back in by omission.
 */
function nextActive(current: User, changes: UserChanges, replace: boolean): boolean {
  if (!Object.hasOwn(changes, 'active')) return current.active;
  const active = optionalBoolean(changes.active, 'active');
  if (active === undefined && replace) return current.active;
  if (active === undefined) {
    throw new InvalidInputError(
      'active cannot be removed or set to null: send false to deactivate',
      'active',
    );
  }
  return active;
}

export function updateUser(ctx: ServiceContext, id: string, changes: UserChanges): Promise<User> {
  return modifyUser(ctx, id, () => changes);
}

export async function deleteUser(ctx: ServiceContext, id: string): Promise<void> {
  const repos = ctx.db;
  const user = await repos.users.findById(id);
  if (!user) {
    // A delete that stopped after removing the record (a crash, the database gone) left its memberships and reports;
    // the client's retry of it (Entra retries a failed DELETE) finishes it, as the repair sweep would, then says 404.
    if (await repos.deletions.has('user', id)) await finishDeletion(repos, 'user', id);
    throw new NotFoundError('user', id);
  }
  assertMayChange(ctx, user, ['userName']);
  // recorded first: the repair sweep finishes a delete a crash interrupts, and removes memberships a concurrent
  // member add writes after the ones below are gone
  await repos.deletions.record('user', id, new Date());
  const { recordRemoved, reportsCleared } = await finishDeletion(repos, 'user', id);
  if (!recordRemoved) throw new NotFoundError('user', id); // deleted meanwhile by another request
  recordAudit(
    ctx,
    'user.delete',
    { type: 'user', id },
    { userName: user.userName, ...(reportsCleared > 0 ? { managerClearedOfReports: reportsCleared } : {}) },
  );
}

const comparable = [...entraOwnedUserFields, 'entraObjectId'] as const;
type ComparableField = (typeof comparable)[number];

function diff(current: User, next: NormalisedUser): ComparableField[] {
  return comparable.filter((k) => JSON.stringify(current[k] ?? null) !== JSON.stringify(next[k] ?? null));
}

/** Records provisioned by Entra are owned by Entra: other channels may not change what Entra writes. */
function assertMayChange(ctx: ServiceContext, user: User, changed: readonly string[]): void {
  if (user.source !== 'scim' || ctx.source === 'scim') return;
  const owned = changed.find((k) => (entraOwnedUserFields as readonly string[]).includes(k));
  if (owned) {
    throw new ImmutableFieldError(
      owned,
      `${owned} of this user is provisioned from Microsoft Entra ID and can only be changed there`,
    );
  }
}

/**
 * The directory user behind an Entra sign-in (an ID token, or an access token for the API): by Entra object ID
 * where known, else by userName = the token's preferred_username / UPN, case-insensitively. A user found by
 * userName learns the object ID (not an Entra-owned attribute, so provisioned users may take it), and later
 * sign-ins match by object ID even after a rename. A user who already carries another object ID is a different
 * person who once had this userName: not linked. Entra's default SCIM mapping fills externalId from mailNickname,
 * so externalId is never taken for the object ID.
 *
 * Call with a context whose source is 'sso'. Returns undefined when nobody matches.
 */
export async function linkEntraUser(
  ctx: ServiceContext,
  signIn: { objectId: string; userNames: readonly (string | undefined)[] },
): Promise<User | undefined> {
  const repo = ctx.db.users;
  const oid = entraId(signIn.objectId, 'oid');
  const byObjectId = await repo.findByEntraObjectId(oid);
  if (byObjectId) return byObjectId;
  const names = new Set(
    signIn.userNames
      .filter((n): n is string => typeof n === 'string' && n.trim() !== '')
      .map((n) => n.trim()),
  );
  for (const name of names) {
    const user = await repo.findByUserName(name);
    if (!user) continue;
    if (user.entraObjectId && user.entraObjectId !== oid) return undefined;
    const linked = await modifyUser(ctx, user.id, (current) =>
      current.entraObjectId ? {} : { entraObjectId: oid },
    );
    return linked.entraObjectId === oid ? linked : undefined;
  }
  return undefined;
}
