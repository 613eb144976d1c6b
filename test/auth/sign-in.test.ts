import { expect } from 'chai';
import { setWorkspaceDefaultAccess } from '../../src/services/access-policies.js';
import { createSessionStore } from '../../src/services/sessions.js';
import { createUser, getUser, updateUser } from '../../src/services/users.js';
import { createWorkspace } from '../../src/services/workspaces.js';
import { guid } from '../helpers/factories.js';
import { Browser, provisionGroup, scenario, startHarness, type Harness } from './harness.js';

async function refusal(res: Response): Promise<{ status: number; error: string; message: string }> {
  const body = (await res.json()) as { error: string; message: string };
  return { status: res.status, ...body };
}

describe('sign-in with Microsoft Entra ID (local provider, real HTTP, real database)', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h?.stop();
  });

  it('signs a provisioned user in to the main dashboard: PKCE code flow, regenerated session, linked by UPN', async () => {
    const s = await scenario();
    h.fake.signInAs(s.person);
    const b = new Browser(h.url);

    const start = await b.request(`/auth/${s.tenant.slug}/signin`);
    expect(start.status).to.equal(302);
    const authorize = new URL(start.headers.get('location')!);
    expect(authorize.origin + authorize.pathname).to.equal(
      `${h.fake.url}/${s.entraTenantId}/oauth2/v2.0/authorize`,
    );
    expect(authorize.searchParams.get('code_challenge_method')).to.equal('S256');
    expect(authorize.searchParams.get('redirect_uri')).to.equal(`${h.publicUrl}/auth/callback`);
    expect(authorize.searchParams.get('nonce')).to.have.length.greaterThan(20);
    const pendingCookie = b.cookies.get('directory.sid');
    expect(pendingCookie).to.be.a('string');

    const back = await b.request(authorize.toString());
    const res = await b.request(back.headers.get('location')!);
    expect(res.status).to.equal(302);
    expect(res.headers.get('location')).to.equal(`${h.publicUrl}/`);
    expect(res.headers.get('location')).not.to.match(/code=|token/);
    const setCookie = b.lastSetCookie.find((c) => c.startsWith('directory.sid='))!;
    expect(setCookie)
      .to.match(/HttpOnly/i)
      .and.match(/SameSite=Lax/i)
      .and.match(/Path=\//);
    expect(setCookie).not.to.match(/Secure/i);
    expect(b.cookies.get('directory.sid')).not.to.equal(pendingCookie); // regenerated at sign-in

    const me = await b.session();
    expect(me.status).to.equal(200);
    expect(me.body.via).to.equal('session');
    expect(me.body.user.id).to.equal(s.user.id);
    expect(me.body.isAdmin).to.equal(true);
    expect(me.body.access.mainDashboard).to.include({
      allowed: true,
      reason: 'GRANTED_BY_GROUP',
      groupSource: 'TOKEN',
    });
    // Linked by preferred_username ↔ userName (case-insensitive); the object ID is learned, externalId untouched.
    const linked = await getUser(s.admin, s.user.id);
    expect(linked.entraObjectId).to.equal(s.person.oid);
    expect(linked.externalId).to.equal('ada.lovelace');
    // Stored in the database, with its tenant and expiry.
    const sid = decodeURIComponent(b.cookies.get('directory.sid')!).slice(2).split('.')[0]!;
    const sessions = createSessionStore({ lifetimeMs: 3600_000, sweepIntervalMinutes: 10 });
    const stored = await sessions.read(sid);
    sessions.stop();
    expect(stored?.passport?.user?.tenantId).to.equal(s.tenant.id);
    expect(new Date(stored!.cookie.expires!).getTime()).to.be.greaterThan(Date.now() + 3600_000);
  });

  it('links by object ID once learned, and never takes a userName that carries another object ID', async () => {
    const s = await scenario();
    h.fake.signInAs(s.person);
    expect((await new Browser(h.url).signIn(`/auth/${s.tenant.slug}/signin`)).status).to.equal(302);
    // Renamed in Entra and re-provisioned: still the same person by object ID.
    await updateUser(s.scim, s.user.id, { userName: 'ada.king@contoso.example' });
    h.fake.signInAs({ ...s.person, preferred_username: 'ada.king@contoso.example' });
    const b = new Browser(h.url);
    expect((await b.signIn(`/auth/${s.tenant.slug}/signin`)).status).to.equal(302);
    expect((await b.session()).body.user.id).to.equal(s.user.id);

    // Someone else who now holds a UPN the directory user had: not linked to that user.
    await createUser(s.scim, { userName: 'grace@contoso.example', entraObjectId: guid() });
    h.fake.signInAs({ ...s.person, oid: guid(), preferred_username: 'Grace@contoso.example' });
    const other = await refusal(await new Browser(h.url).signIn(`/auth/${s.tenant.slug}/signin`));
    expect(other).to.include({ status: 403, error: 'NOT_PROVISIONED' });
  });

  it('signs in to a workspace: its override (multi-tenant configuration), else the workspace defaults', async () => {
    const s = await scenario({ multiTenant: true });
    const wsGroup = guid();
    const ws = await createWorkspace(s.admin, {
      name: 'Research',
      access: { ssoEnabled: true, ssoConfigurationId: s.sso.id, allowedGroupIds: [wsGroup] },
    });
    h.fake.signInAs({ ...s.person, groups: [wsGroup] });
    const b = new Browser(h.url);
    const start = await b.request(`/auth/${s.tenant.slug}/workspaces/${ws.id}/signin`);
    expect(new URL(start.headers.get('location')!).pathname).to.equal('/organizations/oauth2/v2.0/authorize');
    const back = await b.request(start.headers.get('location')!);
    const res = await b.request(back.headers.get('location')!);
    expect(res.status).to.equal(302);
    expect(res.headers.get('location')).to.equal(`${h.publicUrl}/workspaces/${ws.id}`);
    const me = await b.session();
    expect(me.body.access.workspace).to.include({ id: ws.id, allowed: true, reason: 'GRANTED_BY_GROUP' });
    expect(me.body.access.mainDashboard).to.include({ allowed: false, reason: 'NO_MATCHING_GROUP' });
    expect(me.body.isAdmin).to.equal(false);

    // A workspace without an override follows the defaults: SSO off → refused before any redirect to Entra.
    const plain = await createWorkspace(s.admin, { name: 'Plain' });
    const off = await new Browser(h.url).request(`/auth/${s.tenant.slug}/signin?workspace=${plain.id}`);
    expect(await refusal(off)).to.include({ status: 403, error: 'SSO_NOT_ENABLED' });
    await setWorkspaceDefaultAccess(s.admin, {
      ssoEnabled: true,
      ssoConfigurationId: s.sso.id,
      allowedGroupIds: [],
    });
    h.fake.signInAs({ ...s.person, groups: [] });
    const viaDefaults = await new Browser(h.url).signIn(
      `/auth/${s.tenant.slug}/signin?workspace=${plain.id}`,
    );
    expect(viaDefaults.headers.get('location')).to.equal(`${h.publicUrl}/workspaces/${plain.id}`);
  });

  it('refuses a user in none of the allowed groups (JSON for clients, a page for browsers), with no session', async () => {
    const s = await scenario();
    h.fake.signInAs({ ...s.person, groups: [guid()] });
    const b = new Browser(h.url);
    const res = await b.signIn(`/auth/${s.tenant.slug}/signin`);
    expect(await refusal(res)).to.include({ status: 403, error: 'NO_MATCHING_GROUP' });
    expect((await b.session()).status).to.equal(401);

    h.fake.signInAs({ ...s.person, groups: [] });
    const start = await b.request(`/auth/${s.tenant.slug}/signin`);
    const back = await b.request(start.headers.get('location')!);
    const page = await b.request(back.headers.get('location')!, { headers: { accept: 'text/html' } });
    expect(page.status).to.equal(403);
    expect(page.headers.get('content-type')).to.match(/text\/html/);
    expect(await page.text())
      .to.match(/Access refused/)
      .and.match(/NO_MATCHING_GROUP/);
  });

  it('accepts only the allowed Entra tenants: multi-tenant list, single-tenant own tenant, issuer of the token', async () => {
    const multi = await scenario({ multiTenant: true });
    h.fake.signInAs({ ...multi.person, tid: guid() });
    const r1 = await new Browser(h.url).signIn(`/auth/${multi.tenant.slug}/signin`);
    expect(await refusal(r1)).to.include({ status: 403, error: 'ENTRA_TENANT_NOT_ALLOWED' });

    const single = await scenario();
    h.fake.signInAs({ ...single.person, tid: guid() });
    const r2 = await new Browser(h.url).signIn(`/auth/${single.tenant.slug}/signin`);
    expect(await refusal(r2)).to.include({ status: 403, error: 'ENTRA_TENANT_NOT_ALLOWED' });

    // Right tid, but issued by another tenant: the signature/issuer check refuses it.
    h.fake.signInAs({
      ...single.person,
      idTokenClaims: { iss: `https://login.microsoftonline.com/${guid()}/v2.0` },
    });
    const r3 = await new Browser(h.url).signIn(`/auth/${single.tenant.slug}/signin`);
    expect(await refusal(r3)).to.include({ status: 401, error: 'INVALID_ID_TOKEN' });
  });

  it('refuses a forged or replayed state, a nonce mismatch, and ID tokens that are foreign, expired or unsigned by Entra', async () => {
    const s = await scenario();
    const path = `/auth/${s.tenant.slug}/signin`;

    h.fake.signInAs(s.person);
    const forged = await new Browser(h.url).signIn(path, { tamperState: true });
    expect(await refusal(forged)).to.include({ status: 401, error: 'STATE_MISMATCH' });

    h.fake.signInAs(s.person);
    const b = new Browser(h.url);
    const start = await b.request(path);
    const callback = (await b.request(start.headers.get('location')!)).headers.get('location')!;
    const other = new Browser(h.url); // a callback in another browser: its session never started this sign-in
    expect(await refusal(await other.request(callback))).to.include({ status: 401, error: 'STATE_MISMATCH' });
    expect((await b.request(callback)).status).to.equal(302);
    const replay = await new Browser(h.url).request(callback);
    expect(await refusal(replay)).to.include({ status: 401, error: 'STATE_MISMATCH' });

    h.fake.signInAs({ ...s.person, idTokenClaims: { nonce: 'not-the-nonce-we-sent' } });
    expect(await refusal(await new Browser(h.url).signIn(path))).to.include({
      status: 401,
      error: 'NONCE_MISMATCH',
    });

    const now = Math.floor(Date.now() / 1000);
    for (const bad of [
      { foreignKey: true },
      { idTokenClaims: { aud: guid() } },
      { idTokenClaims: { exp: now - 3600, iat: now - 7200, nbf: now - 7200 } },
    ]) {
      h.fake.signInAs({ ...s.person, ...bad });
      const r = await new Browser(h.url).signIn(path);
      expect(await refusal(r), JSON.stringify(bad)).to.include({ status: 401, error: 'INVALID_ID_TOKEN' });
    }

    h.fake.signInAs({ ...s.person, authorizeError: 'access_denied' });
    expect(await refusal(await new Browser(h.url).signIn(path))).to.include({
      status: 401,
      error: 'ENTRA_ERROR',
    });
  });

  it('falls back to SCIM-provisioned memberships when the token carries the overage marker or no groups claim', async () => {
    const s = await scenario();
    await provisionGroup(s, s.allowedGroup, [s.user.id]);
    h.fake.signInAs({ ...s.person, groups: undefined, overage: true });
    const b = new Browser(h.url);
    expect((await b.signIn(`/auth/${s.tenant.slug}/signin`)).status).to.equal(302);
    expect((await b.session()).body.access.mainDashboard).to.include({
      allowed: true,
      groupSource: 'DIRECTORY',
    });

    // Someone with the overage marker who is not a member of the allowed group in the directory.
    const bob = await createUser(s.scim, { userName: 'bob@contoso.example' });
    await provisionGroup(s, guid(), [bob.id]);
    h.fake.signInAs({
      oid: guid(),
      tid: s.entraTenantId,
      preferred_username: 'bob@contoso.example',
      overage: true,
    });
    expect(await refusal(await new Browser(h.url).signIn(`/auth/${s.tenant.slug}/signin`))).to.include({
      status: 403,
      error: 'NO_MATCHING_GROUP',
    });

    // No groups claim at all (not configured in the app registration): the same fallback.
    h.fake.signInAs({ ...s.person, groups: undefined });
    expect((await new Browser(h.url).signIn(`/auth/${s.tenant.slug}/signin`)).status).to.equal(302);
  });
});
