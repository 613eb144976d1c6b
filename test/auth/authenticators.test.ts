import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import express from 'express';
import { createAuthMount } from '../../src/auth/mount.js';
import { isDomainError } from '../../src/domain/errors.js';
import { createLogger } from '../../src/log.js';
import { issueToken } from '../../src/services/credentials.js';
import { ctxFor } from '../helpers/factories.js';
import { apiAudience, Browser, scenario, startHarness, type Harness } from './harness.js';

/**
 * The authenticators createAuthMount hands the API, in the order the GraphQL mount tries them, on a bare Express
 * app: they must work without any session middleware in front of the route.
 */
describe('authenticators for the API (real HTTP, real database)', () => {
  let h: Harness;
  let server: http.Server;
  let url = '';
  let stopMount: (() => Promise<void>) | undefined;

  before(async () => {
    h = await startHarness();
    const { mount, authenticators } = await createAuthMount({
      config: h.config,
      logger: createLogger('silent'),
      publicUrl: () => url,
    });
    stopMount = mount.stop;
    expect(authenticators).to.have.length(3);
    const app = express();
    app.use(mount.path, mount.handler);
    app.get('/probe', async (req, res) => {
      try {
        for (const authenticate of authenticators) {
          const p = await authenticate(req);
          if (p)
            return void res.json({ kind: p.kind, tenantId: p.tenantId, actor: p.actor, userId: p.user?.id });
        }
        res.status(401).json({ error: 'none' });
      } catch (err) {
        res
          .status(isDomainError(err) ? 401 : 500)
          .json({ error: isDomainError(err) ? err.code : 'INTERNAL' });
      }
    });
    server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await stopMount?.();
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await h?.stop();
  });

  it('admin token, then session cookie, then Entra access token; a bad bearer token is refused', async () => {
    const s = await scenario();
    h.fake.signInAs(s.person);
    const b = new Browser(url);
    expect((await b.signIn(`/auth/${s.tenant.slug}/signin`)).status).to.equal(302);

    const viaSession = (await (await b.request('/probe')).json()) as Record<string, unknown>;
    expect(viaSession).to.deep.include({ kind: 'session', tenantId: s.tenant.id, userId: s.user.id });
    expect(viaSession.actor).to.deep.include({ type: 'user', userId: s.user.id, isAdmin: true });

    const token = await h.fake.mintAccessToken({ ...s.person, aud: apiAudience, scp: 'Directory.Read' });
    const bearer = (await (
      await b.request('/probe', { headers: { authorization: `Bearer ${token}` } })
    ).json()) as Record<string, unknown>;
    expect(bearer).to.deep.include({ kind: 'access-token', userId: s.user.id }); // the header wins over the cookie

    const { token: adminToken } = await issueToken(ctxFor(s.tenant, 'cli'), 'admin');
    const admin = (await (
      await b.request('/probe', { headers: { authorization: `Bearer ${adminToken}` } })
    ).json()) as Record<string, unknown>;
    expect(admin).to.deep.include({ kind: 'admin-token', tenantId: s.tenant.id });

    const forged = await h.fake.mintAccessToken({
      ...s.person,
      aud: apiAudience,
      scp: 'Directory.Read',
      foreignKey: true,
    });
    const refused = await b.request('/probe', { headers: { authorization: `Bearer ${forged}` } });
    expect(refused.status).to.equal(401);
    expect(((await refused.json()) as { error: string }).error).to.equal('UNAUTHENTICATED');

    expect((await new Browser(url).request('/probe')).status).to.equal(401);
  });
});
