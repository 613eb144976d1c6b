import type { Email, PhoneNumber } from '../domain/types.js';
import type { UserInput } from '../services/users.js';
import { booleanFromString, isAbsent, memberIdsFromValue } from './entra-quirks.js';
import { invalidSyntax, invalidValue } from './errors.js';
import { urn } from './urns.js';

/**
 * Create (POST, RFC 7644 §3.3) and replace (PUT, §3.5.1) bodies → the directory's inputs. Only the attributes named
 * here are read, by case-insensitive name (RFC 7643 §2.1); everything else — read-only attributes (id, meta,
 * schemas), attributes the directory does not store, unknown extensions — is ignored and never stored
 * (entra-quirks.ts, quirk 9). Types are checked here (400 invalidValue); the directory's own rules (required,
 * lengths, one primary entry, uniqueness) are checked by the services.
 */
export function userInputFromResource(body: unknown): UserInput {
  const r = fields(body);
  const name = complex(r.get('name'), 'name');
  const ext = complex(r.get(urn.enterpriseUser.toLowerCase()), urn.enterpriseUser);
  return {
    userName: string(r.get('username'), 'userName') as string,
    active: boolean(r.get('active'), 'active'),
    displayName: string(r.get('displayname'), 'displayName'),
    givenName: string(name.get('givenname'), 'name.givenName'),
    familyName: string(name.get('familyname'), 'name.familyName'),
    emails: entries(r.get('emails'), 'emails') as Email[] | undefined,
    phoneNumbers: entries(r.get('phonenumbers'), 'phoneNumbers') as PhoneNumber[] | undefined,
    externalId: string(r.get('externalid'), 'externalId'),
    department: string(ext.get('department'), `${urn.enterpriseUser}:department`),
  };
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

function entries(value: unknown, path: string): Array<Record<string, unknown>> | undefined {
  if (isAbsent(value)) return undefined;
  if (!Array.isArray(value)) throw invalidValue(`${path} must be a list`);
  return value.map((item, i) => {
    const f = fieldsOf(item, `${path}[${i}]`);
    const e: Record<string, unknown> = {};
    const v = string(f.get('value'), `${path}.value`);
    if (v !== undefined) e.value = v;
    const type = string(f.get('type'), `${path}.type`);
    if (type !== undefined) e.type = type;
    const primary = boolean(f.get('primary'), `${path}.primary`);
    if (primary !== undefined) e.primary = primary;
    return e;
  });
}
