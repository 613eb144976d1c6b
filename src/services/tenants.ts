import { randomUUID } from 'node:crypto';
import type { ServiceContext } from './context.js';
import { systemActor } from '../domain/context.js';
import { InvalidInputError, NotFoundError } from '../domain/errors.js';
import type { Tenant } from '../domain/types.js';
import { tenantStorage } from '../db/storage.js';
import { recordAudit } from './audit.js';
import { invalidateCredentialCache } from './credentials.js';
import { assertMayRead } from './read-policy.js';

const slugPattern = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** Creates a tenant (customer organisation). SCIM user synchronisation starts enabled. */
export async function createTenant(
  input: { slug: string; name?: string },
  source: ServiceContext['source'] = 'cli',
): Promise<Tenant> {
  const slug = input.slug?.trim();
  if (!slug || !slugPattern.test(slug)) {
    throw new InvalidInputError('a tenant slug is 1–63 lower-case letters, digits or dashes', 'slug');
  }
  const name = input.name?.trim() || slug;
  if (name.length > 200) throw new InvalidInputError('a tenant name has at most 200 characters', 'name');
  const now = new Date();
  const tenant = await tenantStorage.insert({
    id: randomUUID(),
    slug,
    name,
    scimEnabled: true,
    createdAt: now,
    updatedAt: now,
  });
  recordAudit(
    { tenantId: tenant.id, actor: systemActor, source, requestId: randomUUID() },
    'tenant.create',
    { type: 'tenant', id: tenant.id },
    {
      slug,
      name,
    },
  );
  return tenant;
}

/** Returns the tenant, creating it when missing (bootstrap). */
export async function ensureTenant(slug: string, source: ServiceContext['source']): Promise<Tenant> {
  const found = await tenantStorage.findBySlug(slug);
  if (found) return found;
  try {
    return await createTenant({ slug }, source);
  } catch (err) {
    const raced = await tenantStorage.findBySlug(slug);
    if (raced) return raced;
    throw err;
  }
}

export async function getTenantBySlug(slug: string): Promise<Tenant> {
  const t =
    typeof slug === 'string' && slugPattern.test(slug) ? await tenantStorage.findBySlug(slug) : undefined;
  if (!t) throw new NotFoundError('tenant', slug);
  return t;
}

export async function getTenant(ctx: ServiceContext): Promise<Tenant> {
  const t = await tenantStorage.findById(ctx.tenantId);
  if (!t) throw new NotFoundError('tenant');
  return t;
}

/** The tenant, for a reader of its SCIM settings (Tenant URL, whether synchronisation is on): admins only. */
export async function readScimSettings(ctx: ServiceContext): Promise<Tenant> {
  assertMayRead(ctx, 'settings');
  return getTenant(ctx);
}

export async function listTenants(): Promise<Tenant[]> {
  return tenantStorage.list();
}

/** "Enable user synchronization": when off, the tenant's SCIM endpoint refuses every request. */
export async function setScimEnabled(ctx: ServiceContext, enabled: boolean): Promise<Tenant> {
  const t = await tenantStorage.update(ctx.tenantId, {
    scimEnabled: enabled,
    updatedAt: new Date(),
  });
  if (!t) throw new NotFoundError('tenant');
  invalidateCredentialCache();
  recordAudit(ctx, enabled ? 'scim.enable' : 'scim.disable', { type: 'tenant', id: ctx.tenantId });
  return t;
}
