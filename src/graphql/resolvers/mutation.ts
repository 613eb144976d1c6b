import { setMainDashboardAccess, setWorkspaceDefaultAccess } from '../../services/access-policies.js';
import { issueToken, revokeToken } from '../../services/credentials.js';
import { addMembers, changeGroup, createGroup, deleteGroup, removeMembers } from '../../services/groups.js';
import {
  createSsoConfiguration,
  deleteSsoConfiguration,
  updateSsoConfiguration,
} from '../../services/sso.js';
import { getTenant, setScimEnabled } from '../../services/tenants.js';
import { createUser, deleteUser, updateUser } from '../../services/users.js';
import {
  createWorkspace,
  deleteWorkspace,
  resetWorkspaceAccess,
  setWorkspaceAccess,
  updateWorkspace,
} from '../../services/workspaces.js';
import type { MutationResolvers } from '../../generated/graphql.js';
import { requireAdmin, type GraphqlContext } from '../context.js';
import { accessRuleInput, opt, presentKeys, userChanges, userInput } from '../inputs.js';

/** Mutations: map the input, call one service function. Every one of them requires an admin (see `adminOnly`). */
const mutations: MutationResolvers = {
  setMainDashboardAccess: (_p, { input }, c) => setMainDashboardAccess(c.service, accessRuleInput(input)),
  setWorkspaceDefaultAccess: (_p, { input }, c) =>
    setWorkspaceDefaultAccess(c.service, accessRuleInput(input)),

  createWorkspace: (_p, { input }, c) =>
    createWorkspace(c.service, {
      name: input.name,
      description: opt(input.description),
      ...(input.access ? { access: accessRuleInput(input.access) } : {}),
    }),
  updateWorkspace: (_p, { id, input }, c) => {
    const changes = presentKeys(input);
    // An explicit null clears the description.
    if (input.description === null) changes.description = '';
    return updateWorkspace(c.service, id, changes);
  },
  deleteWorkspace: async (_p, { id }, c) => {
    await deleteWorkspace(c.service, id);
    return { id };
  },
  setWorkspaceAccess: (_p, { id, input }, c) => setWorkspaceAccess(c.service, id, accessRuleInput(input)),
  resetWorkspaceAccess: (_p, { id }, c) => resetWorkspaceAccess(c.service, id),

  createSsoConfiguration: (_p, { input }, c) =>
    createSsoConfiguration(c.service, {
      name: input.name,
      kind: input.kind,
      entraTenantId: opt(input.entraTenantId),
      allowedEntraTenantIds: opt(input.allowedEntraTenantIds),
    }),
  updateSsoConfiguration: (_p, { id, input }, c) => {
    // Omitted and null both keep the current value (switching kind is handled by the service).
    const changes = Object.fromEntries(
      Object.entries(input).filter(([, v]) => v !== null && v !== undefined),
    );
    return updateSsoConfiguration(c.service, id, changes);
  },
  deleteSsoConfiguration: async (_p, { id }, c) => {
    await deleteSsoConfiguration(c.service, id);
    return { id };
  },

  setScimEnabled: async (_p, { enabled }, c) => ({ tenant: await setScimEnabled(c.service, enabled) }),
  issueScimToken: async (_p, { gracePeriodSeconds, expiresInSeconds }, c) => {
    const { token, credential } = await issueToken(c.service, 'scim', {
      previousTokensGraceSeconds: opt(gracePeriodSeconds),
      expiresInSeconds: opt(expiresInSeconds),
    });
    return { token, credential, tenant: await getTenant(c.service) };
  },
  revokeToken: (_p, { id }, c) => revokeToken(c.service, id),

  createUser: (_p, { input }, c) => createUser(c.service, userInput(input)),
  updateUser: (_p, { id, input }, c) => updateUser(c.service, id, userChanges(input)),
  deleteUser: async (_p, { id }, c) => {
    await deleteUser(c.service, id);
    return { id };
  },

  createGroup: (_p, { input }, c) =>
    createGroup(c.service, {
      displayName: input.displayName,
      externalId: opt(input.externalId),
      members: opt(input.memberIds),
    }),
  updateGroup: (_p, { id, input }, c) => changeGroup(c.service, id, { set: presentKeys(input) }),
  addGroupMembers: (_p, { groupId, userIds }, c) => addMembers(c.service, groupId, userIds),
  removeGroupMembers: (_p, { groupId, userIds }, c) => removeMembers(c.service, groupId, userIds),
  deleteGroup: async (_p, { id }, c) => {
    await deleteGroup(c.service, id);
    return { id };
  },
};

/** Only admins mutate: enforced here, once, for every mutation field. */
function adminOnly(resolvers: MutationResolvers): MutationResolvers {
  const out: Record<string, unknown> = {};
  for (const [name, resolve] of Object.entries(resolvers)) {
    const fn = resolve as (p: unknown, a: unknown, c: GraphqlContext, i: unknown) => unknown;
    out[name] = (p: unknown, a: unknown, c: GraphqlContext, i: unknown) => {
      requireAdmin(c);
      return fn(p, a, c, i);
    };
  }
  return out as MutationResolvers;
}

export const Mutation = adminOnly(mutations);
