import { NotFoundError } from '../../domain/errors.js';
import type { ProvisioningLogEntry } from '../../domain/types.js';
import { effectiveWorkspaceRule } from '../../services/access.js';
import { accessRuleWarnings } from '../../services/access-policies.js';
import { listCredentials } from '../../services/credentials.js';
import { readUserField } from '../../services/users.js';
import { readWorkspace } from '../../services/workspaces.js';
import type {
  AccessExplanationResolvers,
  AccessRuleResolvers,
  AllowedGroupResolvers,
  GroupMemberConnectionResolvers,
  GroupResolvers,
  IssuedScimTokenResolvers,
  PrincipalKind,
  PrincipalResolvers,
  ProvisioningLogEntryResolvers,
  ProvisioningResourceType,
  Resolvers,
  ScimSettingsResolvers,
  TokenResolvers,
  UserResolvers,
  WorkspaceResolvers,
} from '../../generated/graphql.js';
import type { Principal } from '../../http/principal.js';
import { scimTenantUrl } from '../../http/urls.js';
import { recordSources } from '../inputs.js';
import type { Connection, Edge } from '../models.js';
import { DateTime } from '../scalars.js';
import * as page from './connections.js';
import { explain } from './query.js';

/** Field resolvers of object types: present a domain object, or load what it refers to through a loader. */
const User: UserResolvers = {
  phoneNumbers: (u, _a, c) => readUserField(c.service, u, 'phoneNumbers'),
  addresses: (u, _a, c) => readUserField(c.service, u, 'addresses'),
  employeeNumber: (u, _a, c) => readUserField(c.service, u, 'employeeNumber') ?? null,
  manager: async (u, _a, c) => {
    const id = readUserField(c.service, u, 'managerId');
    if (id === undefined) return null;
    // a manager deleted since the user was read is no manager (deleteUser clears the reference)
    const [manager] = await c.loaders.user.loadMany([id]);
    if (manager instanceof NotFoundError) return null;
    if (manager instanceof Error) throw manager;
    return manager ?? null;
  },
  directReports: (u, args, c) => page.directReports(c, u, args),
  externalId: (u, _a, c) => readUserField(c.service, u, 'externalId') ?? null,
  entraObjectId: (u, _a, c) => readUserField(c.service, u, 'entraObjectId') ?? null,
  source: (u) => recordSources[u.source],
  provisioned: (u) => u.source === 'scim',
  groups: (u, args, c) => page.groupsOfUser(c, u, args),
  access: (u, { workspaceId }, c) => explain(c, u, workspaceId),
};

const Group: GroupResolvers = {
  source: (g) => recordSources[g.source],
  provisioned: (g) => g.source === 'scim',
  members: (g, args, c) => page.membersOfGroup(c, g, args),
  memberCount: (g, _a, c) => c.loaders.memberCount.load(g.id),
};

const Workspace: WorkspaceResolvers = {
  accessOverride: (w) => w.accessOverride ?? null,
  access: async (w, _a, c) => effectiveWorkspaceRule(w, await c.loaders.policies()),
  effectiveMembers: (w, args, c, info) => page.effectiveMembers(c, w, args, info),
};

const AccessRule: AccessRuleResolvers = {
  ssoConfigurationId: (r) => r.ssoConfigurationId ?? null,
  ssoConfiguration: async (r, _a, c) =>
    r.ssoConfigurationId
      ? ((await c.loaders.ssoConfigurations()).find((s) => s.id === r.ssoConfigurationId) ?? null)
      : null,
  allowedGroups: (r) => r.allowedGroupIds.map((objectId) => ({ objectId })),
  warnings: async (r, _a, c) =>
    accessRuleWarnings(
      r,
      await Promise.all(r.allowedGroupIds.map((id) => c.loaders.groupByObjectId.load(id))),
    ),
};

const AllowedGroup: AllowedGroupResolvers = {
  group: (a, _args, c) => c.loaders.groupByObjectId.load(a.objectId),
};

const AccessExplanation: AccessExplanationResolvers = {
  allowed: (e) => e.decision.allowed,
  reason: (e) => e.decision.reason,
  message: (e) => e.decision.message,
  user: (e) => e.user,
  target: (e) => (e.workspaceId ? 'WORKSPACE' : 'MAIN_DASHBOARD'),
  workspace: (e, _a, c) => (e.workspaceId ? readWorkspace(c.service, e.workspaceId) : null),
  policy: (e) => e.decision.policy,
  rule: (e) => e.decision.rule,
  groupSource: (e) => e.decision.groupSource,
  grantingGroupObjectId: (e) => e.decision.grantingGroupObjectId ?? null,
  grantingGroup: (e) => e.decision.grantingGroup ?? null,
};

const ScimSettings: ScimSettingsResolvers = {
  enabled: (s) => s.tenant.scimEnabled,
  tenantUrl: (s, _a, c) => scimTenantUrl(c.publicUrl(), s.tenant.slug),
  tokens: (_s, _a, c) => listCredentials(c.service, 'scim'),
};

const Token: TokenResolvers = {
  kind: (t) => (t.kind === 'scim' ? 'SCIM' : 'ADMIN'),
};

const IssuedScimToken: IssuedScimTokenResolvers = {
  settings: (t) => ({ tenant: t.tenant }),
};

const principalKinds: Record<Principal['kind'], PrincipalKind> = {
  'admin-token': 'ADMIN_TOKEN',
  session: 'SESSION',
  'access-token': 'ACCESS_TOKEN',
};

const Principal: PrincipalResolvers = {
  kind: (p) => principalKinds[p.kind],
  isAdmin: (p) => p.actor.isAdmin,
};

const resourceTypes: Record<ProvisioningLogEntry['resourceType'], ProvisioningResourceType> = {
  User: 'USER',
  Group: 'GROUP',
  Other: 'OTHER',
};

const ProvisioningLogEntry: ProvisioningLogEntryResolvers = {
  resourceType: (e) => resourceTypes[e.resourceType],
};

/** Every connection: nodes are the edges' nodes; totalCount runs the count only when asked. */
const connectionFields = {
  nodes: <T>(conn: Connection<T, Edge<T>>) => conn.edges.map((e) => e.node),
  totalCount: <T>(conn: Connection<T, Edge<T>>) => {
    if (!conn.count) throw new Error('this connection has no count');
    return conn.count();
  },
};

const GroupMemberConnection: GroupMemberConnectionResolvers = connectionFields;

export const typeResolvers: Resolvers = {
  DateTime,
  User,
  Group,
  Workspace,
  AccessRule,
  AllowedGroup,
  AccessExplanation,
  ScimSettings,
  IssuedScimToken,
  Token,
  Principal,
  ProvisioningLogEntry,
  UserConnection: connectionFields,
  GroupConnection: connectionFields,
  GroupMemberConnection,
  WorkspaceConnection: { nodes: connectionFields.nodes },
  EffectiveMemberConnection: { nodes: connectionFields.nodes },
  ProvisioningLogConnection: { nodes: connectionFields.nodes },
};
