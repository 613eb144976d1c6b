import { decideAccess, type AccessTarget, type SignInFacts } from '../../services/access.js';
import { listTokens } from '../../services/credentials.js';
import { getSsoConfiguration } from '../../services/sso.js';
import { getWorkspace } from '../../services/workspaces.js';
import type { User } from '../../domain/types.js';
import type { QueryResolvers } from '../../generated/graphql.js';
import type { GraphqlContext } from '../context.js';
import { opt, tokenKinds } from '../inputs.js';
import type { AccessExplanationParent } from '../models.js';
import * as page from './connections.js';

/**
 * An access decision for `user`. When the user is the caller (the viewer) and the credential says how they signed
 * in, the decision uses that sign-in (configuration, token groups); otherwise the directory's memberships.
 */
export async function explain(
  c: GraphqlContext,
  user: User,
  workspaceId: string | null | undefined,
): Promise<AccessExplanationParent> {
  const target: AccessTarget = workspaceId ? { kind: 'WORKSPACE', workspaceId } : { kind: 'MAIN_DASHBOARD' };
  const p = c.principal;
  const signIn: SignInFacts | undefined =
    p.user?.id === user.id && p.ssoConfigurationId
      ? { ssoConfigurationId: p.ssoConfigurationId, tokenGroupIds: p.tokenGroupIds }
      : undefined;
  const decision = await decideAccess(c.service, user, target, signIn);
  return { decision, user, workspaceId: workspaceId ?? undefined };
}

export const Query: QueryResolvers = {
  viewer: (_p, _a, c) => c.principal.user ?? null,
  principal: (_p, _a, c) => c.principal,
  tenant: (_p, _a, c) => c.loaders.tenant(),

  user: (_p, { id }, c) => c.loaders.user.load(id),
  users: (_p, args, c) => page.users(c, args),
  group: (_p, { id }, c) => c.loaders.group.load(id),
  groups: (_p, args, c) => page.groups(c, args),

  workspace: (_p, { id }, c) => getWorkspace(c.service, id),
  workspaces: (_p, args, c) => page.workspaces(c, args),

  ssoConfigurations: (_p, _a, c) => c.loaders.ssoConfigurations(),
  ssoConfiguration: (_p, { id }, c) => getSsoConfiguration(c.service, id),
  accessPolicies: (_p, _a, c) => c.loaders.policies(),
  scimSettings: async (_p, _a, c) => ({ tenant: await c.loaders.tenant() }),
  tokens: (_p, { kind, includeRetired }, c) =>
    listTokens(c.service, { kind: kind ? tokenKinds[kind] : undefined, includeRetired: opt(includeRetired) }),
  provisioningLog: (_p, args, c) => page.provisioningLog(c, args),

  explainAccess: async (_p, { userId, workspaceId }, c) =>
    explain(c, await c.loaders.user.load(userId), workspaceId),
};
