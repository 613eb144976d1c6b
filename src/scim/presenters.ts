import type { Group, User } from '../domain/types.js';
import { userExtensions } from './attributes.js';
import { userSchema, type AttributeDef, type SchemaDef } from './schema.js';
import { urn } from './urns.js';

/**
 * Domain objects → SCIM resources (RFC 7643 §3.1 common attributes, §4.1 User, §4.2 Group, §4.3 enterprise
 * extension). Only what is stored appears: an unset attribute is absent (never null), empty lists are absent.
 * `meta.location` is built from the tenant's SCIM base URL; `meta.version` is a weak ETag of the record version.
 */
export type ScimResource = Record<string, unknown> & { schemas: string[]; id: string };

export interface MemberView {
  id: string;
  display: string;
}

export function presentUser(u: User, base: string): ScimResource {
  const fields = u as unknown as Record<string, unknown>;
  const r: ScimResource = { schemas: [urn.user], id: u.id, ...attributes(userSchema, fields, base) };
  for (const ext of userExtensions) {
    const values = attributes(ext, fields, base);
    if (Object.keys(values).length === 0) continue;
    r.schemas.push(ext.id);
    r[ext.id] = values;
  }
  r.meta = meta('User', u, locationOf(base, 'User', u.id));
  return r;
}

/** The attributes of one schema that the user has (schema.ts bindings): unset ones absent, empty lists absent. */
function attributes(schema: SchemaDef, u: Record<string, unknown>, base: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const a of schema.attributes) {
    if (a.multiValued) {
      const list = (u[a.field!] as Array<Record<string, unknown>> | undefined) ?? [];
      if (list.length > 0) out[a.name] = list.map((e) => picked(a.subAttributes ?? [], e, base));
    } else if (a.type === 'complex') {
      const value = picked(a.subAttributes ?? [], u, base, true);
      if (Object.keys(value).length > 0) out[a.name] = value;
    } else if (u[a.field!] !== undefined) out[a.name] = u[a.field!];
  }
  return out;
}

/** Sub-attributes of `o` (by field, or by name for entries), with `$ref` computed from `value`. */
function picked(subs: readonly AttributeDef[], o: Record<string, unknown>, base: string, byField = false) {
  const out: Record<string, unknown> = {};
  for (const s of subs) {
    if (s.computed === 'location') {
      if (typeof out.value === 'string') out[s.name] = locationOf(base, 'User', out.value);
      continue;
    }
    const v = o[byField ? s.field! : s.name];
    if (v !== undefined) out[s.name] = v;
  }
  return out;
}

/** `members` is present when the caller listed them (undefined = not requested, so not shown). */
export function presentGroup(g: Group, base: string, members?: readonly MemberView[]): ScimResource {
  const r: ScimResource = { schemas: [urn.group], id: g.id };
  if (g.externalId !== undefined) r.externalId = g.externalId;
  r.displayName = g.displayName;
  if (members && members.length > 0) {
    r.members = members.map((m) => ({
      value: m.id,
      display: m.display,
      $ref: locationOf(base, 'User', m.id),
    }));
  }
  r.meta = meta('Group', g, locationOf(base, 'Group', g.id));
  return r;
}

export function locationOf(base: string, kind: 'User' | 'Group', id: string): string {
  return `${base}/${kind}s/${encodeURIComponent(id)}`;
}

/** How a member user is shown in a group: displayName, else userName. */
export function memberView(u: User): MemberView {
  return { id: u.id, display: u.displayName ?? u.userName };
}

function meta(
  resourceType: 'User' | 'Group',
  r: { createdAt: Date; updatedAt: Date; version: number },
  location: string,
) {
  return {
    resourceType,
    created: r.createdAt.toISOString(),
    lastModified: r.updatedAt.toISOString(),
    location,
    version: `W/"${r.version}"`,
  };
}
