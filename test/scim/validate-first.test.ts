import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { gql, type Data } from '../graphql/helpers.js';
import { coreGroup, coreUser, patchOp, scimTenant, startServer, type TestServer } from './helpers.js';

/**
 * Issue 12, item 5: the whole request — query string, headers, body — is validated before anything is written, so
 * a 4xx means nothing changed. The fuzz run's case: `POST /Users?attributes=userName&attributes=id` created the
 * user, then answered 400, and Entra's retry got 409. The same shape on every SCIM write and in GraphQL mutations
 * whose selection carries an argument that cannot be valid.
 */
describe('a refused request changes nothing (issue 12, item 5)', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server.close();
  });

  const twice = '?attributes=userName&attributes=id';

  it('refuses a create with a repeated query parameter before creating, so the retry is a 201', async () => {
    const { client } = await scimTenant(server);
    const userName = `retry-${randomUUID()}@x.example`;
    const refused = await client.post(`/Users${twice}`, { schemas: [coreUser], userName });
    expect(refused.status, refused.text).to.equal(400);
    expect(refused.body.scimType).to.equal('invalidValue');
    expect((await client.users(`userName eq "${userName}"`)).body.totalResults).to.equal(0);
    const retry = await client.post('/Users?attributes=userName', { schemas: [coreUser], userName });
    expect(retry.status, retry.text).to.equal(201);

    const displayName = `G ${randomUUID()}`;
    const group = await client.post('/Groups?excludedAttributes=members&excludedAttributes=externalId', {
      schemas: [coreGroup],
      displayName,
    });
    expect(group.status).to.equal(400);
    expect((await client.groups(`displayName eq "${displayName}"`)).body.totalResults).to.equal(0);

    const unfit = await client.post('/Users?attributes=%00', {
      schemas: [coreUser],
      userName: `u-${randomUUID()}`,
    });
    expect(unfit.status).to.equal(400);
    expect((await client.users()).body.totalResults).to.equal(1);
  });

  it('refuses replace, patch and delete with a repeated query parameter, leaving the records as they were', async () => {
    const { client } = await scimTenant(server);
    const u = await client.post('/Users', {
      schemas: [coreUser],
      userName: `k-${randomUUID()}`,
      displayName: 'Kept',
    });
    const member = await client.post('/Users', { schemas: [coreUser], userName: `m-${randomUUID()}` });
    const g = await client.post('/Groups', { schemas: [coreGroup], displayName: `G ${randomUUID()}` });
    const cases: [string, () => Promise<{ status: number }>][] = [
      [
        'PUT user',
        () => client.put(`/Users/${u.body.id}${twice}`, { userName: u.body.userName, displayName: 'X' }),
      ],
      [
        'PATCH user',
        () =>
          client.patch(
            `/Users/${u.body.id}${twice}`,
            patchOp({ op: 'replace', path: 'displayName', value: 'X' }),
          ),
      ],
      ['DELETE user', () => client.delete(`/Users/${u.body.id}${twice}`)],
      [
        'PATCH group',
        () =>
          client.patch(
            `/Groups/${g.body.id}${twice}`,
            patchOp({ op: 'add', path: 'members', value: [{ value: member.body.id }] }),
          ),
      ],
      [
        'PUT group',
        () =>
          client.put(`/Groups/${g.body.id}${twice}`, {
            displayName: 'X',
            members: [{ value: member.body.id }],
          }),
      ],
      ['DELETE group', () => client.delete(`/Groups/${g.body.id}?a=1&a=2`)],
    ];
    for (const [name, send] of cases) expect((await send()).status, name).to.equal(400);
    const user = await client.get(`/Users/${u.body.id}`);
    expect(user.status).to.equal(200);
    expect(user.body.displayName).to.equal('Kept');
    const group = await client.get(`/Groups/${g.body.id}`);
    expect(group.status).to.equal(200);
    expect(group.body.displayName).to.equal(g.body.displayName);
    expect(group.body.members ?? []).to.deep.equal([]);
  });

  it('refuses GraphQL mutations whose selection has an invalid page size or cursor before they write', async () => {
    const { adminToken } = await scimTenant(server);
    const api = { url: server.baseUrl };
    const userName = `gql-${randomUUID()}`;
    const cases: [string, string, Record<string, unknown>][] = [
      [
        'first above 100 under createUser',
        'mutation($u: String!) { createUser(input: { userName: $u }) { id groups(first: 1000) { nodes { id } } } }',
        { u: userName },
      ],
      [
        'first as a variable',
        'mutation($u: String!, $n: Int) { createUser(input: { userName: $u }) { groups(first: $n) { nodes { id } } } }',
        { u: userName, n: -1 },
      ],
      [
        'a malformed cursor under createGroup',
        'mutation { createGroup(input: { displayName: "Cursor group" }) { members(after: "not-a-cursor") { nodes { id } } } }',
        {},
      ],
      [
        'a cursor of another field under createWorkspace',
        `mutation($c: String) { createWorkspace(input: { name: "Cursor room" }) { effectiveMembers(after: $c) { nodes { id } } } }`,
        { c: Buffer.from(JSON.stringify(['a', 'b'])).toString('base64url') },
      ],
    ];
    for (const [name, query, variables] of cases) {
      const res = await gql(api, adminToken, query, variables);
      expect(res.status, name).to.equal(400);
      expect(res.errors?.[0]?.extensions?.code, name).to.equal('BAD_USER_INPUT');
    }
    const after: Data = await gql(
      api,
      adminToken,
      `query($u: String) { users(filter: { userName: $u }) { totalCount } groups(search: "Cursor") { totalCount } workspaces { nodes { name } } }`,
      { u: userName },
    );
    expect(after.data).to.deep.equal({
      users: { totalCount: 0 },
      groups: { totalCount: 0 },
      workspaces: { nodes: [] },
    });
  });
});
