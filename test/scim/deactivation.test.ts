import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { gql } from '../graphql/helpers.js';
import { coreUser, patchOp, scimTenant, startServer, type ScimClient, type TestServer } from './helpers.js';

/**
 * Issue 12, item 3: deactivation is sticky. Only an explicit `true` activates a user; every way of leaving `active`
 * out or clearing it either keeps the user as they are or is refused, and a refused request changes nothing. Each
 * form Entra or another SCIM client could send, over real HTTP.
 */
describe('SCIM: deactivation is sticky (issue 12, item 3)', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server.close();
  });

  /** A provisioned user, then deactivated as Entra does it (`"False"`, quirk 2). */
  async function deactivated(client: ScimClient) {
    const userName = `gone-${randomUUID()}@contoso.example`;
    const created = await client.post('/Users', {
      schemas: [coreUser],
      userName,
      active: true,
      displayName: 'Gone',
    });
    expect(created.status, created.text).to.equal(201);
    const id = created.body.id as string;
    const off = await client.patch(
      `/Users/${id}`,
      patchOp({ op: 'Replace', path: 'active', value: 'False' }),
    );
    expect(off.status, off.text).to.equal(200);
    expect(off.body.active).to.equal(false);
    return { id, userName };
  }

  async function activeOf(client: ScimClient, id: string): Promise<unknown> {
    const res = await client.get(`/Users/${id}`);
    expect(res.status, res.text).to.equal(200);
    return res.body.active;
  }

  it('refuses PATCH operations that would clear active (400 invalidValue) and keeps the user inactive', async () => {
    const { client } = await scimTenant(server);
    const forms: [string, unknown][] = [
      ['remove active', { op: 'Remove', path: 'active' }],
      ['replace active null', { op: 'Replace', path: 'active', value: null }],
      ['add active null', { op: 'Add', path: 'active', value: null }],
      ['path-less replace {"active": null}', { op: 'Replace', value: { active: null } }],
      ['path-less add {"active": null}', { op: 'Add', value: { displayName: 'Back', active: null } }],
    ];
    for (const [name, op] of forms) {
      const { id } = await deactivated(client);
      const res = await client.patch(`/Users/${id}`, patchOp(op));
      expect(res.status, `${name}: ${res.text}`).to.equal(400);
      expect(res.body.scimType, name).to.equal('invalidValue');
      expect(res.body.detail, name).to.match(/active/);
      expect(await activeOf(client, id), name).to.equal(false);
      // A refused request changed nothing, not even the other operations' attributes.
      expect((await client.get(`/Users/${id}`)).body.displayName, name).to.equal('Gone');
    }
  });

  it('keeps active as it is when a PUT leaves it out or sends null', async () => {
    const { client } = await scimTenant(server);
    for (const body of [{}, { active: null }]) {
      const { id, userName } = await deactivated(client);
      const res = await client.put(`/Users/${id}`, {
        schemas: [coreUser],
        userName,
        displayName: 'Put',
        ...body,
      });
      expect(res.status, res.text).to.equal(200);
      expect(res.body.active, JSON.stringify(body)).to.equal(false);
      expect(await activeOf(client, id)).to.equal(false);
    }
    // The same rule keeps an active user active: omission changes nothing either way.
    const on = await client.post('/Users', { schemas: [coreUser], userName: `on-${randomUUID()}@x.example` });
    const put = await client.put(`/Users/${on.body.id}`, { userName: on.body.userName });
    expect(put.body.active).to.equal(true);
  });

  it('keeps a user inactive through changes of other attributes', async () => {
    const { client } = await scimTenant(server);
    const { id } = await deactivated(client);
    const res = await client.patch(
      `/Users/${id}`,
      patchOp(
        { op: 'Replace', path: 'displayName', value: 'Renamed' },
        { op: 'Replace', value: { 'name.givenName': 'G' } },
      ),
    );
    expect(res.status, res.text).to.equal(200);
    expect(res.body.active).to.equal(false);
  });

  it('answers a POST that names an existing user 409, with or without active, and leaves it inactive', async () => {
    const { client } = await scimTenant(server);
    const { id, userName } = await deactivated(client);
    for (const body of [{ userName }, { userName, active: true }, { userName: userName.toUpperCase() }]) {
      const res = await client.post('/Users', { schemas: [coreUser], ...body });
      expect(res.status, res.text).to.equal(409);
      expect(res.body.scimType).to.equal('uniqueness');
    }
    expect(await activeOf(client, id)).to.equal(false);
  });

  it('activates only on an explicit true; a new user without active is created active', async () => {
    const { client } = await scimTenant(server);
    for (const value of [true, 'True', 'true']) {
      const { id } = await deactivated(client);
      const res = await client.patch(`/Users/${id}`, patchOp({ op: 'Replace', path: 'active', value }));
      expect(res.status, res.text).to.equal(200);
      expect(res.body.active).to.equal(true);
    }
    const { id } = await deactivated(client);
    const put = await client.put(`/Users/${id}`, {
      userName: `back-${randomUUID()}@x.example`,
      active: true,
    });
    expect(put.body.active).to.equal(true);

    // RFC 7643 gives no default; Entra always sends active. Without it a new user is active (README, SCIM).
    const fresh = await client.post('/Users', {
      schemas: [coreUser],
      userName: `new-${randomUUID()}@x.example`,
    });
    expect(fresh.status, fresh.text).to.equal(201);
    expect(fresh.body.active).to.equal(true);
  });

  it('keeps an inactive user inactive when GraphQL updateUser sends active: null', async () => {
    const { adminToken } = await scimTenant(server);
    const api = { url: server.baseUrl };
    const created = await gql(
      api,
      adminToken,
      'mutation($u: String!) { createUser(input: { userName: $u, active: false }) { id active } }',
      { u: `gql-${randomUUID()}@x.example` },
    );
    const id = created.data!.createUser.id as string;
    const res = await gql(
      api,
      adminToken,
      'mutation($id: ID!) { updateUser(id: $id, input: { displayName: "X", active: null }) { active displayName } }',
      { id },
    );
    expect(res.errors, JSON.stringify(res.errors)).to.equal(undefined);
    expect(res.data!.updateUser).to.deep.equal({ active: false, displayName: 'X' });
  });
});
