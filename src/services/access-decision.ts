import { type SignInFacts } from '../domain/context.js';
import { type ServiceContext } from './context.js';
import type { AccessPolicies, AccessRule, Group, User, Workspace } from '../domain/types.js';

export type { SignInFacts } from '../domain/context.js';

/**
 * The one access decision, used by sign-in, by the GraphQL API and by its access explanation (access.ts), and by
 * the read policy (which workspaces a person may see).
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

/**
 * The rule in force for a workspace that is already loaded, given the tenant's policies: its override if any, else
 * the workspace defaults.
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
  const repos = ctx.db;
  const groupIds = await repos.memberships.groupIdsOfUser(userId);
  const groups = await repos.groups.findByIds(groupIds);
  const byObjectId = new Map<string, Group>();
  for (const g of groups) if (g.externalId) byObjectId.set(g.externalId.toLowerCase(), g);
  return byObjectId;
}

/**
 * The decision for `user` under a rule already found (access.ts effectiveRule, or effectiveWorkspaceRule). Several
 * decisions for one user may share `directoryGroups` (their directory memberships, read once when first needed).
 */
export async function decideWithRule(
  ctx: ServiceContext,
  user: User,
  { rule, policy }: { rule: AccessRule; policy: AccessPolicySource },
  targetKind: AccessTarget['kind'],
  signIn?: SignInFacts,
  opts: { directoryGroups?: () => Promise<Map<string, Group>> } = {},
): Promise<AccessDecision> {
  const where = targetKind === 'MAIN_DASHBOARD' ? 'the main dashboard' : 'this workspace';
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
    if (grantingId) grantingGroup = (await ctx.db.groups.findByExternalIds([grantingId]))[0];
  } else {
    const mine = await (opts.directoryGroups?.() ?? directoryGroupObjectIds(ctx, user.id));
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
