import { randomUUID } from 'node:crypto';
import { type ServiceContext } from './context.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../domain/errors.js';
import type { SsoConfiguration, SsoConfigurationKind } from '../domain/types.js';
import { ssoConfigurationLookup } from '../db/storage.js';
import { recordAudit } from './audit.js';
import { changeVersioned } from './optimistic.js';
import { getAccessPolicies } from './access-policies.js';
import { assertMayRead } from './read-policy.js';
import { entraId, entraIds, requiredText } from './validate.js';

/**
 * SSO configurations ("Add SSO configuration"): Microsoft Entra ID with one tenant ID, or Microsoft Entra ID
 * (Multi-Tenant) limited to the Entra tenant IDs the admin allows. The service's own Entra app registration
 * (client ID and secret) is shared by all of them; see the README.
 */
export interface SsoConfigurationInput {
  name: string;
  kind: SsoConfigurationKind;
  entraTenantId?: string | undefined;
  allowedEntraTenantIds?: string[] | undefined;
}

function normalise(
  input: SsoConfigurationInput,
): Omit<SsoConfiguration, 'id' | 'tenantId' | 'createdAt' | 'updatedAt' | 'version'> {
  const name = requiredText(input.name, 'name', 200).trim();
  if (input.kind === 'ENTRA_SINGLE_TENANT') {
    if (input.allowedEntraTenantIds && input.allowedEntraTenantIds.length > 0) {
      throw new InvalidInputError(
        'a single-tenant configuration takes entraTenantId only',
        'allowedEntraTenantIds',
      );
    }
    return {
      name,
      kind: input.kind,
      entraTenantId: entraId(input.entraTenantId, 'entraTenantId'),
      allowedEntraTenantIds: [],
    };
  }
  if (input.kind === 'ENTRA_MULTI_TENANT') {
    if (input.entraTenantId) {
      throw new InvalidInputError(
        'a multi-tenant configuration lists allowedEntraTenantIds instead',
        'entraTenantId',
      );
    }
    return {
      name,
      kind: input.kind,
      allowedEntraTenantIds: entraIds(input.allowedEntraTenantIds ?? [], 'allowedEntraTenantIds'),
    };
  }
  throw new InvalidInputError('kind must be ENTRA_SINGLE_TENANT or ENTRA_MULTI_TENANT', 'kind');
}

export async function createSsoConfiguration(
  ctx: ServiceContext,
  input: SsoConfigurationInput,
): Promise<SsoConfiguration> {
  const now = new Date();
  const c = await ctx.db.ssoConfigurations.insert({
    id: randomUUID(),
    ...normalise(input),
    createdAt: now,
    updatedAt: now,
    version: 1,
  });
  recordAudit(ctx, 'sso.create', { type: 'ssoConfiguration', id: c.id }, { name: c.name, kind: c.kind });
  return c;
}

export async function getSsoConfiguration(ctx: ServiceContext, id: string): Promise<SsoConfiguration> {
  const c = await ctx.db.ssoConfigurations.findById(id);
  if (!c) throw new NotFoundError('SSO configuration', id);
  return c;
}

/** An SSO configuration for a reader: settings, for admins only (read-policy.ts). */
export async function readSsoConfiguration(ctx: ServiceContext, id: string): Promise<SsoConfiguration> {
  assertMayRead(ctx, 'settings');
  return getSsoConfiguration(ctx, id);
}

/** The tenant's SSO configurations by name, for a reader: settings, for admins only (read-policy.ts). */
export async function listSsoConfigurations(ctx: ServiceContext): Promise<SsoConfiguration[]> {
  assertMayRead(ctx, 'settings');
  return ctx.db.ssoConfigurations.list();
}

export async function updateSsoConfiguration(
  ctx: ServiceContext,
  id: string,
  changes: Partial<SsoConfigurationInput>,
): Promise<SsoConfiguration> {
  const { record } = await changeVersioned(
    'SSO configuration',
    id,
    () => ctx.db.ssoConfigurations.findById(id),
    (current) => {
      const merged: SsoConfigurationInput = { ...current, ...changes };
      if (changes.kind && changes.kind !== current.kind) {
        // Switching kind drops the other kind's tenant settings unless given anew.
        if (changes.kind === 'ENTRA_MULTI_TENANT' && changes.entraTenantId === undefined)
          merged.entraTenantId = undefined;
        if (changes.kind === 'ENTRA_SINGLE_TENANT' && changes.allowedEntraTenantIds === undefined)
          merged.allowedEntraTenantIds = [];
      }
      return { ...current, ...normalise(merged), updatedAt: new Date() };
    },
    async (next, expected) => (await ctx.db.ssoConfigurations.replace(next, expected)) !== undefined,
  );
  recordAudit(ctx, 'sso.update', { type: 'ssoConfiguration', id }, { ...changes });
  return record;
}

/** Refuses to delete a configuration that a policy or a workspace override still uses. */
export async function deleteSsoConfiguration(ctx: ServiceContext, id: string): Promise<void> {
  await getSsoConfiguration(ctx, id);
  const policies = await getAccessPolicies(ctx);
  if (
    policies.mainDashboard.ssoConfigurationId === id ||
    policies.workspaceDefaults.ssoConfigurationId === id
  ) {
    throw new ConflictError(
      'SSO configuration',
      'id',
      'this SSO configuration is in use by an access policy',
    );
  }
  if (await ctx.db.workspaces.anyUsesSsoConfiguration(id)) {
    throw new ConflictError('SSO configuration', 'id', 'this SSO configuration is in use by a workspace');
  }
  if (!(await ctx.db.ssoConfigurations.delete(id))) {
    throw new NotFoundError('SSO configuration', id);
  }
  recordAudit(ctx, 'sso.delete', { type: 'ssoConfiguration', id });
}

/** Whether an Entra tenant ID may sign in through this configuration. */
export function acceptsEntraTenant(config: SsoConfiguration, entraTenantId: string): boolean {
  const tid = entraTenantId.toLowerCase();
  return config.kind === 'ENTRA_SINGLE_TENANT'
    ? config.entraTenantId === tid
    : config.allowedEntraTenantIds.includes(tid);
}

/**
 * Directory tenants whose SSO configurations accept an Entra tenant, each with those configurations. An Entra
 * access token names the Entra tenant (`tid`) but not ours; this maps one to the other.
 */
export async function findTenantsAcceptingEntraTenant(
  entraTenantId: string,
): Promise<{ tenantId: string; configurations: SsoConfiguration[] }[]> {
  const found = await ssoConfigurationLookup.findAcceptingEntraTenant(entraTenantId);
  const byTenant = new Map<string, SsoConfiguration[]>();
  for (const c of found) {
    if (!acceptsEntraTenant(c, entraTenantId)) continue;
    const list = byTenant.get(c.tenantId) ?? [];
    list.push(c);
    byTenant.set(c.tenantId, list);
  }
  return [...byTenant].map(([tenantId, configurations]) => ({ tenantId, configurations }));
}

/**
 * Of a tenant's configurations that accept an Entra tenant, the one a credential without a configuration of its
 * own (an Entra access token) counts as signed in through: the main dashboard's, else the workspace defaults',
 * else the first by name.
 */
export async function preferredConfiguration(
  ctx: ServiceContext,
  accepting: readonly SsoConfiguration[],
): Promise<SsoConfiguration | undefined> {
  if (accepting.length <= 1) return accepting[0];
  const policies = await getAccessPolicies(ctx);
  for (const id of [
    policies.mainDashboard.ssoConfigurationId,
    policies.workspaceDefaults.ssoConfigurationId,
  ]) {
    const c = accepting.find((x) => x.id === id);
    if (c) return c;
  }
  return accepting[0];
}
