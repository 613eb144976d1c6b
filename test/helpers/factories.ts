import { randomUUID } from 'node:crypto';
import { type Actor, type Source } from '../../src/domain/context.js';
import { createContext, type ServiceContext } from '../../src/services/context.js';
import type { Tenant } from '../../src/domain/types.js';
import { issueToken } from '../../src/services/credentials.js';
import { createTenant } from '../../src/services/tenants.js';

/** A fresh tenant per test: tests never share state. */
export async function makeTenant(prefix = 't'): Promise<Tenant> {
  return createTenant({ slug: `${prefix}-${randomUUID().slice(0, 12)}` }, 'system');
}

export function ctxFor(tenant: Tenant, source: Source = 'graphql', actor?: Actor): ServiceContext {
  return createContext({
    tenantId: tenant.id,
    source,
    actor: actor ?? { type: 'admin-token', id: 'test', isAdmin: true },
  });
}

/** A tenant with a SCIM secret token and an admin token. */
export async function makeTenantWithTokens(prefix = 't') {
  const tenant = await makeTenant(prefix);
  const ctx = ctxFor(tenant, 'cli');
  const scim = await issueToken(ctx, 'scim');
  const admin = await issueToken(ctx, 'admin');
  return { tenant, scimToken: scim.token, adminToken: admin.token };
}

export function guid(): string {
  return randomUUID();
}

/** The rejection of `p` (fails the test when `p` resolves). */
export async function caught(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}
