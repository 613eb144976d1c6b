import type { ServiceContext } from '../domain/context.js';
import type { AccessPolicies, AccessRule, Group, User, Workspace } from '../domain/types.js';
import { tenantRepositories } from '../db/repositories.js';
import { getAccessPolicies } from './access-policies.js';
import { getWorkspace } from './workspaces.js';

/**
 * The one access decision, used by sign-in, by the GraphQL API and by its access explanation.
 *
 * Main dashboard: allowed when "Enable single sign-on for main users" is on, the person signed in through the
 * chosen SSO configuration, and belongs to at least one allowed Entra group (no list = no group limit).
 * Workspace: the same with the workspace's override if any, else the workspace defaults.
 *
 * Group membership comes from the token's `groups` claim when present; when it is absent or Entra sent the
 * overage marker instead (over 200 groups), it comes from the memberships SCIM provisioned, matching groups by
 * their externalId (Entra group object ID).
 */
export type AccessTarget = { kind: 'MAIN_DASHBOARD' } | { kind: 'WORKSPACE'; workspaceId: string };

export interface SignInFacts {
  ssoConfigurationId: string;
  /** Entra group object IDs from the token; undefined when absent or overage. */
  tokenGroupIds?: readonly string[] | undefined;
}

export type AccessReason =
  | 'GRANTED_BY_GROUP'
  | 'GRANTED_NO_GROUP_LIMIT'
  | 'USER_DEACTIVATED'
  | 'SSO_NOT_ENABLED'
  | 'SSO_CONFIGURATION_MISMATCH'
  | 'NO_MATCHING_GROUP';

export type AccessPolicySource = 'MAIN_DASHBOARD' | 'WORKSPACE_DEFAULTS' | 'WORKSPACE_OVERRIDE';

export interface AccessDecision {
  allowed: boolean;
  reason: AccessReason;
  policy: AccessPolicySource;
  rule: AccessRule;
  /** Where group membership was read from. */
  groupSource: 'TOKEN' | 'DIRECTORY';
  /** The allowed group that granted access (Entra object ID), and the directory group that carries it, if any. */
  grantingGroupObjectId?: string | undefined;
  grantingGroup?: Group | undefined;
  message: string;
}

export async function effectiveRule(
  ctx: ServiceContext,
  target: AccessTarget,
): Promise<{ rule: AccessRule; policy: AccessPolicySource }> {
  if (target.kind === 'WORKSPACE') {
    const ws = await getWorkspace(ctx, target.workspaceId);
    if (ws.accessOverride) return { rule: ws.accessOverride, policy: 'WORKSPACE_OVERRIDE' };
    return { rule: (await getAccessPolicies(ctx)).workspaceDefaults, policy: 'WORKSPACE_DEFAULTS' };
  }
  return { rule: (await getAccessPolicies(ctx)).mainDashboard, policy: 'MAIN_DASHBOARD' };
}

/**
 * The rule in force for a workspace that is already loaded, given the tenant's policies: its override if any, else
 * the workspace defaults (the same rule as effectiveRule, without reading the workspace again).
 */
export function effectiveWorkspaceRule(
  ws: Workspace,
  policies: AccessPolicies,
): { rule: AccessRule; policy: AccessPolicySource } {
  return ws.accessOverride
    ? { rule: ws.accessOverride, policy: 'WORKSPACE_OVERRIDE' }
    : { rule: policies.workspaceDefaults, policy: 'WORKSPACE_DEFAULTS' };
}

/** Entra group object IDs the user belongs to according to SCIM-provisioned memberships. */
export async function directoryGroupObjectIds(
  ctx: ServiceContext,
  userId: string,
): Promise<Map<string, Group>> {
  const repos = tenantRepositories(ctx.tenantId);
  const groupIds = await repos.memberships.groupIdsOfUser(userId);
  const groups = await repos.groups.findByIds(groupIds);
  const byObjectId = new Map<string, Group>();
  for (const g of groups) if (g.externalId) byObjectId.set(g.externalId.toLowerCase(), g);
  return byObjectId;
}

export async function decideAccess(
  ctx: ServiceContext,
  user: User,
  target: AccessTarget,
  signIn?: SignInFacts,
): Promise<AccessDecision> {
  const { rule, policy } = await effectiveRule(ctx, target);
  const where = target.kind === 'MAIN_DASHBOARD' ? 'the main dashboard' : 'this workspace';
  const base = { policy, rule, groupSource: signIn?.tokenGroupIds ? 'TOKEN' : 'DIRECTORY' } as const;

  if (!user.active) {
    return { ...base, allowed: false, reason: 'USER_DEACTIVATED', message: 'the user is deactivated' };
  }
  if (!rule.ssoEnabled) {
    return {
      ...base,
      allowed: false,
      reason: 'SSO_NOT_ENABLED',
      message: `single sign-on is not enabled for ${where}`,
    };
  }
  if (signIn && signIn.ssoConfigurationId !== rule.ssoConfigurationId) {
    return {
      ...base,
      allowed: false,
      reason: 'SSO_CONFIGURATION_MISMATCH',
      message: `${where} requires signing in through its own SSO configuration`,
    };
  }
  if (rule.allowedGroupIds.length === 0) {
    return {
      ...base,
      allowed: true,
      reason: 'GRANTED_NO_GROUP_LIMIT',
      message: `${where} is not limited to groups`,
    };
  }

  const allowed = rule.allowedGroupIds.map((g) => g.toLowerCase());
  let grantingId: string | undefined;
  let grantingGroup: Group | undefined;
  if (signIn?.tokenGroupIds) {
    const mine = new Set(signIn.tokenGroupIds.map((g) => g.toLowerCase()));
    grantingId = allowed.find((g) => mine.has(g));
    if (grantingId)
      grantingGroup = (await tenantRepositories(ctx.tenantId).groups.findByExternalIds([grantingId]))[0];
  } else {
    const mine = await directoryGroupObjectIds(ctx, user.id);
    grantingId = allowed.find((g) => mine.has(g));
    grantingGroup = grantingId ? mine.get(grantingId) : undefined;
  }
  if (!grantingId) {
    return {
      ...base,
      allowed: false,
      reason: 'NO_MATCHING_GROUP',
      message: `the user is in none of the groups allowed into ${where}`,
    };
  }
  return {
    ...base,
    allowed: true,
    reason: 'GRANTED_BY_GROUP',
    grantingGroupObjectId: grantingId,
    grantingGroup,
    message: `granted by group ${grantingGroup ? JSON.stringify(grantingGroup.displayName) + ' ' : ''}(${grantingId})`,
  };
}

/**
 * Users who may enter a workspace according to the directory: active members of a provisioned group whose
 * Entra object ID the workspace allows (every active user when it has no group limit; nobody while SSO is off).
 * Keyset-paginated by user id.
 */
export async function listEffectiveWorkspaceMembers(
  ctx: ServiceContext,
  workspaceId: string,
  opts: { afterUserId?: string | undefined; limit: number },
): Promise<User[]> {
  const { rule } = await effectiveRule(ctx, { kind: 'WORKSPACE', workspaceId });
  if (!rule.ssoEnabled) return [];
  const repos = tenantRepositories(ctx.tenantId);
  if (rule.allowedGroupIds.length === 0) {
    return repos.users.list(
      { kind: 'compare', field: 'active', op: 'eq', value: true },
      {
        limit: opts.limit,
        sort: 'id',
        after: opts.afterUserId ? { key: opts.afterUserId, id: opts.afterUserId } : undefined,
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
    const users = await repos.users.findByIds(userIds);
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
