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
    groups: createGroupQueries(tenantId, {
      userIdsOfGroup: (groupId, limit) => memberships.userIdsOfGroup(groupId, limit),
      // A deleted user's memberships that a race or a crash left (until the repair sweep) are no memberships:
      // Entra's membership query (members[value eq "…"]) never reports a deleted user (issue 12).
      groupIdsOfUser: async (userId) =>
        (await users.missingIds([userId])).length > 0 ? [] : memberships.groupIdsOfUser(userId),
    }),
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
export { integrityStorage, type SweepResult } from './integrity.js';
export { createSessionStore, type SessionStore } from './sessions.js';
