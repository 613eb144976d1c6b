import { expect } from 'chai';
import { createGroup } from '../../src/services/groups.js';
import { ctxFor, guid, makeTenantWithTokens } from '../helpers/factories.js';
import { codeOf, gql, ok, startServer, type Data, type TestServer } from './helpers.js';

/**
 * allowedGroupIds hold Entra group object IDs (a group's externalId). A directory group `id` put there by mistake is
 * refused with the value to use; an ID that no group carries is accepted with a warning.
 */
describe('GraphQL: allowedGroupIds guard rails', () => {
  let server: TestServer;
  before(async () => (server = await startServer()));
  after(() => server.close());

  const ruleFields = 'allowedGroupIds allowedGroups { objectId group { displayName } } warnings';

  async function tenantWithGroups() {
    const t = await makeTenantWithTokens();
    const objectId = guid();
    // Sales as Entra provisions it (externalId = its Entra object ID); Guests made in the directory, without one.
    const sales = await createGroup(ctxFor(t.tenant, 'scim'), { displayName: 'Sales', externalId: objectId });
    const guests: Data = await ok(
      server,
      t.adminToken,
      `mutation { createGroup(input: { displayName: "Guests" }) { id externalId } }`,
    );
    return { ...t, objectId, sales, guestsId: guests.createGroup.id as string };
  }

  it('refuses a directory group id in the main dashboard rule, naming the group’s Entra object ID', async () => {
    const t = await tenantWithGroups();
    const res = await gql(
      server,
      t.adminToken,
      `mutation($input: AccessRuleInput!) { setMainDashboardAccess(input: $input) { mainDashboard { ${ruleFields} } } }`,
      { input: { allowedGroupIds: [t.sales.id] } },
    );
    expect(codeOf(res)).to.equal('BAD_USER_INPUT');
    expect(res.errors![0]!.message).to.contain(`use its externalId ${t.objectId}`);
    expect(res.errors![0]!.message).to.contain('"Sales"');
    expect(res.errors![0]!.extensions!.path).to.equal('allowedGroupIds');
    const after: Data = await ok(
      server,
      t.adminToken,
      '{ accessPolicies { mainDashboard { allowedGroupIds } } }',
    );
    expect(after.accessPolicies.mainDashboard.allowedGroupIds).to.deep.equal([]);
  });

  it('refuses a directory group id in a workspace rule, also when the group has no Entra object ID', async () => {
    const t = await tenantWithGroups();
    const ws: Data = await ok(
      server,
      t.adminToken,
      `mutation { createWorkspace(input: { name: "Board" }) { id } }`,
    );
    const set = `mutation($id: ID!, $input: AccessRuleInput!) {
      setWorkspaceAccess(id: $id, input: $input) { accessOverride { ${ruleFields} } }
    }`;
    const bySalesId = await gql(server, t.adminToken, set, {
      id: ws.createWorkspace.id,
      input: { allowedGroupIds: [t.objectId, t.sales.id] },
    });
    expect(codeOf(bySalesId)).to.equal('BAD_USER_INPUT');
    expect(bySalesId.errors![0]!.message).to.contain(t.objectId);
    const byGuestsId = await gql(server, t.adminToken, set, {
      id: ws.createWorkspace.id,
      input: { allowedGroupIds: [t.guestsId] },
    });
    expect(codeOf(byGuestsId)).to.equal('BAD_USER_INPUT');
    expect(byGuestsId.errors![0]!.message).to.contain('"Guests", which has no Entra object ID');
    const created = await gql(
      server,
      t.adminToken,
      `mutation($input: CreateWorkspaceInput!) { createWorkspace(input: $input) { id } }`,
      { input: { name: 'Leadership', access: { allowedGroupIds: [t.sales.id] } } },
    );
    expect(codeOf(created)).to.equal('BAD_USER_INPUT');
  });

  it('accepts object IDs, and warns in the result about those no provisioned group carries yet', async () => {
    const t = await tenantWithGroups();
    const notYet = guid();
    const data: Data = await ok(
      server,
      t.adminToken,
      `mutation($input: AccessRuleInput!) { setWorkspaceDefaultAccess(input: $input) { workspaceDefaults { ${ruleFields} } } }`,
      { input: { allowedGroupIds: [t.objectId.toUpperCase(), notYet] } },
    );
    const rule = data.setWorkspaceDefaultAccess.workspaceDefaults;
    expect(rule.allowedGroupIds).to.deep.equal([t.objectId, notYet]);
    expect(rule.allowedGroups).to.deep.equal([
      { objectId: t.objectId, group: { displayName: 'Sales' } },
      { objectId: notYet, group: null },
    ]);
    expect(rule.warnings).to.have.length(1);
    expect(rule.warnings[0]).to.contain(notYet).and.contain('provisioning scope');

    // Once Entra provisions that group, the warning is gone.
    await createGroup(ctxFor(t.tenant, 'scim'), { displayName: 'Later', externalId: notYet });
    const now: Data = await ok(server, t.adminToken, `{ accessPolicies { workspaceDefaults { warnings } } }`);
    expect(now.accessPolicies.workspaceDefaults.warnings).to.deep.equal([]);
  });
});
