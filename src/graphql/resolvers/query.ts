import { readAccessPolicies } from '../../services/access-policies.js';
import { explainAccess, type AccessTarget } from '../../services/access.js';
import { readGroup } from '../../services/groups.js';
import { readScimSettings } from '../../services/tenants.js';
import { readUser } from '../../services/users.js';
import { listTokens } from '../../services/credentials.js';
import { readSsoConfiguration } from '../../services/sso.js';
import { readWorkspace } from '../../services/workspaces.js';
import type { User } from '../../domain/types.js';
import type { QueryResolvers } from '../../generated/graphql.js';
import type { GraphqlContext } from '../context.js';
import { opt, tokenKinds } from '../inputs.js';
import type { AccessExplanationParent } from '../models.js';
import * as page from './connections.js';

/** An access decision for `user` (services/access.ts explainAccess: one's own, or an admin's question). */
export async function explain(
  c: GraphqlContext,
  user: User,
  workspaceId: string | null | undefined,
): Promise<AccessExplanationParent> {
  const target: AccessTarget = workspaceId ? { kind: 'WORKSPACE', workspaceId } : { kind: 'MAIN_DASHBOARD' };
  const decision = await explainAccess(c.service, user, target);
  return { decision, user, workspaceId: workspaceId ?? undefined };
}

export const Query: QueryResolvers = {
  viewer: (_p, _a, c) => c.principal.user ?? null,
  principal: (_p, _a, c) => c.principal,
  tenant: (_p, _a, c) => c.loaders.tenant(),

  user: (_p, { id }, c) => readUser(c.service, id),
  users: (_p, args, c, info) => page.users(c, args, info),
  group: (_p, { id }, c) => readGroup(c.service, id),
  groups: (_p, args, c) => page.groups(c, args),

  workspace: (_p, { id }, c) => readWorkspace(c.service, id),
  workspaces: (_p, args, c) => page.workspaces(c, args),

  ssoConfigurations: (_p, _a, c) => c.loaders.ssoConfigurations(),
  ssoConfiguration: (_p, { id }, c) => readSsoConfiguration(c.service, id),
  accessPolicies: (_p, _a, c) => readAccessPolicies(c.service),
  scimSettings: async (_p, _a, c) => ({ tenant: await readScimSettings(c.service) }),
  tokens: (_p, { kind, includeRetired }, c) =>
    listTokens(c.service, { kind: kind ? tokenKinds[kind] : undefined, includeRetired: opt(includeRetired) }),
  provisioningLog: (_p, args, c) => page.provisioningLog(c, args),

  explainAccess: async (_p, { userId, workspaceId }, c) =>
    explain(c, await readUser(c.service, userId), workspaceId),
};
