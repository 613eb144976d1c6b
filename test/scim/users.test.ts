import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { parseConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { listen } from '../../src/server.js';
import {
  ScimClient,
  coreUser,
  enterpriseUser,
  errorSchema,
  listSchema,
  patchOp,
  scimTenant,
  startServer,
  type TestServer,
} from './helpers.js';

/** /Users over real HTTP against the real database, with the requests of Microsoft's Entra SCIM tutorial. */
describe('SCIM /Users', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server.close();
  });

  /** Entra's "Create User" request, verbatim from the tutorial (values made unique). */
  const entraCreate = (userName: string) => ({
    schemas: [
      'urn:ietf:params:scim:schemas:core:2.0:User',
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
    ],
    externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',
    userName,
    active: true,
    emails: [{ primary: true, type: 'work', value: `${userName}@testuser.com` }],
    meta: { resourceType: 'User' },
    name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
    roles: [],
  });

  async function create(client: ScimClient, userName = `Test_User_${randomUUID()}`, extra: object = {}) {
    const res = await client.post('/Users', { ...entraCreate(userName), ...extra });
    expect(res.status, res.text).to.equal(201);
    return res.body as { id: string; userName: string; meta: { location: string } };
  }

  it('creates a user: 201, Location, application/scim+json, only what is stored', async () => {
    const { client, tenantUrl } = await scimTenant(server);
    const userName = `Test_User_${randomUUID()}`;
    const res = await client.post('/Users', entraCreate(userName));
    expect(res.status).to.equal(201);
    expect(res.headers.get('content-type')).to.equal('application/scim+json; charset=utf-8');
    const u = res.body;
    expect(res.headers.get('location')).to.equal(`${tenantUrl}/Users/${u.id}`);
    expect(u.id).to.match(/^[0-9a-f-]{36}$/);
    expect(u).to.deep.equal({
      schemas: [coreUser],
      id: u.id,
      externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',
      userName,
      name: { formatted: 'givenName familyName', givenName: 'givenName', familyName: 'familyName' },
      active: true,
      emails: [{ value: `${userName}@testuser.com`, type: 'work', primary: true }],
      meta: {
        resourceType: 'User',
        created: u.meta.created,
        lastModified: u.meta.created,
        location: `${tenantUrl}/Users/${u.id}`,
        version: 'W/"1"',
      },
    });
    expect(new Date(u.meta.created).toISOString()).to.equal(u.meta.created);
  });

  it('accepts application/json and application/scim+json, with or without a charset', async () => {
    const { client } = await scimTenant(server);
    for (const type of [
      'application/json',
      'application/json; charset=utf-8',
      'application/scim+json',
      'application/scim+json; charset=UTF-8',
    ]) {
      const res = await client.post(
        '/Users',
        { userName: `u-${randomUUID()}` },
        { headers: { 'content-type': type } },
      );
      expect(res.status, type).to.equal(201);
    }
  });

  it('gets a user by id, and answers 404 for unknown ids of any shape', async () => {
    const { client } = await scimTenant(server);
    const u = await create(client);
    const res = await client.get(`/Users/${u.id}`);
    expect(res.status).to.equal(200);
    expect(res.body.id).to.equal(u.id);
    for (const id of [
      randomUUID(),
      'not-a-uuid',
      '0',
      '%20',
      'a'.repeat(2000),
      '..%2F..%2Fetc%2Fpasswd',
      '%E0%A4%A',
      "'%20or%201=1",
      '%7B%22%24gt%22%3A%22%22%7D',
      u.id.toUpperCase(),
    ]) {
      const miss = await client.get(`/Users/${id}`);
      expect(miss.status, id).to.equal(404);
      expect(miss.body.schemas).to.deep.equal([errorSchema]);
      expect(miss.body.status).to.equal('404');
    }
  });

  it('queries by userName case-insensitively and by externalId exactly; zero results is an empty list', async () => {
    const { client } = await scimTenant(server);
    const u = await create(client, `Ada.Lovelace-${randomUUID()}@Contoso.com`, { externalId: 'AdaL' });
    const byName = await client.users(`userName eq "${u.userName.toUpperCase()}"`);
    expect(byName.status).to.equal(200);
    expect(byName.body).to.include({ totalResults: 1, startIndex: 1, itemsPerPage: 1 });
    expect(byName.body.schemas).to.deep.equal([listSchema]);
    expect(byName.body.Resources[0].id).to.equal(u.id);
    expect((await client.users('externalId eq "AdaL"')).body.totalResults).to.equal(1);
    expect((await client.users('externalId eq "adal"')).body.totalResults).to.equal(0);
    const none = await client.users('userName eq "non-existent user"');
    expect(none.status).to.equal(200);
    expect(none.body).to.deep.equal({
      schemas: [listSchema],
      totalResults: 0,
      startIndex: 1,
      itemsPerPage: 0,
      Resources: [],
    });
  });

  it('evaluates the filter grammar in the database: operators, logic, value paths, extension and meta', async () => {
    const { client } = await scimTenant(server);
    const mk = (userName: string, extra: object) => client.post('/Users', { userName, ...extra });
    await mk('alice@contoso.com', {
      name: { givenName: 'Alice', familyName: 'Smith' },
      emails: [
        { value: 'alice@contoso.com', type: 'work', primary: true },
        { value: 'alice@home.example', type: 'home' },
      ],
      phoneNumbers: [{ value: '+1 555 0100', type: 'mobile' }],
      [enterpriseUser]: { department: 'Research' },
    });
    await mk('bob@fabrikam.com', {
      active: false,
      displayName: 'Bob',
      emails: [{ value: 'alice@contoso.com', type: 'home' }],
      [enterpriseUser]: { department: 'Sales' },
    });
    await mk('carol@contoso.com', { name: { givenName: 'Carol' } });
    const names = async (filter: string) => {
      const res = await client.users(filter);
      expect(res.status, `${filter}: ${res.text}`).to.equal(200);
      return (res.body.Resources as { userName: string }[]).map((r) => r.userName).sort();
    };
    expect(await names('userName co "contoso"')).to.deep.equal(['alice@contoso.com', 'carol@contoso.com']);
    expect(await names('userName sw "BOB"')).to.deep.equal(['bob@fabrikam.com']);
    expect(await names('userName ew ".com" and not (userName sw "a")')).to.deep.equal([
      'bob@fabrikam.com',
      'carol@contoso.com',
    ]);
    expect(await names('userName ne "alice@contoso.com"')).to.deep.equal([
      'bob@fabrikam.com',
      'carol@contoso.com',
    ]);
    expect(await names('userName gt "b" and userName lt "c"')).to.deep.equal(['bob@fabrikam.com']);
    expect(await names('userName ge "bob@fabrikam.com"')).to.deep.equal([
      'bob@fabrikam.com',
      'carol@contoso.com',
    ]);
    expect(await names('userName le "alice@contoso.com"')).to.deep.equal(['alice@contoso.com']);
    expect(await names('displayName pr')).to.deep.equal(['bob@fabrikam.com']);
    expect(await names('active eq false')).to.deep.equal(['bob@fabrikam.com']);
    expect(await names('name.givenName eq "alice" or name.givenName eq "CAROL"')).to.deep.equal([
      'alice@contoso.com',
      'carol@contoso.com',
    ]);
    // The same entry must match both conditions: bob's alice@contoso.com is a home address.
    expect(await names('emails[type eq "work"].value eq "ALICE@contoso.com"')).to.deep.equal([
      'alice@contoso.com',
    ]);
    expect(await names('emails[type eq "work" and value eq "alice@home.example"]')).to.deep.equal([]);
    expect(await names('emails[type eq "home"]')).to.deep.equal(['alice@contoso.com', 'bob@fabrikam.com']);
    expect(await names('emails.value eq "alice@contoso.com"')).to.deep.equal([
      'alice@contoso.com',
      'bob@fabrikam.com',
    ]);
    expect(await names('emails[primary eq true] and active eq true')).to.deep.equal(['alice@contoso.com']);
    expect(await names('phoneNumbers[type eq "mobile"].value eq "+1 555 0100"')).to.deep.equal([
      'alice@contoso.com',
    ]);
    expect(await names('emails pr')).to.deep.equal(['alice@contoso.com', 'bob@fabrikam.com']);
    expect(
      await names('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "sales"'),
    ).to.deep.equal(['bob@fabrikam.com']);
    expect(await names('meta.created gt "2000-01-01T00:00:00Z"')).to.have.length(3);
    expect(await names('meta.lastModified lt "2000-01-01T00:00:00Z"')).to.deep.equal([]);
  });

  it('pages with startIndex and count, capping count at the advertised maximum', async () => {
    const small = await startServer({ SCIM_MAX_PAGE_SIZE: '3' });
    try {
      const { client } = await scimTenant(small);
      for (let i = 0; i < 5; i++) await client.post('/Users', { userName: `user${i}@x.com` });
      const page = async (q: string) => (await client.get(`/Users?${q}`)).body;
      const all = await page('count=100');
      expect(all).to.include({ totalResults: 5, startIndex: 1, itemsPerPage: 3 });
      const rest = await page('startIndex=4&count=3');
      expect(rest).to.include({ totalResults: 5, startIndex: 4, itemsPerPage: 2 });
      const ids = [...all.Resources, ...rest.Resources].map((r: { id: string }) => r.id);
      expect(new Set(ids).size).to.equal(5);
      expect(await page('startIndex=0&count=1')).to.include({
        startIndex: 1,
        itemsPerPage: 1,
        totalResults: 5,
      });
      expect(await page('startIndex=-5')).to.include({ startIndex: 1, itemsPerPage: 3 });
      expect(await page('count=0')).to.include({ totalResults: 5, itemsPerPage: 0 });
      expect(await page('count=-1')).to.include({ totalResults: 5, itemsPerPage: 0 });
      expect(await page('startIndex=99')).to.include({ totalResults: 5, itemsPerPage: 0, startIndex: 99 });
      expect(await page('count=99999999999999999999')).to.include({ itemsPerPage: 3 });
      const bad = await client.get('/Users?count=ten');
      expect(bad.status).to.equal(400);
      expect(bad.body.scimType).to.equal('invalidValue');
      const sp = await client.get('/ServiceProviderConfig');
      expect(sp.body.filter).to.deep.equal({ supported: true, maxResults: 3 });
    } finally {
      await small.close();
    }
  });

  it('keeps deactivated users readable by id and by filter until deleted', async () => {
    const { client } = await scimTenant(server);
    const u = await create(client);
    const off = await client.patch(
      `/Users/${u.id}`,
      patchOp({ op: 'Replace', path: 'active', value: false }),
    );
    expect(off.status).to.equal(200);
    expect(off.body.active).to.equal(false);
    expect((await client.get(`/Users/${u.id}`)).body.active).to.equal(false);
    const found = await client.users(`userName eq "${u.userName}"`);
    expect(found.body.totalResults).to.equal(1);
    expect(found.body.Resources[0].active).to.equal(false);
    const on = await client.patch(`/Users/${u.id}`, patchOp({ op: 'Replace', path: 'active', value: true }));
    expect(on.body.active).to.equal(true);
    expect((await client.delete(`/Users/${u.id}`)).status).to.equal(204);
    expect((await client.get(`/Users/${u.id}`)).status).to.equal(404);
    expect((await client.users(`userName eq "${u.userName}"`)).body.totalResults).to.equal(0);
    expect((await client.delete(`/Users/${u.id}`)).status).to.equal(404);
  });

  it('updates with the PATCH requests of the Entra tutorial and answers 200 with the user', async () => {
    const { client } = await scimTenant(server);
    const u = await create(client);
    const multi = await client.patch(
      `/Users/${u.id}`,
      patchOp(
        { op: 'Replace', path: 'emails[type eq "work"].value', value: 'updatedEmail@microsoft.com' },
        { op: 'Replace', path: 'name.familyName', value: 'updatedFamilyName' },
      ),
    );
    expect(multi.status).to.equal(200);
    expect(multi.body.emails).to.deep.equal([
      { value: 'updatedEmail@microsoft.com', type: 'work', primary: true },
    ]);
    expect(multi.body.name).to.deep.equal({
      formatted: 'givenName familyName',
      givenName: 'givenName',
      familyName: 'updatedFamilyName',
    });
    expect(multi.body.meta.version).to.equal('W/"2"');
    const single = await client.patch(
      `/Users/${u.id}`,
      patchOp({
        op: 'Replace',
        path: 'userName',
        value: '5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com',
      }),
    );
    expect(single.status).to.equal(200);
    expect(single.body.userName).to.equal('5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com');
    const again = await client.get(`/Users/${u.id}`);
    expect(again.body.userName).to.equal('5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com');
    expect(again.body.emails[0].value).to.equal('updatedEmail@microsoft.com');
  });

  it('replaces a user with PUT: unspecified attributes are cleared, id and created are kept', async () => {
    const { client } = await scimTenant(server);
    const u = await create(client);
    const res = await client.put(`/Users/${u.id}`, {
      schemas: [coreUser],
      id: 'ignored',
      userName: u.userName,
      displayName: 'Replaced',
      meta: { created: '1999-01-01T00:00:00Z' },
    });
    expect(res.status).to.equal(200);
    expect(res.body).to.include({ id: u.id, userName: u.userName, displayName: 'Replaced', active: true });
    expect(res.body).to.not.have.any.keys('emails', 'name', 'externalId');
    expect(res.body.meta.created).to.not.equal('1999-01-01T00:00:00Z');
    const missing = await client.put(`/Users/${u.id}`, { displayName: 'No userName' });
    expect(missing.status).to.equal(400);
    expect(missing.body.scimType).to.equal('invalidValue');
    expect((await client.put(`/Users/${randomUUID()}`, { userName: 'x' })).status).to.equal(404);
  });

  it('keeps userName unique per tenant, case-insensitively: 409 uniqueness', async () => {
    const { client } = await scimTenant(server);
    const u = await create(client, `Unique-${randomUUID()}@x.com`);
    const dup = await client.post('/Users', { userName: u.userName.toLowerCase() });
    expect(dup.status).to.equal(409);
    expect(dup.body).to.include({ status: '409', scimType: 'uniqueness' });
    const other = await create(client);
    const rename = await client.patch(
      `/Users/${other.id}`,
      patchOp({ op: 'replace', path: 'userName', value: u.userName.toUpperCase() }),
    );
    expect(rename.status).to.equal(409);
    expect(rename.body.scimType).to.equal('uniqueness');
    const { client: elsewhere } = await scimTenant(server);
    expect((await elsewhere.post('/Users', { userName: u.userName })).status).to.equal(201);
  });

  it('honours attributes and excludedAttributes on reads and lists', async () => {
    const { client } = await scimTenant(server);
    const u = await create(client, undefined, { [enterpriseUser]: { department: 'R&D' } });
    const only = await client.get(
      `/Users/${u.id}?attributes=userName,name.familyName,${enterpriseUser}:department`,
    );
    expect(only.body).to.deep.equal({
      schemas: [coreUser, enterpriseUser],
      id: u.id,
      userName: u.userName,
      name: { familyName: 'familyName' },
      [enterpriseUser]: { department: 'R&D' },
    });
    const without = await client.get(`/Users/${u.id}?excludedAttributes=emails,meta,${enterpriseUser}`);
    expect(without.body).to.not.have.any.keys('emails', 'meta', enterpriseUser);
    expect(without.body.schemas).to.deep.equal([coreUser]);
    expect(without.body).to.include({ id: u.id, userName: u.userName });
    const idOnly = await client.users(`userName eq "${u.userName}"`, '&attributes=id');
    expect(idOnly.body.Resources).to.deep.equal([{ schemas: [coreUser], id: u.id }]);
    const emails = await client.get(`/Users/${u.id}?attributes=EMAILS.value`);
    expect(emails.body.emails).to.deep.equal([{ value: `${u.userName}@testuser.com` }]);
  });

  it('accepts an empty Operations list: 200 with the user, nothing changed', async () => {
    const { client } = await scimTenant(server);
    const u = await create(client);
    const res = await client.patch(`/Users/${u.id}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [],
    });
    expect(res.status).to.equal(200);
    expect(res.body.meta.version).to.equal('W/"1"');
  });

  it('builds locations from PUBLIC_URL when it is set (and from the listening address otherwise)', async () => {
    const config = parseConfig({
      ...process.env,
      LOG_LEVEL: 'silent',
      NODE_ENV: 'test',
      PORT: '0',
      PUBLIC_URL: 'https://directory.example.com/',
    } as never);
    const running = await listen(config, createLogger('silent'));
    try {
      const { tenant, client: viaTest } = await scimTenant(server);
      const client = new ScimClient(`${running.url}/scim/v2/tenants/${tenant.slug}`, viaTest.token);
      const res = await client.post('/Users', { userName: `loc-${randomUUID()}@x.com` });
      const expected = `https://directory.example.com/scim/v2/tenants/${tenant.slug}/Users/${res.body.id}`;
      expect(res.headers.get('location')).to.equal(expected);
      expect(res.body.meta.location).to.equal(expected);
    } finally {
      await running.close();
    }
    const { tenant, client } = await scimTenant(server);
    const res = await client.post('/Users', { userName: `loc-${randomUUID()}@x.com` });
    expect(res.body.meta.location).to.equal(
      `${server.baseUrl}/scim/v2/tenants/${tenant.slug}/Users/${res.body.id}`,
    );
  });

  it('searches with POST /Users/.search', async () => {
    const { client } = await scimTenant(server);
    const u = await create(client);
    const res = await client.post('/Users/.search', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
      filter: `userName eq "${u.userName}"`,
      attributes: ['userName'],
      startIndex: 1,
      count: 10,
    });
    expect(res.status).to.equal(200);
    expect(res.body.Resources).to.deep.equal([{ schemas: [coreUser], id: u.id, userName: u.userName }]);
  });
});
