import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { issueToken } from '../../src/services/credentials.js';
import { setScimEnabled } from '../../src/services/tenants.js';
import { ctxFor } from '../helpers/factories.js';
import { errorSchema, listSchema, ScimClient, scimTenant, startServer, type TestServer } from './helpers.js';

/** The tenant URL, the Secret Token, "Enable user synchronization", Test Connection and the per-tenant rate limit. */
describe('SCIM authentication, tenants and rate limit', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server.close();
  });

  function expectUnauthorized(res: { status: number; headers: Headers; body: Record<string, unknown> }) {
    expect(res.status).to.equal(401);
    expect(res.headers.get('www-authenticate')).to.match(/^Bearer/);
    expect(res.body.schemas).to.deep.equal([errorSchema]);
    expect(res.body.status).to.equal('401');
    expect(res.body).to.not.have.any.keys('Resources', 'id', 'totalResults');
  }

  it('answers 401 with no data to anything but the Secret Token of that tenant', async () => {
    const a = await scimTenant(server);
    const b = await scimTenant(server);
    await a.client.post('/Users', { userName: 'secret@a.example' });
    const admin = new ScimClient(a.tenantUrl, a.adminToken);
    const attempts = [
      a.client.get('/Users', { anonymous: true }),
      a.client.get('/Users', { headers: { authorization: 'Bearer' } }),
      a.client.get('/Users', { headers: { authorization: `Bearer ${a.client.token}x` } }),
      a.client.get('/Users', {
        headers: { authorization: `Basic ${Buffer.from(`x:${a.client.token}`).toString('base64')}` },
      }),
      a.client.get('/Users', { headers: { authorization: a.client.token } }),
      new ScimClient(a.tenantUrl, b.client.token).get('/Users'),
      new ScimClient(b.tenantUrl, a.client.token).get('/Users'),
      new ScimClient(`${server.baseUrl}/scim/v2/tenants/no-such-tenant`, a.client.token).get('/Users'),
      admin.get('/Users'),
      a.client.get('/ServiceProviderConfig', { anonymous: true }),
      a.client.get('/Schemas', { anonymous: true }),
      a.client.post('/Users', { userName: 'x' }, { anonymous: true }),
    ];
    for (const res of await Promise.all(attempts)) expectUnauthorized(res);
    expect(
      (await a.client.get('/Users', { headers: { authorization: `bearer   ${a.client.token}` } })).status,
    ).to.equal(200);
  });

  it('keeps tenants apart: another tenant’s ids are 404 and its users never match a filter', async () => {
    const a = await scimTenant(server);
    const b = await scimTenant(server);
    const u = (await a.client.post('/Users', { userName: 'shared@example.com' })).body;
    const g = (await a.client.post('/Groups', { displayName: 'Shared' })).body;
    expect((await b.client.get(`/Users/${u.id}`)).status).to.equal(404);
    expect((await b.client.get(`/Groups/${g.id}`)).status).to.equal(404);
    expect((await b.client.patch(`/Users/${u.id}`, { Operations: [] })).status).to.equal(404);
    expect((await b.client.delete(`/Users/${u.id}`)).status).to.equal(404);
    expect((await b.client.users('userName eq "shared@example.com"')).body.totalResults).to.equal(0);
    expect((await b.client.users()).body.totalResults).to.equal(0);
    const bGroup = (await b.client.post('/Groups', { displayName: 'Shared' })).body;
    expect(bGroup.id).to.be.a('string');
    const cross = await b.client.patch(`/Groups/${bGroup.id}`, {
      Operations: [{ op: 'Add', path: 'members', value: [{ value: u.id }] }],
    });
    expect(cross.status).to.equal(400);
    expect((await a.client.get(`/Users/${u.id}`)).status).to.equal(200);
  });

  it('answers 403 with a SCIM error while user synchronization is disabled, and serves again once enabled', async () => {
    const { tenant, client } = await scimTenant(server);
    await setScimEnabled(ctxFor(tenant, 'cli'), false);
    const res = await client.users('userName eq "x"');
    expect(res.status).to.equal(403);
    expect(res.body.schemas).to.deep.equal([errorSchema]);
    expect(res.body.status).to.equal('403');
    expect(res.body.detail).to.match(/synchroni[sz]ation.*disabled/i);
    const wrong = await client.get('/Users', {
      headers: { authorization: 'Bearer wrong-token-wrong-token' },
    });
    expect(wrong.status).to.equal(401);
    await setScimEnabled(ctxFor(tenant, 'cli'), true);
    expect((await client.users('userName eq "x"')).status).to.equal(200);
  });

  it('passes Entra’s Test Connection: a random GUID filter on users and groups is 200 with an empty list', async () => {
    const { client } = await scimTenant(server);
    for (const res of await Promise.all([
      client.users(`userName eq "${randomUUID()}"`),
      client.users(`externalId eq "${randomUUID()}"`),
      client.users(`id eq "${randomUUID()}"`),
      client.groups(`displayName eq "${randomUUID()}"`, '&excludedAttributes=members'),
      client.groups(`externalId eq "${randomUUID()}"`, '&excludedAttributes=members'),
      client.groups(`id eq "${randomUUID()}"`, '&excludedAttributes=members'),
    ])) {
      expect(res.status).to.equal(200);
      expect(res.body).to.deep.equal({
        schemas: [listSchema],
        totalResults: 0,
        startIndex: 1,
        itemsPerPage: 0,
        Resources: [],
      });
    }
  });

  it('accepts a second token (rotation) and stops one revoked with a zero grace period', async () => {
    const { tenant, client, tenantUrl } = await scimTenant(server);
    const next = await issueToken(ctxFor(tenant, 'cli'), 'scim');
    const rotated = new ScimClient(tenantUrl, next.token);
    expect((await rotated.users()).status).to.equal(200);
    expect((await client.users()).status).to.equal(200);
    const only = await issueToken(ctxFor(tenant, 'cli'), 'scim', { previousTokensGraceSeconds: 0 });
    expect((await client.users()).status).to.equal(401);
    expect((await new ScimClient(tenantUrl, only.token).users()).status).to.equal(200);
  });

  it('allows bursts far above Entra’s 25 requests/second by default', async () => {
    const { client } = await scimTenant(server);
    const results = await Promise.all(
      Array.from({ length: 60 }, () => client.users(`userName eq "${randomUUID()}"`)),
    );
    expect(results.map((r) => r.status)).to.deep.equal(results.map(() => 200));
  });

  it('limits each tenant separately: 429 with Retry-After past the rate', async () => {
    const limited = await startServer({ SCIM_RATE_LIMIT_PER_SECOND: '2' });
    try {
      const a = await scimTenant(limited);
      const b = await scimTenant(limited);
      const statuses: number[] = [];
      let retryAfter: string | null = null;
      let body: Record<string, unknown> = {};
      for (let i = 0; i < 6; i++) {
        const res = await a.client.users();
        statuses.push(res.status);
        if (res.status === 429) {
          retryAfter = res.headers.get('retry-after');
          body = res.body;
        }
      }
      expect(statuses.slice(0, 4)).to.deep.equal([200, 200, 200, 200]);
      expect(statuses).to.include(429);
      expect(Number(retryAfter)).to.be.at.least(1);
      expect(body).to.include({ status: '429' });
      expect(body.schemas).to.deep.equal([errorSchema]);
      expect((await b.client.users()).status).to.equal(200);
    } finally {
      await limited.close();
    }
  });
});
