import { type ServiceContext } from './context.js';
import { ForbiddenError } from '../domain/errors.js';
import type { AccessPolicies, Group, User, Workspace } from '../domain/types.js';
import { decideWithRule, directoryGroupObjectIds, effectiveWorkspaceRule } from './access-decision.js';

/**
 * Least privilege for reads (issue 12, item 10): the one place that says what a principal may read. The services'
 * read functions that protocols call (users.readUser, groups.readGroup, workspaces.listWorkspaces, …) ask it; the
 * protocols only present what they are given. Internal reads (sign-in, access decisions) do not go through it.
 *
 * | principal                                                   | may read                                          |
 * | ----------------------------------------------------------- | ------------------------------------------------- |
 * | admin token, signed-in main user (dashboard admin), system  | everything of their tenant                        |
 * | SCIM (Entra's provisioning token)                           | everything SCIM serves (users, groups)            |
 * | ordinary signed-in employee; the workspace app with an      | themselves in full; their own access decisions;   |
 * | employee's Entra access token (delegated Directory.Read)    | the tenant's name; the workspaces they may enter; |
 * |                                                             | the groups they belong to; the basic profile of   |
 * |                                                             | the people in those (members, effective members)  |
 *
 * Never to the latter: other people's phone numbers, externalId, Entra object ID, groups or access decisions;
 * looking people up or listing them directly; groups they are not in; SSO configurations, access policies, SCIM
 * settings; the provisioning log; token metadata. A refused read is FORBIDDEN (lists are narrowed instead).
 */

/** Things only those who read everything may read. */
export type ReadArea =
  /** Token metadata (ids, labels, dates). */
  | 'tokens'
  /** What Entra did through SCIM. */
  | 'provisioningLog'
  /** SSO configurations, access policies, SCIM settings. */
  | 'settings'
  /** Looking people up by id or listing them, rather than through a group or workspace one may see. */
  | 'people';

/** What of a person a reader wants: the basic profile, or more. */
export type UserPart =
  /** id, userName, names, e-mails, department, active, source, dates. */
  | 'profile'
  /** phoneNumbers, externalId, entraObjectId. */
  | 'private'
  | 'groups'
  | 'access';

/** True for principals that may read everything of their tenant. */
export function readsEverything(ctx: ServiceContext): boolean {
  return ctx.actor.isAdmin || ctx.actor.type === 'scim';
}

/** The directory user the caller is, if any. */
export function viewerId(ctx: ServiceContext): string | undefined {
  return ctx.actor.type === 'user' ? ctx.actor.userId : undefined;
}

export function assertMayRead(ctx: ServiceContext, area: ReadArea): void {
  if (readsEverything(ctx)) return;
  throw new ForbiddenError(`only tenant admins may read ${areaNames[area]}`);
}

const areaNames: Record<ReadArea, string> = {
  tokens: 'token metadata',
  provisioningLog: 'the provisioning log',
  settings: 'settings',
  people: "other people's records directly; reach them through your groups and workspaces",
};

/** A part of a person the caller reached (through a group or workspace they may see, or as themselves). */
export function assertMayReadUser(ctx: ServiceContext, userId: string, part: UserPart): void {
  if (part === 'profile' || readsEverything(ctx) || viewerId(ctx) === userId) return;
  throw new ForbiddenError(`only tenant admins may read other people's ${partNames[part]}`);
}

const partNames: Record<Exclude<UserPart, 'profile'>, string> = {
  private: 'phone numbers and identifiers',
  groups: 'groups',
  access: 'access decisions',
};

/** Looking a person up by id: oneself, or those who read everything. */
export function assertMayLookUpUser(ctx: ServiceContext, userId: string): void {
  if (viewerId(ctx) !== userId) assertMayRead(ctx, 'people');
}

/** The groups a reader may see: all of them, or (undefined = all) only those they belong to. */
export function groupsMemberOf(ctx: ServiceContext): string | undefined {
  if (readsEverything(ctx)) return undefined;
  const self = viewerId(ctx);
  if (!self) throw new ForbiddenError('only tenant admins and directory users may read groups');
  return self;
}

export async function mayReadGroup(ctx: ServiceContext, groupId: string): Promise<boolean> {
  const member = groupsMemberOf(ctx);
  return member === undefined || ctx.db.memberships.has(groupId, member);
}

export async function assertMayReadGroup(ctx: ServiceContext, groupId: string): Promise<void> {
  if (!(await mayReadGroup(ctx, groupId))) {
    throw new ForbiddenError('you may read only the groups you belong to');
  }
}

/**
 * The workspaces (of `all`) the caller may see: every one for those who read everything; for a directory user,
 * those the access decision lets them enter (with their sign-in's configuration and token groups when known).
 */
export async function visibleWorkspaces(
  ctx: ServiceContext,
  all: readonly Workspace[],
  policies: () => Promise<AccessPolicies>,
): Promise<Workspace[]> {
  if (readsEverything(ctx) || all.length === 0) return [...all];
  const self = viewerId(ctx);
  const viewer: User | undefined = self ? await ctx.db.users.findById(self) : undefined;
  if (!viewer) return [];
  const current = await policies();
  let read: Promise<Map<string, Group>> | undefined;
  const directoryGroups = () => (read ??= directoryGroupObjectIds(ctx, viewer.id));
  const admitted = await Promise.all(
    all.map(
      async (ws) =>
        (
          await decideWithRule(
            ctx,
            viewer,
            effectiveWorkspaceRule(ws, current),
            'WORKSPACE',
            ctx.actor.signIn,
            {
              directoryGroups,
            },
          )
        ).allowed,
    ),
  );
  return all.filter((_, i) => admitted[i]);
}

export async function assertMayReadWorkspace(
  ctx: ServiceContext,
  ws: Workspace,
  policies: () => Promise<AccessPolicies>,
): Promise<void> {
  if ((await visibleWorkspaces(ctx, [ws], policies)).length === 0) {
    throw new ForbiddenError('you may read only the workspaces you may enter');
  }
}
