import { createAccessPolicyQueries } from './access-policies.js';
import { createCredentialQueries } from './credentials.js';
import { createGroupQueries } from './groups.js';
import { createDeletionQueries } from './integrity.js';
import { createLogQueries } from './logs.js';
import { createMembershipQueries } from './memberships.js';
import { createSsoConfigurationQueries } from './sso-configurations.js';
import { createUserQueries } from './users.js';
import { createWorkspaceQueries } from './workspaces.js';

/**
 * One tenant's storage: a module per collection, each created for this tenant, so that every filter and insert
 * carries it and no caller can forget it. Built once per request (or CLI command) into the context services
 * receive (services/context.ts). Returns domain objects, never documents; rules live in the services.
 */
export function createTenantStorage(tenantId: string) {
  const memberships = createMembershipQueries(tenantId);
  const users = createUserQueries(tenantId, memberships);
  return {
    tenantId,
    users,
    // Entra's membership query (members[value eq "…"]) reads memberships only: at most 2 commands
    // (test/scim/db-commands.test.ts). Memberships a crash left behind are removed by the repair sweep.
    groups: createGroupQueries(tenantId, memberships),
    memberships,
    deletions: createDeletionQueries(tenantId),
    workspaces: createWorkspaceQueries(tenantId),
    ssoConfigurations: createSsoConfigurationQueries(tenantId),
    accessPolicies: createAccessPolicyQueries(tenantId),
    credentials: createCredentialQueries(tenantId),
    logs: createLogQueries(tenantId),
  };
}

export type TenantStorage = ReturnType<typeof createTenantStorage>;

export { tenantStorage } from './tenants.js';
export { credentialLookup } from './credentials.js';
export { ssoConfigurationLookup } from './sso-configurations.js';
export { logStorage } from './logs.js';
export { integrityStorage } from './integrity.js';
export { createSessionStore, type SessionStore } from './sessions.js';
