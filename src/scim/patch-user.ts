import type { User } from '../domain/types.js';
import type { UserChanges } from '../services/users.js';
import { userAttribute, userAttributeKeys, userExtensions } from './attributes.js';
import { booleanFromString, referenceFromString } from './entra-quirks.js';
import { invalidPath, invalidValue, mutability } from './errors.js';
import { parsePatchPath } from './paths.js';
import { applyEntries, type Entry } from './patch-entries.js';
import { isObject, targets, text, type PatchOperation } from './patch.js';

/**
 * User PATCH (RFC 7644 §3.5.2) over the attribute model (attributes.ts): every path the model has, in any of
 * Entra's shapes — plain and sub-attribute paths (`title`, `name.givenName`), value-filter paths
 * (`addresses[type eq "work"].locality`), enterprise URN paths (`urn:…:enterprise:2.0:User:manager`), path-less
 * values, complex values (`{"name": {…}}`, the extension object). A path the model does not have is 400 invalidPath;
 * sub-attributes the directory does not store inside a complex value are ignored, as in create and replace.
 */

/** Attributes a client may read but never write (RFC 7643 §3.1, §4.1.2). */
const readOnly = new Set(['id', 'meta', 'schemas', 'groups']);

const extensionUrns = userExtensions.map((s) => s.id);

/** Every PATCH path a User accepts (for the discovery consistency test). */
export const userPatchPaths: string[] = userAttributeKeys().flatMap((key) => {
  const a = userAttribute(key)!;
  if (a.kind === 'computed') return [];
  if (a.kind === 'entries') return [key, ...Object.keys(a.subs).map((s) => `${key}.${s.toLowerCase()}`)];
  return [key];
});

type Draft = Record<string, unknown>;

/** Applies the operations to the user as read; returns the changes for modifyUser (the fields they touched). */
export function applyUserPatch(current: User, ops: readonly PatchOperation[]): UserChanges {
  const draft: Draft = {};
  const read = (field: string): unknown =>
    Object.hasOwn(draft, field) ? draft[field] : (current as unknown as Record<string, unknown>)[field];
  for (const op of ops) {
    for (const [path, value] of targets(op, extensionUrns)) applyPath(draft, read, op.op, path, value);
  }
  return draft as UserChanges;
}

function applyPath(
  draft: Draft,
  read: (field: string) => unknown,
  op: PatchOperation['op'],
  rawPath: string,
  value: unknown,
): void {
  const p = parsePatchPath(rawPath, 'User');
  if (readOnly.has(p.key)) throw mutability(`${rawPath} is read-only`);
  const whole = userAttribute(p.key);
  if (whole?.kind === 'entries') {
    const list = ((read(whole.field) as Entry[] | undefined) ?? []).map((e) => ({ ...e }));
    draft[whole.field] = applyEntries(list, whole, op, p, value, rawPath);
    return;
  }
  if (p.filter !== undefined) {
    throw invalidPath(`${rawPath}: only multi-valued attributes take a value filter`);
  }
  applyKey(draft, op, p.sub === undefined ? p.key : `${p.key}.${p.sub}`, value, rawPath);
}

/** add/replace/remove of a single-valued attribute (simple or complex) at a model key. */
function applyKey(draft: Draft, op: PatchOperation['op'], key: string, value: unknown, path: string): void {
  const a = userAttribute(key);
  if (!a) throw invalidPath(`${path} is not an attribute this directory stores`);
  if (a.kind === 'computed') throw mutability(`${path} is read-only`);
  if (op === 'remove' || value === null) {
    clear(draft, key);
    return;
  }
  switch (a.kind) {
    case 'simple':
      draft[a.field] = a.type === 'boolean' ? bool(value, path) : text(value, path);
      return;
    case 'entries':
      throw invalidPath(`${path}: change ${a.path} with its own path`);
    case 'complex': {
      const v = a.reference ? referenceFromString(value) : value;
      if (!isObject(v)) throw invalidValue(`${path} must be an object`);
      for (const [k, subValue] of Object.entries(v)) {
        const subKey = a.subs.get(k.toLowerCase());
        // not stored, or computed ($ref): ignored, as in create and replace
        if (subKey === undefined || userAttribute(subKey)?.kind === 'computed') continue;
        applyKey(draft, op, subKey, subValue, `${path}.${k}`);
      }
    }
  }
}

/** Clears a single-valued attribute; a complex one (name, manager, the extension) with all its parts. */
function clear(draft: Draft, key: string): void {
  const a = userAttribute(key)!;
  switch (a.kind) {
    case 'computed':
      return;
    case 'simple':
      draft[a.field] = undefined;
      return;
    case 'entries':
      draft[a.field] = [];
      return;
    case 'complex':
      for (const subKey of a.subs.values()) clear(draft, subKey);
  }
}

function bool(value: unknown, path: string): boolean | undefined {
  const v = booleanFromString(value);
  if (v !== undefined && v !== null && typeof v !== 'boolean')
    throw invalidValue(`${path} must be a boolean`);
  return (v as boolean | null | undefined) ?? undefined;
}
