/**
 * The addresses the service shows people and clients, built in one place from the base URL (PUBLIC_URL, or the
 * listening address).
 */

/** The base URL without a trailing slash. */
export function baseUrl(publicUrl: string): string {
  return publicUrl.replace(/\/+$/, '');
}

/** Where the SCIM routes are mounted; a tenant's resources are under `{scimMountPath}/tenants/{slug}`. */
export const scimMountPath = '/scim/v2';

/**
 * A tenant's SCIM base URL, the "Tenant URL" Entra is given: `{PUBLIC_URL}/scim/v2/tenants/{slug}`. Slugs are
 * lower-case letters, digits and dashes, safe in a URL as they are.
 */
export function scimTenantUrl(publicUrl: string, slug: string): string {
  return `${baseUrl(publicUrl)}${scimMountPath}/tenants/${slug}`;
}
