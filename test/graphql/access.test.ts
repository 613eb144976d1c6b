import { expect } from 'chai';
import { commandCounter } from '../../src/db/connection.js';
import type { User } from '../../src/domain/types.js';
import { getAccessPolicies } from '../../src/services/access-policies.js';
import { createGroup } from '../../src/services/groups.js';
import { getSsoConfiguration } from '../../src/services/sso.js';
import { createUser } from '../../src/services/users.js';
import { getWorkspace } from '../../src/services/workspaces.js';
import { ctxFor, guid, makeTenantWithTokens } from '../helpers/factories.js';
import {
  codeOf,
  gql,
  memberHeader,
  ok,
  startServer,
  testMemberAuthenticator,
  type TestServer,
  type Data,
} from './helpers.js';

/** The Howspace admin settings over GraphQL: SSO configurations, access policies, workspaces, access decisions. */
describe('GraphQL access settings, workspaces and access explanations', () => {
  let server: TestServer;
  before(async () => (server = await startServer({ testAuthenticators: [testMemberAuthenticator] })));
  after(() => server.close());

  const createSso = `mutation($input: CreateSsoConfigurationInput!) {
    createSsoConfiguration(input: $input) { id name kind entraTenantId allowedEntraTenantIds }
  }`;

  /** A tenant with an SSO configuration and two provisioned groups: Sales (Anna, Bert, inactive Cecilia) and Ops. */
  async function tenantWithGroups() {
    const t = await makeTenantWithTokens();
    const scim = ctxFor(t.tenant, 'scim');
    const entraTenantId = guid();
    const sso: Data = await ok(server, t.adminToken, createSso, {
      input: { name: 'Contoso', kind: 'ENTRA_SINGLE_TENANT', entraTenantId },
    });
    const ssoId: string = sso.createSsoConfiguration.id;
    const anna = await createUser(scim, { userName: 'anna@contoso.com' });
    const bert = await createUser(scim, { userName: 'bert@contoso.com' });
    const cecilia = await createUser(scim, { userName: 'cecilia@contoso.com', active: false });
    const david = await createUser(scim, { userName: 'david@contoso.com' });
    const salesOid = guid();
    const opsOid = guid();
    const sales = await createGroup(scim, {
      displayName: 'Sales',
      externalId: salesOid,
      members: [anna.id, bert.id, cecilia.id],
    });
    const ops = await createGroup(scim, { displayName: 'Ops', externalId: opsOid, members: [david.id] });
    return { ...t, scim, ssoId, entraTenantId, anna, bert, cecilia, david, sales, ops, salesOid, opsOid };
  }

  it('adds, updates, lists and removes SSO configurations (single- and multi-tenant)', async () => {
    const t = await makeTenantWithTokens();
    const tid = guid();
    const single: Data = await ok(server, t.adminToken, createSso, {
      input: { name: 'Contoso', kind: 'ENTRA_SINGLE_TENANT', entraTenantId: tid.toUpperCase() },
    });
    expect(single.createSsoConfiguration).to.include({
      name: 'Contoso',
      kind: 'ENTRA_SINGLE_TENANT',
      entraTenantId: tid,
    });
    const other = guid();
    const multi: Data = await ok(server, t.adminToken, createSso, {
      input: { name: 'Group companies', kind: 'ENTRA_MULTI_TENANT', allowedEntraTenantIds: [tid, other] },
    });
    expect(multi.createSsoConfiguration).to.include({ kind: 'ENTRA_MULTI_TENANT', entraTenantId: null });
    expect(multi.createSsoConfiguration.allowedEntraTenantIds).to.deep.equal([tid, other]);

    const missingTenant = await gql(server, t.adminToken, createSso, {
      input: { name: 'Broken', kind: 'ENTRA_SINGLE_TENANT' },
    });
    expect(codeOf(missingTenant)).to.equal('BAD_USER_INPUT');
    expect(missingTenant.errors![0]!.extensions!.path).to.equal('entraTenantId');
    const dupName = await gql(server, t.adminToken, createSso, {
      input: { name: 'contoso', kind: 'ENTRA_SINGLE_TENANT', entraTenantId: guid() },
    });
    expect(codeOf(dupName)).to.equal('CONFLICT');
    expect(dupName.errors![0]!.extensions!.field).to.equal('name');

    const id = single.createSsoConfiguration.id;
    const newTid = guid();
    const updated: Data = await ok(
      server,
      t.adminToken,
      `mutation($id: ID!, $input: UpdateSsoConfigurationInput!) {
        updateSsoConfiguration(id: $id, input: $input) { name entraTenantId }
      }`,
      { id, input: { name: 'Contoso (prod)', entraTenantId: newTid } },
    );
    expect(updated.updateSsoConfiguration).to.deep.equal({ name: 'Contoso (prod)', entraTenantId: newTid });

    const list: Data = await ok(
      server,
      t.adminToken,
      `query($id: ID!) { ssoConfigurations { name } ssoConfiguration(id: $id) { name createdAt updatedAt } }`,
      { id },
    );
    expect(list.ssoConfigurations.map((c: Data) => c.name)).to.deep.equal([
      'Contoso (prod)',
      'Group companies',
    ]);
    expect(list.ssoConfiguration.name).to.equal('Contoso (prod)');

    // In use by a policy: refused. Unused: removed.
    await ok(
      server,
      t.adminToken,
      `mutation($id: ID!) { setMainDashboardAccess(input: { ssoEnabled: true, ssoConfigurationId: $id }) { updatedAt } }`,
      { id },
    );
    const inUse = await gql(
      server,
      t.adminToken,
      'mutation($id: ID!) { deleteSsoConfiguration(id: $id) { id } }',
      {
        id,
      },
    );
    expect(codeOf(inUse)).to.equal('CONFLICT');
    const removed: Data = await ok(
      server,
      t.adminToken,
      'mutation($id: ID!) { deleteSsoConfiguration(id: $id) { id } }',
      { id: multi.createSsoConfiguration.id },
    );
    expect(removed.deleteSsoConfiguration.id).to.equal(multi.createSsoConfiguration.id);
    const gone = await gql(server, t.adminToken, 'query($id: ID!) { ssoConfiguration(id: $id) { id } }', {
      id: multi.createSsoConfiguration.id,
    });
    expect(codeOf(gone)).to.equal('NOT_FOUND');
    expect((await getSsoConfiguration(ctxFor(t.tenant), id)).name).to.equal('Contoso (prod)');
  });

  it('sets the main dashboard and workspace default access rules and reads them back with group names', async () => {
    const s = await tenantWithGroups();
    const unknownOid = guid();
    const main: Data = await ok(
      server,
      s.adminToken,
      `mutation($input: AccessRuleInput!) {
        setMainDashboardAccess(input: $input) {
          mainDashboard {
            ssoEnabled ssoConfigurationId ssoConfiguration { name }
            allowedGroupIds allowedGroups { objectId group { displayName } }
          }
          workspaceDefaults { ssoEnabled allowedGroupIds }
        }
      }`,
      { input: { ssoEnabled: true, ssoConfigurationId: s.ssoId, allowedGroupIds: [s.salesOid, unknownOid] } },
    );
    expect(main.setMainDashboardAccess.mainDashboard).to.deep.equal({
      ssoEnabled: true,
      ssoConfigurationId: s.ssoId,
      ssoConfiguration: { name: 'Contoso' },
      allowedGroupIds: [s.salesOid, unknownOid],
      allowedGroups: [
        { objectId: s.salesOid, group: { displayName: 'Sales' } },
        { objectId: unknownOid, group: null },
      ],
    });
    expect(main.setMainDashboardAccess.workspaceDefaults).to.deep.equal({
      ssoEnabled: false,
      allowedGroupIds: [],
    });

    await ok(
      server,
      s.adminToken,
      `mutation($input: AccessRuleInput!) { setWorkspaceDefaultAccess(input: $input) { updatedAt } }`,
      { input: { ssoEnabled: true, ssoConfigurationId: s.ssoId, allowedGroupIds: [s.opsOid] } },
    );
    const read: Data = await ok(
      server,
      s.adminToken,
      '{ accessPolicies { mainDashboard { allowedGroupIds } workspaceDefaults { ssoEnabled allowedGroups { group { displayName } } } } }',
    );
    expect(read.accessPolicies).to.deep.equal({
      mainDashboard: { allowedGroupIds: [s.salesOid, unknownOid] },
      workspaceDefaults: { ssoEnabled: true, allowedGroups: [{ group: { displayName: 'Ops' } }] },
    });

    const noConfig = await gql(
      server,
      s.adminToken,
      'mutation { setWorkspaceDefaultAccess(input: { ssoConfigurationId: null }) { updatedAt } }',
    );
    expect(codeOf(noConfig)).to.equal('BAD_USER_INPUT');
    expect(noConfig.errors![0]!.extensions!.path).to.equal('ssoConfigurationId');
    const notGuid = await gql(
      server,
      s.adminToken,
      'mutation { setMainDashboardAccess(input: { allowedGroupIds: ["sales"] }) { updatedAt } }',
    );
    expect(codeOf(notGuid)).to.equal('BAD_USER_INPUT');
    expect(notGuid.errors![0]!.extensions!.path).to.equal('allowedGroupIds');
    const otherConfig = await gql(
      server,
      s.adminToken,
      'mutation($id: ID!) { setMainDashboardAccess(input: { ssoConfigurationId: $id }) { updatedAt } }',
      { id: guid() },
    );
    expect(codeOf(otherConfig)).to.equal('NOT_FOUND');
    expect((await getAccessPolicies(ctxFor(s.tenant))).mainDashboard.allowedGroupIds).to.have.length(2);
  });

  it('creates, lists, updates, overrides, resets and deletes workspaces', async () => {
    const s = await tenantWithGroups();
    await ok(
      server,
      s.adminToken,
      'mutation($input: AccessRuleInput!) { setWorkspaceDefaultAccess(input: $input) { updatedAt } }',
      { input: { ssoEnabled: true, ssoConfigurationId: s.ssoId } },
    );
    const create = `mutation($input: CreateWorkspaceInput!) {
      createWorkspace(input: $input) { id name description accessOverride { allowedGroupIds } access { policy rule { ssoEnabled allowedGroupIds } } }
    }`;
    const beta: Data = await ok(server, s.adminToken, create, {
      input: { name: 'Beta', description: 'Second' },
    });
    expect(beta.createWorkspace).to.deep.include({
      name: 'Beta',
      description: 'Second',
      accessOverride: null,
      access: { policy: 'WORKSPACE_DEFAULTS', rule: { ssoEnabled: true, allowedGroupIds: [] } },
    });
    const alpha: Data = await ok(server, s.adminToken, create, {
      input: {
        name: 'Alpha',
        access: { ssoEnabled: true, ssoConfigurationId: s.ssoId, allowedGroupIds: [s.opsOid] },
      },
    });
    expect(alpha.createWorkspace.access).to.deep.equal({
      policy: 'WORKSPACE_OVERRIDE',
      rule: { ssoEnabled: true, allowedGroupIds: [s.opsOid] },
    });
    await ok(server, s.adminToken, create, { input: { name: 'Gamma' } });
    const dup = await gql(server, s.adminToken, create, { input: { name: 'beta' } });
    expect(codeOf(dup)).to.equal('CONFLICT');

    const pageQ = `query($after: String) { workspaces(first: 2, after: $after) { nodes { name } pageInfo { hasNextPage endCursor } } }`;
    const p1: Data = await ok(server, s.adminToken, pageQ, {});
    const p2: Data = await ok(server, s.adminToken, pageQ, { after: p1.workspaces.pageInfo.endCursor });
    expect([...p1.workspaces.nodes, ...p2.workspaces.nodes].map((w: Data) => w.name)).to.deep.equal([
      'Alpha',
      'Beta',
      'Gamma',
    ]);
    expect([p1.workspaces.pageInfo.hasNextPage, p2.workspaces.pageInfo.hasNextPage]).to.deep.equal([
      true,
      false,
    ]);

    const id = beta.createWorkspace.id;
    const updated: Data = await ok(
      server,
      s.adminToken,
      'mutation($id: ID!) { updateWorkspace(id: $id, input: { name: "Beta 2", description: null }) { name description } }',
      { id },
    );
    expect(updated.updateWorkspace).to.deep.equal({ name: 'Beta 2', description: null });

    const limited: Data = await ok(
      server,
      s.adminToken,
      `mutation($id: ID!, $input: AccessRuleInput!) {
        setWorkspaceAccess(id: $id, input: $input) { access { policy rule { ssoEnabled ssoConfigurationId allowedGroups { group { displayName } } } } }
      }`,
      { id, input: { allowedGroupIds: [s.salesOid] } },
    );
    expect(limited.setWorkspaceAccess.access).to.deep.equal({
      policy: 'WORKSPACE_OVERRIDE',
      rule: {
        ssoEnabled: true,
        ssoConfigurationId: s.ssoId,
        allowedGroups: [{ group: { displayName: 'Sales' } }],
      },
    });
    expect((await getWorkspace(ctxFor(s.tenant), id)).accessOverride?.allowedGroupIds).to.deep.equal([
      s.salesOid,
    ]);

    const reset: Data = await ok(
      server,
      s.adminToken,
      'mutation($id: ID!) { resetWorkspaceAccess(id: $id) { accessOverride { ssoEnabled } access { policy } } }',
      { id },
    );
    expect(reset.resetWorkspaceAccess).to.deep.equal({
      accessOverride: null,
      access: { policy: 'WORKSPACE_DEFAULTS' },
    });

    const del: Data = await ok(
      server,
      s.adminToken,
      'mutation($id: ID!) { deleteWorkspace(id: $id) { id } }',
      { id },
    );
    expect(del.deleteWorkspace.id).to.equal(id);
    const gone = await gql(server, s.adminToken, 'query($id: ID!) { workspace(id: $id) { id } }', { id });
    expect(codeOf(gone)).to.equal('NOT_FOUND');
    const overrideMissing = await gql(
      server,
      s.adminToken,
      'mutation($id: ID!) { setWorkspaceAccess(id: $id, input: { ssoEnabled: false }) { id } }',
      { id },
    );
    expect(codeOf(overrideMissing)).to.equal('NOT_FOUND');
  });

  it("lists a workspace's effective members: active members of the allowed groups, paginated", async () => {
    const s = await tenantWithGroups();
    const ws: Data = await ok(
      server,
      s.adminToken,
      'mutation($input: CreateWorkspaceInput!) { createWorkspace(input: $input) { id } }',
      {
        input: {
          name: 'Sales room',
          access: { ssoEnabled: true, ssoConfigurationId: s.ssoId, allowedGroupIds: [s.salesOid] },
        },
      },
    );
    const id = ws.createWorkspace.id;
    const q = `query($id: ID!, $after: String) {
      workspace(id: $id) { effectiveMembers(first: 1, after: $after) { nodes { userName } pageInfo { hasNextPage endCursor } } }
    }`;
    const names: string[] = [];
    let after: string | null = null;
    for (;;) {
      const data: Data = await ok(server, s.adminToken, q, { id, after });
      names.push(...data.workspace.effectiveMembers.nodes.map((n: Data) => n.userName));
      if (!data.workspace.effectiveMembers.pageInfo.hasNextPage) break;
      after = data.workspace.effectiveMembers.pageInfo.endCursor;
    }
    expect(names.sort()).to.deep.equal(['anna@contoso.com', 'bert@contoso.com']);

    // One read of the workspace per page (the bench saw 6 commands where 4 do: the workspace read three times).
    const counter = commandCounter();
    await ok(server, s.adminToken, q, { id, after: null });
    counter.stop();
    expect(
      counter.log().filter((c) => c === 'find workspaces'),
      counter.log().join(', '),
    ).to.have.length(1);

    // SSO off for the workspace: nobody enters.
    await ok(
      server,
      s.adminToken,
      'mutation($id: ID!) { setWorkspaceAccess(id: $id, input: { ssoEnabled: false }) { id } }',
      { id },
    );
    const none: Data = await ok(server, s.adminToken, q, { id });
    expect(none.workspace.effectiveMembers.nodes).to.deep.equal([]);
  });

  it('explains access decisions: the policy, the granting group by name and object ID, or why not', async () => {
    const s = await tenantWithGroups();
    await ok(
      server,
      s.adminToken,
      'mutation($input: AccessRuleInput!) { setMainDashboardAccess(input: $input) { updatedAt } }',
      { input: { ssoEnabled: true, ssoConfigurationId: s.ssoId, allowedGroupIds: [s.salesOid] } },
    );
    const ws: Data = await ok(
      server,
      s.adminToken,
      'mutation($input: CreateWorkspaceInput!) { createWorkspace(input: $input) { id } }',
      {
        input: {
          name: 'Ops room',
          access: { ssoEnabled: true, ssoConfigurationId: s.ssoId, allowedGroupIds: [s.opsOid] },
        },
      },
    );
    const wsId: string = ws.createWorkspace.id;
    const noSso: Data = await ok(
      server,
      s.adminToken,
      'mutation { createWorkspace(input: { name: "No SSO", access: { ssoEnabled: false } }) { id } }',
    );
    const explain = `query($u: ID!, $w: ID) {
      explainAccess(userId: $u, workspaceId: $w) {
        allowed reason message target policy groupSource grantingGroupObjectId
        grantingGroup { displayName externalId }
        user { userName }
        workspace { name }
        rule { ssoEnabled allowedGroupIds }
      }
    }`;
    const run = async (u: User, w?: string) =>
      ((await ok(server, s.adminToken, explain, { u: u.id, w: w ?? null })) as Data).explainAccess;

    const anna = await run(s.anna);
    expect(anna).to.deep.include({
      allowed: true,
      reason: 'GRANTED_BY_GROUP',
      target: 'MAIN_DASHBOARD',
      policy: 'MAIN_DASHBOARD',
      groupSource: 'DIRECTORY',
      grantingGroupObjectId: s.salesOid,
      grantingGroup: { displayName: 'Sales', externalId: s.salesOid },
      user: { userName: 'anna@contoso.com' },
      workspace: null,
    });
    expect(anna.message).to.contain('Sales');
    expect(await run(s.david)).to.deep.include({
      allowed: false,
      reason: 'NO_MATCHING_GROUP',
      grantingGroup: null,
    });
    expect(await run(s.cecilia)).to.deep.include({ allowed: false, reason: 'USER_DEACTIVATED' });
    expect(await run(s.david, wsId)).to.deep.include({
      allowed: true,
      reason: 'GRANTED_BY_GROUP',
      target: 'WORKSPACE',
      policy: 'WORKSPACE_OVERRIDE',
      grantingGroup: { displayName: 'Ops', externalId: s.opsOid },
      workspace: { name: 'Ops room' },
    });
    expect(await run(s.anna, noSso.createWorkspace.id)).to.deep.include({
      allowed: false,
      reason: 'SSO_NOT_ENABLED',
      policy: 'WORKSPACE_OVERRIDE',
    });
    const missing = await gql(server, s.adminToken, explain, { u: s.anna.id, w: guid() });
    expect(codeOf(missing)).to.equal('NOT_FOUND');
    const noUser = await gql(server, s.adminToken, explain, { u: 'nobody', w: null });
    expect(codeOf(noUser)).to.equal('NOT_FOUND');
  });

  it("answers the workspace app's question for the viewer, using the viewer's sign-in when there is one", async () => {
    const s = await tenantWithGroups();
    const otherSso: Data = await ok(server, s.adminToken, createSso, {
      input: { name: 'Other', kind: 'ENTRA_SINGLE_TENANT', entraTenantId: guid() },
    });
    const ws: Data = await ok(
      server,
      s.adminToken,
      'mutation($input: CreateWorkspaceInput!) { createWorkspace(input: $input) { id } }',
      {
        input: {
          name: 'Ops room',
          access: { ssoEnabled: true, ssoConfigurationId: s.ssoId, allowedGroupIds: [s.opsOid] },
        },
      },
    );
    const q = `query($w: ID) { viewer { userName access(workspaceId: $w) { allowed reason groupSource grantingGroupObjectId } } }`;
    const w = ws.createWorkspace.id;

    // No sign-in facts on the credential: the directory decides (Anna is not in Ops).
    const plain: Data = await ok(server, memberHeader(s.tenant, s.anna), q, { w });
    expect(plain.viewer.access).to.deep.equal({
      allowed: false,
      reason: 'NO_MATCHING_GROUP',
      groupSource: 'DIRECTORY',
      grantingGroupObjectId: null,
    });
    // Her token says she is in Ops (Entra knows better than the last sync): granted by the token's group.
    const token: Data = await ok(
      server,
      memberHeader(s.tenant, s.anna, { ssoConfigurationId: s.ssoId, groups: [s.opsOid] }),
      q,
      { w },
    );
    expect(token.viewer.access).to.deep.equal({
      allowed: true,
      reason: 'GRANTED_BY_GROUP',
      groupSource: 'TOKEN',
      grantingGroupObjectId: s.opsOid,
    });
    // Signed in through another configuration than the workspace requires.
    const mismatch: Data = await ok(
      server,
      memberHeader(s.tenant, s.anna, {
        ssoConfigurationId: otherSso.createSsoConfiguration.id,
        groups: [s.opsOid],
      }),
      q,
      { w },
    );
    expect(mismatch.viewer.access.reason).to.equal('SSO_CONFIGURATION_MISMATCH');
    // Someone else's decisions are not hers to read (issue 12, item 10); an admin's question about anyone is
    // answered from the directory.
    const about =
      'query($u: ID!, $w: ID) { user(id: $u) { access(workspaceId: $w) { allowed groupSource } } }';
    const refused = await gql(
      server,
      memberHeader(s.tenant, s.anna, { ssoConfigurationId: s.ssoId, groups: [s.opsOid] }),
      about,
      { u: s.david.id, w },
    );
    expect(codeOf(refused)).to.equal('FORBIDDEN');
    const asked: Data = await ok(server, s.adminToken, about, { u: s.david.id, w });
    expect(asked.user.access).to.deep.equal({ allowed: true, groupSource: 'DIRECTORY' });
  });
});
