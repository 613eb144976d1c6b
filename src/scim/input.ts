import type { UserInput } from '../services/users.js';
import { userExtensions } from './attributes.js';
import { booleanFromString, isAbsent, memberIdsFromValue, referenceFromString } from './entra-quirks.js';
import { invalidSyntax, invalidValue } from './errors.js';
import { userSchema, type AttributeDef } from './schema.js';

/**
 * Create (POST, RFC 7644 §3.3) and replace (PUT, §3.5.1) bodies → the directory's inputs. Only the attributes of
 * the model (schema.ts) are read, by case-insensitive name (RFC 7643 §2.1); everything else — read-only attributes
 * (id, meta, schemas, manager.$ref), attributes the directory does not store, unknown extensions — is ignored and
 * never stored (entra-quirks.ts, quirk 9). Types are checked here (400 invalidValue); the directory's own rules
 * (required, lengths, one primary entry, a manager that exists, uniqueness) are checked by the services.
 */
export function userInputFromResource(body: unknown): UserInput {
  const r = fields(body);
  const out: Record<string, unknown> = {};
  read(userSchema.attributes, r, '', out);
  for (const ext of userExtensions) {
    read(ext.attributes, complex(r.get(ext.id.toLowerCase()), ext.id), `${ext.id}:`, out);
  }
  return out as unknown as UserInput;
}

/** Reads the attributes `attrs` from `m` (lower-case names) into `out`, keyed by directory field. */
function read(
  attrs: readonly AttributeDef[],
  m: Map<string, unknown>,
  prefix: string,
  out: Record<string, unknown>,
) {
  for (const a of attrs) {
    const value = m.get(a.name.toLowerCase());
    const path = `${prefix}${a.name}`;
    if (a.mutability === 'readOnly' || a.computed) continue;
    if (a.multiValued) out[a.field!] = entries(a, value, path);
    else if (a.type === 'complex') {
      const reference = (a.subAttributes ?? []).some((s) => s.computed === 'location');
      read(
        a.subAttributes ?? [],
        complex(reference ? referenceFromString(value) : value, path),
        `${path}.`,
        out,
      );
    } else out[a.field!] = scalar(a, value, path);
  }
}

function scalar(a: AttributeDef, value: unknown, path: string): string | boolean | undefined {
  return a.type === 'boolean' ? boolean(value, path) : string(value, path);
}

export interface GroupResourceInput {
  displayName: string;
  externalId?: string | undefined;
  /** Undefined when the body has no members attribute. */
  members?: string[] | undefined;
}

export function groupInputFromResource(body: unknown): GroupResourceInput {
  const r = fields(body);
  const members = r.get('members');
  let ids: string[] | undefined;
  if (!isAbsent(members)) {
    ids = memberIdsFromValue(members);
    if (!ids || !Array.isArray(members))
      throw invalidValue('members must be a list of {"value": "<user id>"}');
  }
  return {
    displayName: string(r.get('displayname'), 'displayName') as string,
    externalId: string(r.get('externalid'), 'externalId'),
    members: ids,
  };
}

/** The body's attributes by lower-case name (own properties only). */
function fields(body: unknown): Map<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw invalidSyntax('the body must be a JSON object');
  }
  const m = new Map<string, unknown>();
  for (const [k, v] of Object.entries(body)) m.set(k.toLowerCase(), v);
  return m;
}

function complex(value: unknown, path: string): Map<string, unknown> {
  if (isAbsent(value)) return new Map();
  return fieldsOf(value, path);
}

function fieldsOf(value: unknown, path: string): Map<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidValue(`${path} must be an object`);
  }
  const m = new Map<string, unknown>();
  for (const [k, v] of Object.entries(value)) m.set(k.toLowerCase(), v);
  return m;
}

function string(value: unknown, path: string): string | undefined {
  if (isAbsent(value)) return undefined;
  if (typeof value !== 'string') throw invalidValue(`${path} must be a string`);
  return value;
}

function boolean(value: unknown, path: string): boolean | undefined {
  if (isAbsent(value)) return undefined;
  const v = booleanFromString(value);
  if (typeof v !== 'boolean') throw invalidValue(`${path} must be a boolean`);
  return v;
}

function entries(a: AttributeDef, value: unknown, path: string): Array<Record<string, unknown>> | undefined {
  if (isAbsent(value)) return undefined;
  if (!Array.isArray(value)) throw invalidValue(`${path} must be a list`);
  return value.map((item, i) => {
    const f = fieldsOf(item, `${path}[${i}]`);
    const e: Record<string, unknown> = {};
    for (const s of a.subAttributes ?? []) {
      const v = scalar(s, f.get(s.name.toLowerCase()), `${path}.${s.name}`);
      if (v !== undefined) e[s.name] = v;
    }
    return e;
  });
}
