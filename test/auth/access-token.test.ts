import { expect } from 'chai';
import { createSsoConfiguration } from '../../src/services/sso.js';
import { createUser, getUser, updateUser } from '../../src/services/users.js';
import { ctxFor, guid, makeTenant } from '../helpers/factories.js';
import { apiAudience, Browser, provisionGroup, scenario, startHarness, type Harness } from './harness.js';

describe('Entra access tokens for the API (jose, real HTTP, real database)', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h?.stop();
  });

  async function call(token: string, headers: Record<string, string> = {}) {
    return new Browser(h.url).session({ authorization: `Bearer ${token}`, ...headers });
  }

  it('accepts a valid token with the API scope (or app role), maps tid to the tenant and links the user', async () => {
    const s = await scenario();
    const token = await h.fake.mintAccessToken({ ...s.person, aud: apiAudience, scp: 'Directory.Read' });
    const me = await call(token);
    expect(me.status, JSON.stringify(me.body)).to.equal(200);
    expect(me.body.via).to.equal('access-token');
    expect(me.body.tenant.slug).to.equal(s.tenant.slug);
    expect(me.body.user.id).to.equal(s.user.id);
    expect(me.body.ssoConfigurationId).to.equal(s.sso.id);
    expect(me.body.access.mainDashboard).to.include({ allowed: true, groupSource: 'TOKEN' });
    expect((await getUser(s.admin, s.user.id)).entraObjectId).to.equal(s.person.oid);

    const withRole = await h.fake.mintAccessToken({
      ...s.person,
      aud: apiAudience,
      roles: ['Directory.Read.All'],
    });
    expect((await call(withRole)).status).to.equal(200);
  });

  it('refuses expired, foreign-audience, unsigned, wrong-issuer, unknown-tenant, scope-less and app-only tokens', async () => {
    const s = await scenario();
    const ok = { ...s.person, aud: apiAudience, scp: 'Directory.Read' };
    const cases: [string, Promise<string>, number][] = [
      ['expired', h.fake.mintAccessToken({ ...ok, expiresIn: -600 }), 401],
      ['foreign audience', h.fake.mintAccessToken({ ...ok, aud: guid() }), 401],
      ['foreign key', h.fake.mintAccessToken({ ...ok, foreignKey: true }), 401],
      [
        'wrong issuer',
        h.fake.mintAccessToken({ ...ok, claims: { iss: `https://sts.windows.net/${s.entraTenantId}/` } }),
        401,
      ],
      ['tenant accepted by no directory tenant', h.fake.mintAccessToken({ ...ok, tid: guid() }), 401],
      ['no scope', h.fake.mintAccessToken({ ...ok, scp: 'User.Read' }), 403],
      [
        'app-only',
        h.fake.mintAccessToken({ ...ok, scp: undefined, roles: ['Other'], claims: { idtyp: 'app' } }),
        403,
      ],
    ];
    for (const [name, token, status] of cases) {
      const res = await call(await token);
      expect(res.status, name).to.equal(status);
      expect(res.body.error, name).to.be.oneOf(['UNAUTHENTICATED', 'FORBIDDEN']);
    }
    // Never a person unknown to the directory.
    const stranger = await h.fake.mintAccessToken({
      ...ok,
      oid: guid(),
      preferred_username: 'nobody@contoso.example',
    });
    expect((await call(stranger)).status).to.equal(401);
  });

  it('needs X-Directory-Tenant when several directory tenants accept the Entra tenant, and checks it', async () => {
    const s = await scenario({ multiTenant: true });
    const other = await makeTenant('auth');
    await createSsoConfiguration(ctxFor(other), {
      name: 'Partner',
      kind: 'ENTRA_MULTI_TENANT',
      allowedEntraTenantIds: [s.entraTenantId],
    });
    const token = await h.fake.mintAccessToken({ ...s.person, aud: apiAudience, scp: 'Directory.Read' });
    const ambiguous = await call(token);
    expect(ambiguous.status).to.equal(401);
    expect(ambiguous.body.message).to.match(/X-Directory-Tenant/);
    const named = await call(token, { 'x-directory-tenant': s.tenant.slug });
    expect(named.status).to.equal(200);
    expect(named.body.user.id).to.equal(s.user.id);
    const unrelated = await makeTenant('auth');
    expect((await call(token, { 'x-directory-tenant': unrelated.slug })).status).to.equal(401);
  });

  it('falls back to SCIM memberships on overage, and refuses a deactivated user at once', async () => {
    const s = await scenario();
    await provisionGroup(s, s.allowedGroup, [s.user.id]);
    const token = await h.fake.mintAccessToken({
      ...s.person,
      groups: undefined,
      overage: true,
      aud: apiAudience,
      scp: 'Directory.Read',
    });
    const me = await call(token);
    expect(me.status).to.equal(200);
    expect(me.body.access.mainDashboard).to.include({ allowed: true, groupSource: 'DIRECTORY' });
    // Access tokens carry a read scope: even a main user's token never administers.
    expect(me.body.isAdmin).to.equal(false);

    await updateUser(s.scim, s.user.id, { active: false });
    const refused = await call(token);
    expect(refused.status).to.equal(401);
    expect(refused.body.message).to.match(/deactivated/);

    // A second person, not provisioned yet: refused until SCIM creates them, then linked by userName.
    const newcomer = { oid: guid(), tid: s.entraTenantId, preferred_username: 'new@contoso.example' };
    const t2 = await h.fake.mintAccessToken({ ...newcomer, aud: apiAudience, scp: 'Directory.Read' });
    expect((await call(t2)).status).to.equal(401);
    const u = await createUser(s.scim, { userName: 'New@Contoso.example' });
    const later = await call(t2);
    expect(later.status).to.equal(200);
    expect(later.body.user.id).to.equal(u.id);
    expect(later.body.isAdmin).to.equal(false);
  });
});
