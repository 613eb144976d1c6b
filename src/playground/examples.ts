/**
 * Example operations offered in the playground's "Examples" panel, one per admin task of the Howspace settings
 * (see the product document) plus the workspace application's reads. Pure data: the browser bundle imports it, and
 * test/graphql/playground-examples.test.ts checks every example against the schema.
 *
 * Placeholder IDs (all zeros) are to be replaced with real ones: list them with the "Find IDs" example first.
 * Ordered so that, on a new tenant, each example works once the IDs made by the ones above it are pasted in (the SSO
 * configuration before the rules that need one, a workspace before the examples that change it, deletions last);
 * test/graphql/playground-examples.test.ts runs them in this order.
 */
export interface Example {
  /** Unique; shown as the button text. */
  title: string;
  description: string;
  query: string;
  variables?: Record<string, unknown>;
}

const zeroGuid = '00000000-0000-0000-0000-000000000000';

export const examples: Example[] = [
  {
    title: 'Who am I',
    description:
      'The credential in use, the tenant, and the signed-in directory user (null for admin tokens).',
    query: `query WhoAmI {
  principal { kind isAdmin }
  tenant { slug name }
  viewer { id userName displayName groups(first: 20) { nodes { displayName externalId } } }
}`,
  },
  {
    title: 'Find IDs',
    description:
      "SSO configurations, workspaces and groups with the IDs the other examples need. A group's externalId is its Entra object ID (what access rules list); its id is the directory's own.",
    query: `query FindIds($search: String) {
  ssoConfigurations { id name kind entraTenantId allowedEntraTenantIds }
  workspaces(first: 50) { nodes { id name access { policy } } }
  groups(first: 50, search: $search) { nodes { id displayName externalId source memberCount } }
}`,
    variables: { search: null },
  },
  {
    title: 'Add SSO configuration (Entra ID)',
    description:
      'Start here on a new tenant: the sign-in settings below need an SSO configuration. Microsoft Entra ID, single tenant: enter your Entra tenant ID, then copy the id it returns.',
    query: `mutation AddSsoConfiguration($input: CreateSsoConfigurationInput!) {
  createSsoConfiguration(input: $input) { id name kind entraTenantId }
}`,
    variables: { input: { name: 'Contoso Entra ID', kind: 'ENTRA_SINGLE_TENANT', entraTenantId: zeroGuid } },
  },
  {
    title: 'Add SSO configuration (multi-tenant)',
    description: 'Microsoft Entra ID (Multi-Tenant): the Entra tenant IDs allowed to sign in.',
    query: `mutation AddMultiTenantSsoConfiguration($input: CreateSsoConfigurationInput!) {
  createSsoConfiguration(input: $input) { id name kind allowedEntraTenantIds }
}`,
    variables: {
      input: { name: 'Group companies', kind: 'ENTRA_MULTI_TENANT', allowedEntraTenantIds: [zeroGuid] },
    },
  },
  {
    title: 'Update SSO configuration',
    description: 'Rename a configuration or change its Entra tenant ID(s).',
    query: `mutation UpdateSsoConfiguration($id: ID!, $input: UpdateSsoConfigurationInput!) {
  updateSsoConfiguration(id: $id, input: $input) { id name kind entraTenantId allowedEntraTenantIds }
}`,
    variables: { id: zeroGuid, input: { name: 'Contoso (production)' } },
  },
  {
    title: 'Main dashboard: enable SSO, limit to groups',
    description:
      'Main User Dashboard Access Control. Needs an SSO configuration: run "Add SSO configuration" first and paste its id. allowedGroupIds are Entra group object IDs (a group\'s externalId in "Find IDs", not its id); warnings lists the IDs no provisioned group carries yet.',
    query: `mutation MainDashboardAccess($input: AccessRuleInput!) {
  setMainDashboardAccess(input: $input) {
    mainDashboard {
      ssoEnabled
      ssoConfiguration { id name }
      allowedGroups { objectId group { displayName } }
      warnings
    }
  }
}`,
    variables: { input: { ssoEnabled: true, ssoConfigurationId: zeroGuid, allowedGroupIds: [zeroGuid] } },
  },
  {
    title: 'Workspace defaults: login with SSO',
    description:
      'Workspace default settings → Login, registration and SSO. Needs an SSO configuration ("Add SSO configuration" first); allowedGroupIds as for the main dashboard.',
    query: `mutation WorkspaceDefaults($input: AccessRuleInput!) {
  setWorkspaceDefaultAccess(input: $input) {
    workspaceDefaults {
      ssoEnabled
      ssoConfiguration { id name }
      allowedGroups { objectId group { displayName } }
      warnings
    }
  }
}`,
    variables: { input: { ssoEnabled: true, ssoConfigurationId: zeroGuid, allowedGroupIds: [] } },
  },
  {
    title: 'Access policies',
    description: 'The main dashboard rule and the workspace defaults as they are now.',
    query: `query AccessPolicies {
  accessPolicies {
    updatedAt
    mainDashboard { ssoEnabled ssoConfiguration { name } allowedGroups { objectId group { displayName } } warnings }
    workspaceDefaults { ssoEnabled ssoConfiguration { name } allowedGroups { objectId group { displayName } } warnings }
  }
}`,
  },
  {
    title: 'Create workspace',
    description: 'A new workspace; it follows the workspace defaults until you override its access.',
    query: `mutation CreateWorkspace($input: CreateWorkspaceInput!) {
  createWorkspace(input: $input) { id name description access { policy } }
}`,
    variables: { input: { name: 'Leadership forum', description: 'Quarterly planning' } },
  },
  {
    title: 'Update workspace',
    description: 'Rename a workspace or change its description.',
    query: `mutation UpdateWorkspace($id: ID!, $input: UpdateWorkspaceInput!) {
  updateWorkspace(id: $id, input: $input) { id name description }
}`,
    variables: { id: zeroGuid, input: { name: 'Leadership forum 2025' } },
  },
  {
    title: 'Limit workspace to groups',
    description:
      'Override a workspace\'s access: only members of these Entra groups may enter. Needs a workspace ("Create workspace") and an SSO configuration ("Add SSO configuration"); allowedGroupIds are Entra group object IDs (externalId).',
    query: `mutation LimitWorkspaceToGroups($id: ID!, $input: AccessRuleInput!) {
  setWorkspaceAccess(id: $id, input: $input) {
    id
    name
    access {
      policy
      rule { ssoEnabled allowedGroupIds allowedGroups { objectId group { displayName } } warnings }
    }
  }
}`,
    variables: {
      id: zeroGuid,
      input: { ssoEnabled: true, ssoConfigurationId: zeroGuid, allowedGroupIds: [zeroGuid] },
    },
  },
  {
    title: 'Workspace members',
    description: 'Who may enter a workspace according to the directory (members of the allowed groups).',
    query: `query WorkspaceMembers($id: ID!, $after: String) {
  workspace(id: $id) {
    name
    access { policy rule { ssoEnabled allowedGroupIds } }
    effectiveMembers(first: 50, after: $after) {
      nodes { id userName displayName }
      pageInfo { hasNextPage endCursor }
    }
  }
}`,
    variables: { id: zeroGuid, after: null },
  },
  {
    title: 'Explain access',
    description: 'May this user enter the main dashboard (no workspaceId) or a workspace, and why?',
    query: `query ExplainAccess($userId: ID!, $workspaceId: ID) {
  explainAccess(userId: $userId, workspaceId: $workspaceId) {
    allowed
    reason
    message
    policy
    grantingGroupObjectId
    grantingGroup { displayName externalId }
    rule { ssoEnabled ssoConfiguration { name } allowedGroupIds }
  }
}`,
    variables: { userId: zeroGuid, workspaceId: null },
  },
  {
    title: 'Reset workspace access',
    description: "Drop a workspace's override: the workspace defaults apply again.",
    query: `mutation ResetWorkspaceAccess($id: ID!) {
  resetWorkspaceAccess(id: $id) { id name access { policy rule { ssoEnabled allowedGroupIds } } }
}`,
    variables: { id: zeroGuid },
  },
  {
    title: 'SCIM settings',
    description:
      'Tenant URL for Entra and whether user synchronization is on (the secret token is never shown).',
    query: `query ScimSettings {
  scimSettings { enabled tenantUrl tokens { id createdAt expiresAt } }
}`,
  },
  {
    title: 'Enable user synchronization',
    description: 'Turn SCIM user synchronization on (or off with enabled: false).',
    query: `mutation EnableUserSynchronization($enabled: Boolean!) {
  setScimEnabled(enabled: $enabled) { enabled tenantUrl }
}`,
    variables: { enabled: true },
  },
  {
    title: 'Rotate SCIM secret token',
    description:
      'Issue a new secret token (shown once: copy it into Entra). The previous tokens keep working for the grace period.',
    query: `mutation RotateScimToken($gracePeriodSeconds: Int) {
  issueScimToken(gracePeriodSeconds: $gracePeriodSeconds) {
    token
    credential { id createdAt }
    settings { tenantUrl tokens { id createdAt expiresAt } }
  }
}`,
    variables: { gracePeriodSeconds: 3600 },
  },
  {
    title: 'Provisioning log: failures',
    description: 'What Entra did through SCIM; here only the failed requests.',
    query: `query ProvisioningFailures($filter: ProvisioningLogFilter) {
  provisioningLog(first: 50, filter: $filter) {
    nodes { at operation resourceType status outcome error userId groupId }
    pageInfo { hasNextPage endCursor }
  }
}`,
    variables: { filter: { outcome: 'FAILURE' } },
  },
  {
    title: 'Users with their groups',
    description: 'A page of users with the groups they belong to.',
    query: `query UsersWithGroups($search: String, $after: String) {
  users(first: 50, search: $search, after: $after) {
    totalCount
    nodes { id userName displayName active source groups(first: 20) { nodes { displayName externalId } } }
    pageInfo { hasNextPage endCursor }
  }
}`,
    variables: { search: null, after: null },
  },
  {
    title: 'Org chart',
    description:
      'People of a department (null: everyone) with their title, manager and direct reports, as Entra provisions them (the enterprise manager and department). Direct reports of the whole page are read together.',
    query: `query OrgChart($department: String) {
  users(first: 50, filter: { department: $department }) {
    nodes {
      id displayName title department
      manager { displayName title }
      directReports(first: 20) { totalCount nodes { displayName title } }
    }
  }
}`,
    variables: { department: null },
  },
  {
    title: 'Group members',
    description: 'Members of a group, 100 at a time (works for groups of any size).',
    query: `query GroupMembers($id: ID!, $after: String) {
  group(id: $id) {
    displayName
    externalId
    memberCount
    members(first: 100, after: $after) {
      edges { addedAt node { id userName displayName } }
      pageInfo { hasNextPage endCursor }
    }
  }
}`,
    variables: { id: zeroGuid, after: null },
  },
  {
    title: 'Create group (not provisioned)',
    description:
      'A group owned by this directory, with first members. Groups Entra provisions are read-only here.',
    query: `mutation CreateGroup($input: CreateGroupInput!) {
  createGroup(input: $input) { id displayName source memberCount }
}`,
    variables: { input: { displayName: 'Guest facilitators', memberIds: [] } },
  },
  {
    title: 'Create user (not provisioned)',
    description:
      'A user owned by this directory (a guest, a test account). Users Entra provisions are read-only here.',
    query: `mutation CreateUser($input: CreateUserInput!) {
  createUser(input: $input) { id userName displayName active source }
}`,
    variables: { input: { userName: 'guest@example.com', displayName: 'Guest facilitator' } },
  },
  {
    title: 'Edit user (not provisioned)',
    description:
      'Change a user this directory owns. On users Entra provisions only entraObjectId may change.',
    query: `mutation EditUser($id: ID!, $input: UpdateUserInput!) {
  updateUser(id: $id, input: $input) { id userName displayName active source }
}`,
    variables: { id: zeroGuid, input: { displayName: 'New name' } },
  },
  {
    title: 'Delete workspace',
    description: 'Deletes a workspace.',
    query: `mutation DeleteWorkspace($id: ID!) {
  deleteWorkspace(id: $id) { id }
}`,
    variables: { id: zeroGuid },
  },
  {
    title: 'Remove SSO configuration',
    description: 'Refused while an access policy or a workspace still uses it.',
    query: `mutation RemoveSsoConfiguration($id: ID!) {
  deleteSsoConfiguration(id: $id) { id }
}`,
    variables: { id: zeroGuid },
  },
];

/** The first tab when nothing is stored yet. */
export const welcomeQuery = `# Directory GraphQL playground
#
# Signed in with SSO? Your session is sent automatically.
# With an admin token: open "Headers" below and enter
#   { "Authorization": "Bearer dadm_..." }
# Headers are not stored by the browser.
#
# The Examples panel (left sidebar) has an operation for every admin task.

query WhoAmI {
  principal { kind isAdmin }
  tenant { slug name }
  viewer { id userName displayName }
}
`;
