import type { Email, PhoneNumber, User } from '../domain/types.js';
import type { GroupChanges, GroupInput } from '../services/groups.js';
import type { UserChanges } from '../services/users.js';
import { compileElementFilter, matchesElement, type SubAttributeTypes } from './element-filter.js';
import {
  booleanFromString,
  entryFromValueFilter,
  memberIdsFromValue,
  pathlessEntries,
  patchOpName,
  removeOfAbsentTargetSucceeds,
} from './entra-quirks.js';
import { invalidPath, invalidSyntax, invalidValue, mutability, noTarget } from './errors.js';
import { parseScimFilter } from './filter-parser.js';
import { parsePatchPath, type PatchPath } from './paths.js';
import { urn, type ResourceKind } from './urns.js';

/**
 * PATCH (RFC 7644 §3.5.2) over an allow-list of attributes. A PatchOp becomes the directory's own change shapes:
 * UserChanges (applied by modifyUser to the user it read, so a retry on a concurrent write re-applies the
 * operations) and GroupChanges (attributes plus membership inserts/deletes; a group's member list is never read or
 * rewritten). Nothing here writes: every operation is checked before the one service call, so a PATCH that fails
 * changes nothing. Only the keys named here are ever copied from a request.
 */
export interface PatchOperation {
  op: 'add' | 'replace' | 'remove';
  path?: string | undefined;
  value?: unknown;
}

export const maxOperations = 1000;

/** Reads a PatchOp message (§3.5.2): `{"schemas":[…PatchOp], "Operations":[{op, path?, value?}, …]}`. */
export function parsePatchRequest(body: unknown): PatchOperation[] {
  if (!isObject(body)) throw invalidSyntax('the body must be a PatchOp object');
  const opsKey = Object.keys(body).find((k) => k.toLowerCase() === 'operations');
  const ops = opsKey === undefined ? undefined : body[opsKey];
  if (!Array.isArray(ops)) throw invalidSyntax('a PatchOp needs an "Operations" list');
  if (ops.length > maxOperations) throw invalidValue(`at most ${maxOperations} operations in one PATCH`);
  return ops.map((raw, i) => {
    if (!isObject(raw)) throw invalidSyntax(`Operations[${i}] must be an object`);
    const fields = lowerKeys(raw);
    const op = patchOpName(fields.get('op'));
    if (!op) throw invalidSyntax(`Operations[${i}].op must be add, replace or remove`);
    const path = fields.get('path');
    if (path !== undefined && path !== null && typeof path !== 'string') {
      throw invalidSyntax(`Operations[${i}].path must be a string`);
    }
    return {
      op,
      path: typeof path === 'string' && path.trim() !== '' ? path : undefined,
      value: fields.get('value'),
    };
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Users

type SimpleField =
  'userName' | 'active' | 'displayName' | 'externalId' | 'givenName' | 'familyName' | 'department';
type MultiField = 'emails' | 'phoneNumbers';
type Entry = { value?: string; type?: string; primary?: boolean };

const enterprise = urn.enterpriseUser.toLowerCase();

const userSimple = new Map<string, { field: SimpleField; type: 'string' | 'boolean' }>([
  ['username', { field: 'userName', type: 'string' }],
  ['active', { field: 'active', type: 'boolean' }],
  ['displayname', { field: 'displayName', type: 'string' }],
  ['externalid', { field: 'externalId', type: 'string' }],
  ['name.givenname', { field: 'givenName', type: 'string' }],
  ['name.familyname', { field: 'familyName', type: 'string' }],
  [`${enterprise}:department`, { field: 'department', type: 'string' }],
]);

/** Complex single-valued attributes: sub-attribute (lower case) → simple path key. */
const userComplex = new Map<string, Map<string, string>>([
  [
    'name',
    new Map([
      ['givenname', 'name.givenname'],
      ['familyname', 'name.familyname'],
    ]),
  ],
  [enterprise, new Map([['department', `${enterprise}:department`]])],
]);

const userMulti = new Map<string, MultiField>([
  ['emails', 'emails'],
  ['phonenumbers', 'phoneNumbers'],
]);

const entrySubs: SubAttributeTypes = { value: 'string', type: 'string', primary: 'boolean' };

/** Attributes a client may read but never write (RFC 7643 §3.1, §4.1.2). */
const readOnly: Record<ResourceKind, Set<string>> = {
  User: new Set(['id', 'meta', 'schemas', 'groups']),
  Group: new Set(['id', 'meta', 'schemas']),
};

/** Every PATCH path accepted, per resource type (for the discovery consistency test). */
export const patchablePaths: Record<ResourceKind, string[]> = {
  User: [
    ...userSimple.keys(),
    ...userComplex.keys(),
    ...[...userMulti.keys()].flatMap((m) => [m, `${m}.value`, `${m}.type`, `${m}.primary`]),
  ],
  Group: ['displayname', 'externalid', 'members'],
};

interface UserDraft {
  userName?: string | undefined;
  active?: boolean | undefined;
  displayName?: string | undefined;
  externalId?: string | undefined;
  givenName?: string | undefined;
  familyName?: string | undefined;
  department?: string | undefined;
  emails: Entry[];
  phoneNumbers: Entry[];
}

/** Applies the operations to the user as read; returns the changes for modifyUser. */
export function applyUserPatch(current: User, ops: readonly PatchOperation[]): UserChanges {
  const draft: UserDraft = {
    userName: current.userName,
    active: current.active,
    displayName: current.displayName,
    externalId: current.externalId,
    givenName: current.givenName,
    familyName: current.familyName,
    department: current.department,
    emails: current.emails.map(copyEntry),
    phoneNumbers: current.phoneNumbers.map(copyEntry),
  };
  for (const op of ops) {
    if (op.path === undefined) {
      for (const [path, value] of pathless(op, [urn.enterpriseUser])) applyUserOp(draft, op.op, path, value);
    } else {
      applyUserOp(draft, op.op, op.path, op.value);
    }
  }
  return {
    ...draft,
    emails: draft.emails as Email[],
    phoneNumbers: draft.phoneNumbers as PhoneNumber[],
  };
}

function applyUserOp(draft: UserDraft, op: PatchOperation['op'], rawPath: string, value: unknown): void {
  const p = parsePatchPath(rawPath, 'User');
  if (readOnly.User.has(p.key)) throw mutability(`${rawPath} is read-only`);
  const key = p.sub === undefined ? p.key : `${p.key}.${p.sub}`;

  const multi = userMulti.get(p.key);
  if (multi) return applyMulti(draft, multi, op, p, value, rawPath);
  if (p.filter !== undefined)
    throw invalidPath(`${rawPath}: only multi-valued attributes take a value filter`);

  const simple = userSimple.get(key);
  if (simple) {
    setSimple(draft, simple, op === 'remove' ? undefined : value, rawPath);
    return;
  }
  const complex = p.sub === undefined ? userComplex.get(p.key) : undefined;
  if (complex) {
    if (op === 'remove' || value === null) {
      for (const subKey of complex.values()) setSimple(draft, userSimple.get(subKey)!, undefined, rawPath);
      return;
    }
    if (!isObject(value)) throw invalidValue(`${rawPath} must be an object`);
    // Sub-attributes this directory does not store (name.formatted…) are ignored, as in create and replace.
    for (const [k, v] of Object.entries(value)) {
      const subKey = complex.get(k.toLowerCase());
      if (subKey) setSimple(draft, userSimple.get(subKey)!, v, `${rawPath}.${k}`);
    }
    return;
  }
  throw invalidPath(`${rawPath} is not an attribute this directory stores`);
}

function setSimple(
  draft: UserDraft,
  spec: { field: SimpleField; type: 'string' | 'boolean' },
  value: unknown,
  path: string,
): void {
  if (spec.type === 'boolean') {
    const v = booleanFromString(value);
    if (v !== undefined && v !== null && typeof v !== 'boolean')
      throw invalidValue(`${path} must be a boolean`);
    (draft as unknown as Record<string, unknown>)[spec.field] = v ?? undefined;
    return;
  }
  (draft as unknown as Record<string, unknown>)[spec.field] = text(value, path);
}

function applyMulti(
  draft: UserDraft,
  field: MultiField,
  op: PatchOperation['op'],
  p: PatchPath,
  value: unknown,
  rawPath: string,
): void {
  const sub = p.sub === undefined ? undefined : canonicalSub(p.sub, rawPath);
  const filter =
    p.filter === undefined ? undefined : compileElementFilter(parseScimFilter(p.filter), entrySubs);
  let list = draft[field];
  const matches = (e: Entry) => filter === undefined || matchesElement(filter, e as Record<string, unknown>);

  if (op === 'remove') {
    if (filter === undefined && sub === undefined) {
      if (value === undefined || value === null) list = [];
      else {
        // Remove by value list (Entra's style for members, accepted for entries too).
        const gone = new Set(entries(value, rawPath).map((e) => (e.value ?? '').toLowerCase()));
        list = list.filter((e) => !gone.has((e.value ?? '').toLowerCase()));
      }
    } else if (sub === undefined || sub === 'value') {
      // An entry without its value is no entry: removing `emails[…].value` removes the entry.
      const before = list.length;
      list = list.filter((e) => !matches(e));
      if (list.length === before && filter !== undefined && !removeOfAbsentTargetSucceeds) {
        throw noTarget(`${rawPath} matches nothing`);
      }
    } else {
      for (const e of list) if (matches(e)) delete e[sub];
    }
    draft[field] = list;
    return;
  }

  if (filter !== undefined) {
    let selected = list.filter(matches);
    if (selected.length === 0) {
      const created = entryFromValueFilter(filter);
      if (!created) throw noTarget(`${rawPath} matches no entry, and its filter cannot describe a new one`);
      const entry = toEntry(created, rawPath);
      list.push(entry);
      selected = [entry];
    }
    for (const e of selected) {
      if (sub !== undefined) setSub(e, sub, value, rawPath);
      else {
        if (!isObject(value)) throw invalidValue(`${rawPath} needs an object value`);
        Object.assign(e, toEntry(value, rawPath));
      }
    }
    settlePrimary(list, selected);
    draft[field] = list;
    return;
  }

  if (sub !== undefined) {
    throw invalidPath(
      `${rawPath}: say which entry with a value filter, e.g. ${p.attr}[type eq "work"].${sub}`,
    );
  }
  const incoming = value === null ? [] : entries(value, rawPath);
  const touched: Entry[] = [];
  if (op === 'replace') {
    list = incoming;
    touched.push(...incoming);
  } else {
    for (const e of incoming) {
      const same = list.find(
        (x) =>
          (x.value ?? '').toLowerCase() === (e.value ?? '').toLowerCase() &&
          (x.type ?? '') === (e.type ?? ''),
      );
      if (same) Object.assign(same, e);
      else list.push(e);
      touched.push(same ?? e);
    }
  }
  settlePrimary(list, touched);
  draft[field] = list;
}

/** §3.5.2: setting primary on one entry makes every other entry of the attribute non-primary. */
function settlePrimary(list: Entry[], touched: Entry[]): void {
  const chosen = touched.filter((e) => e.primary === true).at(-1);
  if (!chosen) return;
  for (const e of list) if (e !== chosen && e.primary === true) e.primary = false;
}

function canonicalSub(sub: string, path: string): keyof Entry {
  const name = Object.keys(entrySubs).find((k) => k.toLowerCase() === sub.toLowerCase());
  if (!name) throw invalidPath(`${path}: ${sub} is not a sub-attribute this directory stores`);
  return name as keyof Entry;
}

function setSub(e: Entry, sub: keyof Entry, value: unknown, path: string): void {
  if (value === null || value === undefined) {
    delete e[sub];
    return;
  }
  if (sub === 'primary') {
    const v = booleanFromString(value);
    if (typeof v !== 'boolean') throw invalidValue(`${path} must be a boolean`);
    e.primary = v;
  } else {
    const v = text(value, path);
    if (v === undefined) delete e[sub];
    else e[sub] = v;
  }
}

/** An entry built from the allow-listed keys of `o` only. */
function toEntry(o: Record<string, unknown>, path: string): Entry {
  const e: Entry = {};
  for (const [k, v] of Object.entries(o)) {
    const name = Object.keys(entrySubs).find((s) => s.toLowerCase() === k.toLowerCase());
    if (name) setSub(e, name as keyof Entry, v, `${path}.${name}`);
  }
  return e;
}

function entries(value: unknown, path: string): Entry[] {
  const items = Array.isArray(value) ? value : [value];
  return items.map((item, i) => {
    if (!isObject(item)) throw invalidValue(`${path}[${i}] must be an object with a value`);
    return toEntry(item, path);
  });
}

function copyEntry(e: Email | PhoneNumber): Entry {
  const out: Entry = { value: e.value };
  if (e.type !== undefined) out.type = e.type;
  if (e.primary !== undefined) out.primary = e.primary;
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Groups

/**
 * Folds the operations into one GroupChanges, in order: a later operation on the same member wins (add then remove
 * = not a member). Member changes stay inserts and deletes; `replace` of members is the service's replaceMembers.
 */
export function applyGroupPatch(ops: readonly PatchOperation[]): GroupChanges {
  const set: Partial<GroupInput> = {};
  let touchedAttributes = false;
  let base: Set<string> | undefined;
  let removeAll = false;
  const add = new Set<string>();
  const remove = new Set<string>();

  const addIds = (ids: string[]) => {
    for (const id of ids) {
      if (base) base.add(id);
      else {
        remove.delete(id);
        add.add(id);
      }
    }
  };
  const removeIds = (ids: string[]) => {
    for (const id of ids) {
      if (base) base.delete(id);
      else {
        add.delete(id);
        if (!removeAll) remove.add(id);
      }
    }
  };

  const apply = (op: PatchOperation['op'], rawPath: string, value: unknown) => {
    const p = parsePatchPath(rawPath, 'Group');
    if (readOnly.Group.has(p.key)) throw mutability(`${rawPath} is read-only`);
    if (p.key === 'members') {
      if (p.sub !== undefined)
        throw invalidPath(`${rawPath}: change members as a whole or by members[value eq "…"]`);
      if (p.filter !== undefined) {
        if (op !== 'remove')
          throw invalidPath(`${rawPath}: a member filter can only be used to remove members`);
        removeIds(memberIdsFromFilter(p.filter));
        return;
      }
      if (op === 'remove' && (value === undefined || value === null)) {
        base = undefined;
        add.clear();
        remove.clear();
        removeAll = true;
        return;
      }
      const ids = value === null ? [] : memberIdsFromValue(value);
      if (!ids) throw invalidValue(`${rawPath} needs a list of {"value": "<user id>"}`);
      if (op === 'add') addIds(ids);
      else if (op === 'remove') removeIds(ids);
      else {
        base = new Set(ids);
        add.clear();
        remove.clear();
        removeAll = false;
      }
      return;
    }
    if (p.filter !== undefined || p.sub !== undefined)
      throw invalidPath(`${rawPath} is not a path of a Group`);
    const field = p.key === 'displayname' ? 'displayName' : p.key === 'externalid' ? 'externalId' : undefined;
    if (!field) throw invalidPath(`${rawPath} is not an attribute this directory stores`);
    set[field] = op === 'remove' ? undefined : text(value, rawPath);
    touchedAttributes = true;
  };

  for (const op of ops) {
    if (op.path === undefined) {
      for (const [path, value] of pathless(op, [])) apply(op.op, path, value);
    } else {
      apply(op.op, op.path, op.value);
    }
  }
  return {
    ...(touchedAttributes ? { set } : {}),
    ...(base ? { replaceMembers: [...base] } : {}),
    ...(removeAll ? { removeAllMembers: true } : {}),
    ...(add.size > 0 ? { addMembers: [...add] } : {}),
    ...(remove.size > 0 ? { removeMembers: [...remove] } : {}),
  };
}

/** `members[value eq "a"]`, or several ids or-ed: the user ids to remove. */
function memberIdsFromFilter(filterText: string): string[] {
  const f = compileElementFilter(parseScimFilter(filterText), { value: 'string' });
  const ids: string[] = [];
  const collect = (x: typeof f) => {
    if (x.kind === 'or') x.filters.forEach(collect);
    else if (x.kind === 'compare' && x.op === 'eq' && typeof x.value === 'string') ids.push(x.value);
    else throw invalidPath('only members[value eq "<id>"] (or several, joined with or) can select members');
  };
  collect(f);
  return ids;
}

// ---------------------------------------------------------------------------------------------------------------

/** A path-less add/replace: its value's keys are paths (entra-quirks.ts); remove needs a path (§3.5.2.2). */
function pathless(op: PatchOperation, extensionUrns: readonly string[]): Array<[string, unknown]> {
  if (op.op === 'remove') throw noTarget('remove needs a path');
  if (!isObject(op.value)) throw invalidValue(`${op.op} without a path needs an object value`);
  // `schemas` in a partial resource names its schemas; it is not an attribute to change.
  return pathlessEntries(op.value, extensionUrns).filter(([k]) => k.toLowerCase() !== 'schemas');
}

function text(value: unknown, path: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalidValue(`${path} must be a string`);
  return value;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function lowerKeys(o: Record<string, unknown>): Map<string, unknown> {
  const m = new Map<string, unknown>();
  for (const [k, v] of Object.entries(o)) m.set(k.toLowerCase(), v);
  return m;
}
