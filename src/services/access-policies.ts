import { type ServiceContext } from './context.js';
import { InvalidInputError, NotFoundError, PreconditionFailedError } from '../domain/errors.js';
import type { AccessPolicies, AccessRule, Group } from '../domain/types.js';
import { recordAudit } from './audit.js';
import { assertMayRead } from './read-policy.js';
import { entraIds } from './validate.js';

/** Until an admin saves anything: SSO off, no group limit. */
export const defaultRule: AccessRule = { ssoEnabled: false, allowedGroupIds: [] };

export async function getAccessPolicies(ctx: ServiceContext): Promise<AccessPolicies> {
  const stored = await ctx.db.accessPolicies.get();
  return (
    stored ?? {
      tenantId: ctx.tenantId,
      mainDashboard: { ...defaultRule },
      workspaceDefaults: { ...defaultRule },
      updatedAt: new Date(0),
    }
  );
}

/** The access policies for a reader: settings, for admins only (read-policy.ts). */
export async function readAccessPolicies(ctx: ServiceContext): Promise<AccessPolicies> {
  assertMayRead(ctx, 'settings');
  return getAccessPolicies(ctx);
}

export interface AccessRuleInput {
  ssoEnabled?: boolean | undefined;
  ssoConfigurationId?: string | null | undefined;
  allowedGroupIds?: string[] | undefined;
}

/** Validates a rule: a configuration that exists in this tenant is required when SSO is on. */
export async function normaliseRule(
  ctx: ServiceContext,
  current: AccessRule,
  input: AccessRuleInput,
): Promise<AccessRule> {
  const next: AccessRule = {
    ssoEnabled: input.ssoEnabled ?? current.ssoEnabled,
    ssoConfigurationId:
      input.ssoConfigurationId === null
        ? undefined
        : (input.ssoConfigurationId ?? current.ssoConfigurationId),
    allowedGroupIds: input.allowedGroupIds
      ? await checkAllowedGroupIds(ctx, entraIds(input.allowedGroupIds, 'allowedGroupIds'))
      : current.allowedGroupIds,
  };
  if (typeof next.ssoEnabled !== 'boolean')
    throw new InvalidInputError('ssoEnabled must be a boolean', 'ssoEnabled');
  if (next.ssoConfigurationId !== undefined) {
    const found = await ctx.db.ssoConfigurations.findById(next.ssoConfigurationId);
    if (!found) throw new NotFoundError('SSO configuration', next.ssoConfigurationId);
  }
  if (next.ssoEnabled && next.ssoConfigurationId === undefined) {
    throw new InvalidInputError('choose an SSO configuration to enable single sign-on', 'ssoConfigurationId');
  }
  if (next.ssoConfigurationId === undefined) delete next.ssoConfigurationId;
  return next;
}

/**
 * Allowed groups are named by their Entra object ID, which Entra provisions as the group's `externalId`. A directory
 * group's own `id` is a GUID too, so it passes the format check, matches no sign-in and locks everyone out: refused,
 * naming the value to use. An ID that matches no group at all is kept (Entra may provision the group later);
 * `accessRuleWarnings` reports it.
 */
async function checkAllowedGroupIds(ctx: ServiceContext, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return ids;
  const groups = ctx.db.groups;
  const carried = new Set((await groups.findByExternalIds(ids)).map((g) => g.externalId?.toLowerCase()));
  const unmatched = ids.filter((id) => !carried.has(id));
  if (unmatched.length === 0) return ids;
  const [mistaken] = await groups.findByIds(unmatched);
  if (mistaken) {
    const name = JSON.stringify(mistaken.displayName);
    throw new InvalidInputError(
      mistaken.externalId
        ? `allowedGroupIds: ${mistaken.id} is the directory id of group ${name}, not its Entra object ID: ` +
            `use its externalId ${mistaken.externalId}`
        : `allowedGroupIds: ${mistaken.id} is the directory id of group ${name}, which has no Entra object ID ` +
            '(externalId): access rules list the object IDs of groups Entra provisions',
      'allowedGroupIds',
    );
  }
  return ids;
}

/**
 * What an admin should know about a rule: each allowed group object ID that no provisioned group carries (yet).
 * `carriers[i]` is the group that carries `rule.allowedGroupIds[i]`, or null.
 */
export function accessRuleWarnings(rule: AccessRule, carriers: readonly (Group | null)[]): string[] {
  return rule.allowedGroupIds
    .filter((_id, i) => !carriers[i])
    .map(
      (id) =>
        `allowedGroupIds: no group with Entra object ID ${id} has been provisioned (yet): nobody gets in ` +
        'through it until Entra provisions that group (check that it is in the provisioning scope)',
    );
}

/** "Main User Dashboard Access Control". */
export async function setMainDashboardAccess(
  ctx: ServiceContext,
  input: AccessRuleInput,
): Promise<AccessPolicies> {
  return setPolicy(ctx, 'mainDashboard', input);
}

/** "Workspace default settings → Login, registration and SSO". */
export async function setWorkspaceDefaultAccess(
  ctx: ServiceContext,
  input: AccessRuleInput,
): Promise<AccessPolicies> {
  return setPolicy(ctx, 'workspaceDefaults', input);
}

async function setPolicy(
  ctx: ServiceContext,
  which: 'mainDashboard' | 'workspaceDefaults',
  input: AccessRuleInput,
): Promise<AccessPolicies> {
  const other = which === 'mainDashboard' ? 'workspaceDefaults' : 'mainDashboard';
  // Only this rule is written, and only over the version it was read at (issue 12: never a silent revert): a
  // concurrent change of the other rule is kept, and a concurrent change of this one (another field, say) is read
  // again and this change applied to it, as optimistic.ts does; after 5 collisions PRECONDITION_FAILED.
  for (let attempt = 0; attempt < 5; attempt++) {
    const versions = await ctx.db.accessPolicies.versions();
    const current = await getAccessPolicies(ctx);
    const rule = await normaliseRule(ctx, current[which], input);
    if (await ctx.db.accessPolicies.setRule(which, rule, current[other], new Date(), versions[which])) {
      recordAudit(ctx, `policy.${which}.set`, { type: 'accessPolicy', id: which }, { ...rule });
      return getAccessPolicies(ctx);
    }
  }
  throw new PreconditionFailedError('the access policy is being changed concurrently; try again');
}
