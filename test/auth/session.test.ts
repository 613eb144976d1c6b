import { expect } from 'chai';
import session from 'express-session';
import { createSessionStore, type SessionStore } from '../../src/services/sessions.js';
import { updateSsoConfiguration } from '../../src/services/sso.js';
import { deleteUser, updateUser } from '../../src/services/users.js';
import { guid } from '../helpers/factories.js';
import { Browser, scenario, startHarness, type Harness } from './harness.js';

function sessionId(b: Browser, name = 'directory.sid'): string {
  return decodeURIComponent(b.cookies.get(name)!).slice(2).split('.')[0]!;
}

describe('sign-in sessions (real HTTP, real database)', () => {
  let h: Harness;
  let sessions: SessionStore;
  before(async () => {
    h = await startHarness();
    sessions = createSessionStore({ lifetimeMs: 3600_000, sweepIntervalMinutes: 10 });
  });
  after(async () => {
    sessions?.stop();
    await h?.stop();
  });
  const loadSession = (sid: string) => sessions.read(sid);

  async function signedIn() {
    const s = await scenario();
    h.fake.signInAs(s.person);
    const b = new Browser(h.url);
    expect((await b.signIn(`/auth/${s.tenant.slug}/signin`)).status).to.equal(302);
    expect((await b.session()).status).to.equal(200);
    return { s, b };
  }

  it('refuses a user deactivated by SCIM on the very next request, and ends the session for good', async () => {
    const { s, b } = await signedIn();
    const sid = sessionId(b);
    await updateUser(s.scim, s.user.id, { active: false });
    const next = await b.session();
    expect(next.status).to.equal(401);
    expect(next.body.error).to.equal('UNAUTHENTICATED');
    expect(await loadSession(sid)).to.equal(undefined);
    await updateUser(s.scim, s.user.id, { active: true });
    expect((await b.session()).status).to.equal(401);
  });

  it('refuses a session whose user SCIM deleted, or whose Entra tenant the configuration no longer accepts', async () => {
    const first = await signedIn();
    await deleteUser(first.s.scim, first.s.user.id);
    expect((await first.b.session()).status).to.equal(401);

    const second = await signedIn();
    await updateSsoConfiguration(second.s.admin, second.s.sso.id, { entraTenantId: guid() });
    expect((await second.b.session()).status).to.equal(401);
  });

  it('signs out: the session is deleted, the cookie cleared, and a replayed cookie is worthless', async () => {
    const { b } = await signedIn();
    const sid = sessionId(b);
    const cookie = b.cookies.get('directory.sid')!;
    const res = await b.request('/auth/signout', { method: 'POST' });
    expect(res.status).to.equal(200);
    const body = (await res.json()) as { signedOut: boolean; entraSignOutUrl: string };
    expect(body.signedOut).to.equal(true);
    expect(body.entraSignOutUrl).to.match(
      /^https:\/\/login\.microsoftonline\.com\/[0-9a-f-]{36}\/oauth2\/v2\.0\/logout\?/,
    );
    expect(b.cookies.has('directory.sid')).to.equal(false);
    expect(await loadSession(sid)).to.equal(undefined);
    const replay = await b.request('/auth/session', { headers: { cookie: `directory.sid=${cookie}` } });
    expect(replay.status).to.equal(401);
  });

  it('ignores cookies that are not signed with the session secret', async () => {
    const { b } = await signedIn();
    const sid = sessionId(b);
    const forged = await b.request('/auth/session', {
      headers: { cookie: `directory.sid=${encodeURIComponent(`s:${sid}.AAAA`)}` },
    });
    expect(forged.status).to.equal(401);
  });

  it('treats expired sessions as absent and sweeps them (no TTL index), leaving the connection sound', async () => {
    const live = guid();
    const expired = guid();
    const put = (sid: string, expires: Date) =>
      new Promise<void>((resolve, reject) =>
        sessions.store.set(sid, { cookie: Object.assign(new session.Cookie(), { expires }) }, (err) =>
          err ? reject(err) : resolve(),
        ),
      );
    await put(live, new Date(Date.now() + 60_000));
    await put(expired, new Date(Date.now() - 1000));
    expect(await sessions.read(expired)).to.equal(undefined);
    expect(await sessions.read(live)).to.not.equal(undefined);
    const collection = await sessions.store.collectionP;
    expect(await collection.countDocuments({ _id: expired })).to.equal(1); // hidden, not yet gone
    expect(await sessions.sweep()).to.be.greaterThanOrEqual(1);
    expect(await collection.countDocuments({ _id: expired })).to.equal(0); // gone
    // every pooled connection still answers its own commands (an unacknowledged delete would break one)
    for (let i = 0; i < 20; i++) expect(await sessions.read(live)).to.not.equal(undefined);
  });

  it('uses a Secure __Host- cookie when the public URL is https (behind a TLS-terminating proxy)', async () => {
    const secure = await startHarness({ publicUrl: 'https://directory.example' });
    try {
      const s = await scenario();
      const b = new Browser(secure.url);
      const res = await b.request(`/auth/${s.tenant.slug}/signin`, {
        headers: { 'x-forwarded-proto': 'https' },
      });
      expect(res.status).to.equal(302);
      expect(new URL(res.headers.get('location')!).searchParams.get('redirect_uri')).to.equal(
        'https://directory.example/auth/callback',
      );
      const setCookie = b.lastSetCookie.find((c) => c.startsWith('__Host-directory.sid='));
      expect(setCookie)
        .to.match(/; Secure/i)
        .and.match(/HttpOnly/i)
        .and.match(/SameSite=Lax/i)
        .and.match(/Path=\//);
      expect(setCookie).not.to.match(/Domain=/i);
    } finally {
      await secure.stop();
    }
  });
});
