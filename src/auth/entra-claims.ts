import type { JWTPayload } from 'jose';

/**
 * Entra ID token and access token claims this service reads, and Entra's quirks about them, in one place.
 * Reference: Microsoft identity platform, "ID token claims reference" and "Access token claims reference".
 */

const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isGuid(value: unknown): value is string {
  return typeof value === 'string' && guid.test(value);
}

/** `tid`: the Entra tenant that issued the token (a GUID), lower-cased; undefined when missing or malformed. */
export function entraTenantIdOf(claims: JWTPayload): string | undefined {
  return isGuid(claims.tid) ? claims.tid.toLowerCase() : undefined;
}

/** `oid`: the person's object ID in that tenant, the same for every app (unlike `sub`), lower-cased. */
export function objectIdOf(claims: JWTPayload): string | undefined {
  return isGuid(claims.oid) ? claims.oid.toLowerCase() : undefined;
}

/**
 * Names that may equal the directory userName: `preferred_username` (v2.0; the UPN for work accounts, mutable and
 * only for display by Entra's word, hence the object ID is preferred once learned) and `upn` (optional claim).
 */
export function userNamesOf(claims: JWTPayload): string[] {
  return [claims.preferred_username, claims.upn].filter(
    (v): v is string => typeof v === 'string' && v !== '',
  );
}

/**
 * Group object IDs from the `groups` claim (when the app registration's "groups claim" is on), or undefined
 * when the token carries none. Over 200 groups (JWT limit) Entra leaves `groups` out and sends the overage
 * marker instead: `_claim_names: { groups: "src1" }` with `_claim_sources.src1.endpoint` pointing at Microsoft
 * Graph (or `hasgroups: true` in implicit-flow tokens). Both mean "ask elsewhere": the access decision then reads
 * the memberships SCIM provisioned.
 */
export function tokenGroupIdsOf(claims: JWTPayload): string[] | undefined {
  const names = claims._claim_names as Record<string, unknown> | undefined;
  if ((names && typeof names === 'object' && 'groups' in names) || claims.hasgroups === true)
    return undefined;
  const groups = claims.groups;
  if (!Array.isArray(groups)) return undefined;
  return groups.filter(isGuid).map((g) => g.toLowerCase());
}

/** Delegated permissions (`scp`, space-separated) and app roles (`roles`) of an access token. */
export function scopesOf(claims: JWTPayload): string[] {
  return typeof claims.scp === 'string' ? claims.scp.split(' ').filter(Boolean) : [];
}

export function rolesOf(claims: JWTPayload): string[] {
  return Array.isArray(claims.roles) ? claims.roles.filter((r): r is string => typeof r === 'string') : [];
}
