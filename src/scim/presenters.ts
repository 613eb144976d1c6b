import type { Email, Group, PhoneNumber, User } from '../domain/types.js';
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
  const r: ScimResource = { schemas: [urn.user], id: u.id };
  if (u.externalId !== undefined) r.externalId = u.externalId;
  r.userName = u.userName;
  if (u.givenName !== undefined || u.familyName !== undefined) {
    r.name = {
      ...(u.givenName !== undefined ? { givenName: u.givenName } : {}),
      ...(u.familyName !== undefined ? { familyName: u.familyName } : {}),
    };
  }
  if (u.displayName !== undefined) r.displayName = u.displayName;
  r.active = u.active;
  if (u.emails.length > 0) r.emails = u.emails.map(entry);
  if (u.phoneNumbers.length > 0) r.phoneNumbers = u.phoneNumbers.map(entry);
  if (u.department !== undefined) {
    r.schemas.push(urn.enterpriseUser);
    r[urn.enterpriseUser] = { department: u.department };
  }
  r.meta = meta('User', u, locationOf(base, 'User', u.id));
  return r;
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

function entry(e: Email | PhoneNumber): Record<string, unknown> {
  return {
    value: e.value,
    ...(e.type !== undefined ? { type: e.type } : {}),
    ...(e.primary !== undefined ? { primary: e.primary } : {}),
  };
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
