import { type ServiceContext } from './context.js';
import type { AccessRule, User, UserAttribute, Workspace } from '../domain/types.js';
import {
  decideWithRule,
  type AccessDecision,
  type AccessPolicySource,
  type AccessTarget,
  type SignInFacts,
} from './access-decision.js';
import { getAccessPolicies } from './access-policies.js';
import { getWorkspace } from './workspaces.js';
import { assertMayReadUser, assertMayReadWorkspace, viewerId } from './read-policy.js';

export {
  directoryGroupObjectIds,
  effectiveWorkspaceRule,
  type AccessDecision,
  type AccessPolicySource,
  type AccessReason,
  type AccessTarget,
  type SignInFacts,
} from './access-decision.js';

/** The rule in force for the main dashboard or a workspace, and where it comes from. */
export async function effectiveRule(
  ctx: ServiceContext,
  target: AccessTarget,
): Promise<{ rule: AccessRule; policy: AccessPolicySource }> {
  if (target.kind === 'WORKSPACE') return workspaceRule(ctx, await getWorkspace(ctx, target.workspaceId));
  return { rule: (await getAccessPolicies(ctx)).mainDashboard, policy: 'MAIN_DASHBOARD' };
}

/** The rule in force for a workspace already read: its override, else the tenant's workspace defaults. */
async function workspaceRule(
  ctx: ServiceContext,
  ws: Workspace,
): Promise<{ rule: AccessRule; policy: AccessPolicySource }> {
  if (ws.accessOverride) return { rule: ws.accessOverride, policy: 'WORKSPACE_OVERRIDE' };
  return { rule: (await getAccessPolicies(ctx)).workspaceDefaults, policy: 'WORKSPACE_DEFAULTS' };
}

/** The access decision (access-decision.ts) for `user` and `target`. Internal: no read policy. */
export async function decideAccess(
  ctx: ServiceContext,
  user: User,
  target: AccessTarget,
  signIn?: SignInFacts,
): Promise<AccessDecision> {
  return decideWithRule(ctx, user, await effectiveRule(ctx, target), target.kind, signIn);
}

/**
 * Whether `user` may enter the main dashboard or a workspace, and why, for a reader (read-policy.ts: one's own
 * decisions, or an admin's question about anyone). For the caller's own record the decision uses their sign-in
 * (configuration, token groups) when the credential carries it; otherwise the directory's memberships.
 */
export async function explainAccess(
  ctx: ServiceContext,
  user: User,
  target: AccessTarget,
): Promise<AccessDecision> {
  assertMayReadUser(ctx, user.id, 'access');
  const signIn = viewerId(ctx) === user.id ? ctx.actor.signIn : undefined;
  return decideAccess(ctx, user, target, signIn);
}

/**
 * Users who may enter a workspace according to the directory: active members of a provisioned group whose
 * Entra object ID the workspace allows (every active user when it has no group limit; nobody while SSO is off).
 * Keyset-paginated by user id. Readers who may see the workspace may see these people's basic profiles.
 */
export async function listEffectiveWorkspaceMembers(
  ctx: ServiceContext,
  workspaceId: string,
  opts: { afterUserId?: string | undefined; limit: number },
): Promise<User[]> {
  return listEffectiveMembersOf(ctx, await getWorkspace(ctx, workspaceId), opts);
}

/**
 * listEffectiveWorkspaceMembers for a workspace the caller read in this request (GraphQL's
 * `Workspace.effectiveMembers`), which is not read again: the page is one read of the workspace, not three.
 */
export async function listEffectiveMembersOf(
  ctx: ServiceContext,
  ws: Workspace,
  opts: {
    afterUserId?: string | undefined;
    limit: number;
    attributes?: readonly UserAttribute[] | undefined;
  },
): Promise<User[]> {
  const repos = ctx.db;
  // whether each is active is read here, whatever the caller shows
  const attributes = opts.attributes && [...new Set<UserAttribute>([...opts.attributes, 'active'])];
  await assertMayReadWorkspace(ctx, ws, () => getAccessPolicies(ctx));
  const { rule } = await workspaceRule(ctx, ws);
  if (!rule.ssoEnabled) return [];
  if (rule.allowedGroupIds.length === 0) {
    return repos.users.list(
      { kind: 'compare', field: 'active', op: 'eq', value: true },
      {
        limit: opts.limit,
        sort: 'id',
        after: opts.afterUserId ? { key: opts.afterUserId, id: opts.afterUserId } : undefined,
        attributes,
      },
    );
  }
  const groups = await repos.groups.findByExternalIds(rule.allowedGroupIds);
  if (groups.length === 0) return [];
  const groupIds = groups.map((g) => g.id);
  const out: User[] = [];
  let after = opts.afterUserId;
  for (let round = 0; round < 20 && out.length < opts.limit; round++) {
    const want = opts.limit - out.length;
    const userIds = await repos.memberships.distinctUserIdsOfGroups(groupIds, {
      afterUserId: after,
      limit: want,
    });
    if (userIds.length === 0) break;
    after = userIds[userIds.length - 1];
    const users = await repos.users.findByIds(userIds, attributes);
    const byId = new Map(users.map((u) => [u.id, u]));
    for (const id of userIds) {
      const u = byId.get(id);
      if (u?.active) out.push(u);
    }
    if (userIds.length < want) break;
  }
  return out;
}

/**
 * Main users (people the main dashboard admits) administer their tenant. Decided afresh on every request, so a
 * deactivation or a change of the allowed groups takes effect at once.
 */
export async function isMainUser(ctx: ServiceContext, user: User, signIn?: SignInFacts): Promise<boolean> {
  return (await decideAccess(ctx, user, { kind: 'MAIN_DASHBOARD' }, signIn)).allowed;
}
