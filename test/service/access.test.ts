import { expect } from 'chai';
import { ConflictError, InvalidInputError, NotFoundError } from '../../src/domain/errors.js';
import { decideAccess, listEffectiveWorkspaceMembers } from '../../src/services/access.js';
import { setMainDashboardAccess, setWorkspaceDefaultAccess } from '../../src/services/access-policies.js';
import { createGroup } from '../../src/services/groups.js';
import {
  acceptsEntraTenant,
  createSsoConfiguration,
  deleteSsoConfiguration,
} from '../../src/services/sso.js';
import { createUser, updateUser } from '../../src/services/users.js';
import { createWorkspace, resetWorkspaceAccess, setWorkspaceAccess } from '../../src/services/workspaces.js';
import { caught, ctxFor, guid, makeTenant } from '../helpers/factories.js';

async function setup() {
  const t = await makeTenant();
  const admin = ctxFor(t, 'graphql');
  const scim = ctxFor(t, 'scim');
  const entraTenant = guid();
  const sso = await createSsoConfiguration(admin, {
    name: 'Contoso',
    kind: 'ENTRA_SINGLE_TENANT',
    entraTenantId: entraTenant,
  });
  const salesOid = guid();
  const opsOid = guid();
  const alice = await createUser(scim, { userName: 'alice@contoso.com' });
  const bob = await createUser(scim, { userName: 'bob@contoso.com' });
  await createGroup(scim, { displayName: 'Sales', externalId: salesOid, members: [alice.id] });
  await createGroup(scim, { displayName: 'Ops', externalId: opsOid, members: [bob.id] });
  return { t, admin, scim, sso, salesOid, opsOid, alice, bob, entraTenant };
}

describe('access decisions (real database)', () => {
  it('grants the main dashboard to members of an allowed group and says which group', async () => {
    const s = await setup();
    await setMainDashboardAccess(s.admin, {
      ssoEnabled: true,
      ssoConfigurationId: s.sso.id,
      allowedGroupIds: [s.salesOid],
    });
    const yes = await decideAccess(s.admin, s.alice, { kind: 'MAIN_DASHBOARD' });
    expect(yes).to.include({
      allowed: true,
      reason: 'GRANTED_BY_GROUP',
      policy: 'MAIN_DASHBOARD',
      groupSource: 'DIRECTORY',
    });
    expect(yes.grantingGroupObjectId).to.equal(s.salesOid);
    expect(yes.grantingGroup?.displayName).to.equal('Sales');
    const no = await decideAccess(s.admin, s.bob, { kind: 'MAIN_DASHBOARD' });
    expect(no).to.include({ allowed: false, reason: 'NO_MATCHING_GROUP' });
  });

  it('uses the token groups when present and the directory on overage', async () => {
    const s = await setup();
    await setMainDashboardAccess(s.admin, {
      ssoEnabled: true,
      ssoConfigurationId: s.sso.id,
      allowedGroupIds: [s.opsOid],
    });
    const byToken = await decideAccess(
      s.admin,
      s.alice,
      { kind: 'MAIN_DASHBOARD' },
      {
        ssoConfigurationId: s.sso.id,
        tokenGroupIds: [s.opsOid.toUpperCase()],
      },
    );
    expect(byToken).to.include({ allowed: true, groupSource: 'TOKEN' });
    const overage = await decideAccess(
      s.admin,
      s.bob,
      { kind: 'MAIN_DASHBOARD' },
      { ssoConfigurationId: s.sso.id },
    );
    expect(overage).to.include({ allowed: true, groupSource: 'DIRECTORY', reason: 'GRANTED_BY_GROUP' });
    const wrongConfig = await decideAccess(
      s.admin,
      s.bob,
      { kind: 'MAIN_DASHBOARD' },
      { ssoConfigurationId: guid() },
    );
    expect(wrongConfig).to.include({ allowed: false, reason: 'SSO_CONFIGURATION_MISMATCH' });
  });

  it('refuses deactivated users and targets without SSO', async () => {
    const s = await setup();
    expect(await decideAccess(s.admin, s.alice, { kind: 'MAIN_DASHBOARD' })).to.include({
      reason: 'SSO_NOT_ENABLED',
    });
    await setMainDashboardAccess(s.admin, { ssoEnabled: true, ssoConfigurationId: s.sso.id });
    const off = await updateUser(s.scim, s.alice.id, { active: false });
    expect(await decideAccess(s.admin, off, { kind: 'MAIN_DASHBOARD' })).to.include({
      allowed: false,
      reason: 'USER_DEACTIVATED',
    });
  });

  it('applies workspace overrides over the defaults, and resets them', async () => {
    const s = await setup();
    await setWorkspaceDefaultAccess(s.admin, {
      ssoEnabled: true,
      ssoConfigurationId: s.sso.id,
      allowedGroupIds: [s.salesOid],
    });
    const ws = await createWorkspace(s.admin, { name: 'Board room' });
    expect(await decideAccess(s.admin, s.alice, { kind: 'WORKSPACE', workspaceId: ws.id })).to.include({
      allowed: true,
      policy: 'WORKSPACE_DEFAULTS',
    });
    await setWorkspaceAccess(s.admin, ws.id, { allowedGroupIds: [s.opsOid] });
    expect(await decideAccess(s.admin, s.alice, { kind: 'WORKSPACE', workspaceId: ws.id })).to.include({
      allowed: false,
      policy: 'WORKSPACE_OVERRIDE',
    });
    const members = await listEffectiveWorkspaceMembers(s.admin, ws.id, { limit: 10 });
    expect(members.map((u) => u.id)).to.deep.equal([s.bob.id]);
    await resetWorkspaceAccess(s.admin, ws.id);
    expect(
      (await listEffectiveWorkspaceMembers(s.admin, ws.id, { limit: 10 })).map((u) => u.id),
    ).to.deep.equal([s.alice.id]);
  });

  it('validates policies and SSO configurations', async () => {
    const s = await setup();
    expect(await caught(setMainDashboardAccess(s.admin, { ssoEnabled: true }))).to.be.instanceOf(
      InvalidInputError,
    );
    expect(
      await caught(setMainDashboardAccess(s.admin, { allowedGroupIds: ['not-a-guid'] })),
    ).to.be.instanceOf(InvalidInputError);
    expect(await caught(setMainDashboardAccess(s.admin, { ssoConfigurationId: guid() }))).to.be.instanceOf(
      NotFoundError,
    );
    expect(
      await caught(
        createSsoConfiguration(s.admin, { name: 'Bad', kind: 'ENTRA_SINGLE_TENANT', entraTenantId: 'x' }),
      ),
    ).to.be.instanceOf(InvalidInputError);
    const multi = await createSsoConfiguration(s.admin, {
      name: 'Partners',
      kind: 'ENTRA_MULTI_TENANT',
      allowedEntraTenantIds: [s.entraTenant],
    });
    expect(acceptsEntraTenant(multi, s.entraTenant.toUpperCase())).to.equal(true);
    expect(acceptsEntraTenant(multi, guid())).to.equal(false);
    expect(acceptsEntraTenant(s.sso, s.entraTenant)).to.equal(true);
    await setMainDashboardAccess(s.admin, { ssoEnabled: true, ssoConfigurationId: s.sso.id });
    expect(await caught(deleteSsoConfiguration(s.admin, s.sso.id))).to.be.instanceOf(ConflictError);
    const ws = await createWorkspace(s.admin, { name: 'Partners only' });
    await setWorkspaceAccess(s.admin, ws.id, { ssoEnabled: true, ssoConfigurationId: multi.id });
    expect(await caught(deleteSsoConfiguration(s.admin, multi.id))).to.be.instanceOf(ConflictError);
    await resetWorkspaceAccess(s.admin, ws.id);
    await deleteSsoConfiguration(s.admin, multi.id);
  });
});
