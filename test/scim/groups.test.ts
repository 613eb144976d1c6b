import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { coreGroup, patchOp, scimTenant, startServer, type ScimClient, type TestServer } from './helpers.js';

/** /Groups over real HTTP against the real database, with the requests of Microsoft's Entra SCIM tutorial. */
describe('SCIM /Groups', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server.close();
  });

  async function users(client: ScimClient, n: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const res = await client.post('/Users', {
        userName: `member${i}-${randomUUID()}@x.com`,
        displayName: `Member ${i}`,
      });
      expect(res.status).to.equal(201);
      ids.push(res.body.id);
    }
    return ids;
  }

  /** Entra's "Create Group" request, verbatim (groups are created empty, then filled by PATCH). */
  async function group(client: ScimClient, displayName = `displayName-${randomUUID()}`) {
    const res = await client.post('/Groups', {
      schemas: [
        'urn:ietf:params:scim:schemas:core:2.0:Group',
        'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group',
      ],
      externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159',
      displayName,
      meta: { resourceType: 'Group' },
    });
    expect(res.status, res.text).to.equal(201);
    return res.body as { id: string; displayName: string };
  }

  const memberIds = async (client: ScimClient, groupId: string) => {
    const res = await client.get(`/Groups/${groupId}`);
    expect(res.status).to.equal(200);
    return ((res.body.members ?? []) as { value: string }[]).map((m) => m.value).sort();
  };

  it('creates a group: 201 with Location, and reads it with and without members', async () => {
    const { client, tenantUrl } = await scimTenant(server);
    const displayName = `Sales-${randomUUID()}`;
    const res = await client.post('/Groups', {
      schemas: [coreGroup, 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group'],
      externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159',
      displayName,
      meta: { resourceType: 'Group' },
    });
    expect(res.status).to.equal(201);
    const g = res.body;
    expect(res.headers.get('location')).to.equal(`${tenantUrl}/Groups/${g.id}`);
    expect(g).to.deep.equal({
      schemas: [coreGroup],
      id: g.id,
      externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159',
      displayName,
      meta: {
        resourceType: 'Group',
        created: g.meta.created,
        lastModified: g.meta.created,
        location: `${tenantUrl}/Groups/${g.id}`,
        version: 'W/"1"',
      },
    });
    const [u] = await users(client, 1);
    await client.patch(
      `/Groups/${g.id}`,
      patchOp({ op: 'Add', path: 'members', value: [{ $ref: null, value: u }] }),
    );
    const full = await client.get(`/Groups/${g.id}`);
    expect(full.body.members).to.deep.equal([
      { value: u, display: 'Member 0', $ref: `${tenantUrl}/Users/${u}` },
    ]);
    const lean = await client.get(`/Groups/${g.id}?excludedAttributes=members`);
    expect(lean.status).to.equal(200);
    expect(lean.body).to.not.have.property('members');
    expect(lean.body).to.include({ id: g.id, displayName });
  });

  it('creates a group with members (POST with a members list)', async () => {
    const { client } = await scimTenant(server);
    const ids = await users(client, 2);
    const res = await client.post('/Groups', {
      displayName: `G-${randomUUID()}`,
      members: ids.map((value) => ({ value })),
    });
    expect(res.status).to.equal(201);
    expect((res.body.members as { value: string }[]).map((m) => m.value).sort()).to.deep.equal(
      [...ids].sort(),
    );
    const bad = await client.post('/Groups', {
      displayName: `G-${randomUUID()}`,
      members: [{ value: randomUUID() }],
    });
    expect(bad.status).to.equal(400);
    expect(bad.body.scimType).to.equal('invalidValue');
  });

  it('finds groups by displayName (case-insensitively) with excludedAttributes=members', async () => {
    const { client } = await scimTenant(server);
    const g = await group(client, `Marketing-${randomUUID()}`);
    const res = await client.groups(
      `displayName eq "${g.displayName.toUpperCase()}"`,
      '&excludedAttributes=members',
    );
    expect(res.status).to.equal(200);
    expect(res.body.totalResults).to.equal(1);
    expect(res.body.Resources[0]).to.include({ id: g.id, displayName: g.displayName });
    expect(res.body.Resources[0]).to.not.have.property('members');
    const none = await client.groups('displayName eq "no such group"', '&excludedAttributes=members');
    expect(none.body).to.include({ totalResults: 0, itemsPerPage: 0 });
    expect(none.body.Resources).to.deep.equal([]);
  });

  it('keeps displayName unique per tenant: 409 uniqueness on create and rename', async () => {
    const { client } = await scimTenant(server);
    const g = await group(client);
    const dup = await client.post('/Groups', { displayName: g.displayName.toLowerCase() });
    expect(dup.status).to.equal(409);
    expect(dup.body.scimType).to.equal('uniqueness');
    const other = await group(client);
    const rename = await client.patch(
      `/Groups/${other.id}`,
      patchOp({ op: 'Replace', path: 'displayName', value: g.displayName }),
    );
    expect(rename.status).to.equal(409);
    expect(rename.body.scimType).to.equal('uniqueness');
  });

  it('answers the membership query Entra sends: id eq "…" and members[value eq "…"]', async () => {
    const { client } = await scimTenant(server);
    const g = await group(client);
    const [member, outsider] = await users(client, 2);
    await client.patch(
      `/Groups/${g.id}`,
      patchOp({ op: 'Add', path: 'members', value: [{ value: member }] }),
    );
    const q = (userId: string) =>
      client.groups(`id eq "${g.id}" and members[value eq "${userId}"]`, '&excludedAttributes=members');
    const yes = await q(member!);
    expect(yes.status).to.equal(200);
    expect(yes.body.totalResults).to.equal(1);
    expect(yes.body.Resources[0].id).to.equal(g.id);
    expect(yes.body.Resources[0]).to.not.have.property('members');
    expect((await q(outsider!)).body.totalResults).to.equal(0);
    expect((await q(randomUUID())).body.totalResults).to.equal(0);
  });

  it('adds several members in one op, re-adding is a no-op, and answers 204', async () => {
    const { client } = await scimTenant(server);
    const g = await group(client);
    const ids = await users(client, 4);
    const add = await client.patch(
      `/Groups/${g.id}`,
      patchOp({ op: 'Add', path: 'members', value: ids.slice(0, 3).map((value) => ({ $ref: null, value })) }),
    );
    expect(add.status).to.equal(204);
    expect(add.text).to.equal('');
    expect(await memberIds(client, g.id)).to.deep.equal(ids.slice(0, 3).sort());
    const again = await client.patch(
      `/Groups/${g.id}`,
      patchOp({ op: 'Add', path: 'members', value: ids.map((value) => ({ value })) }),
    );
    expect(again.status).to.equal(204);
    expect(await memberIds(client, g.id)).to.deep.equal([...ids].sort());
  });

  it('removes members by members[value eq "…"] and by a value list', async () => {
    const { client } = await scimTenant(server);
    const g = await group(client);
    const ids = await users(client, 4);
    await client.patch(
      `/Groups/${g.id}`,
      patchOp({ op: 'Add', path: 'members', value: ids.map((value) => ({ value })) }),
    );
    const byFilter = await client.patch(
      `/Groups/${g.id}`,
      patchOp({ op: 'remove', path: `members[value eq "${ids[0]}"]` }),
    );
    expect(byFilter.status).to.equal(204);
    const byList = await client.patch(
      `/Groups/${g.id}`,
      patchOp({ op: 'Remove', path: 'members', value: [{ value: ids[1] }, { value: ids[2] }] }),
    );
    expect(byList.status).to.equal(204);
    expect(await memberIds(client, g.id)).to.deep.equal([ids[3]]);
  });

  it('replaces the member list, removes all members, and changes attributes', async () => {
    const { client } = await scimTenant(server);
    const g = await group(client);
    const ids = await users(client, 3);
    await client.patch(
      `/Groups/${g.id}`,
      patchOp({ op: 'Add', path: 'members', value: [{ value: ids[0] }, { value: ids[1] }] }),
    );
    await client.patch(
      `/Groups/${g.id}`,
      patchOp({ op: 'Replace', path: 'members', value: [{ value: ids[1] }, { value: ids[2] }] }),
    );
    expect(await memberIds(client, g.id)).to.deep.equal([ids[1], ids[2]].sort());
    const rename = await client.patch(
      `/Groups/${g.id}`,
      patchOp({
        op: 'Replace',
        path: 'displayName',
        value: '1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName',
      }),
    );
    expect(rename.status).to.equal(204);
    await client.patch(`/Groups/${g.id}`, patchOp({ op: 'Replace', path: 'externalId', value: 'new-ext' }));
    const got = await client.get(`/Groups/${g.id}?excludedAttributes=members`);
    expect(got.body).to.include({
      displayName: '1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName',
      externalId: 'new-ext',
    });
    await client.patch(`/Groups/${g.id}`, patchOp({ op: 'Remove', path: 'members' }));
    expect(await memberIds(client, g.id)).to.deep.equal([]);
  });

  it('fails a PATCH as a whole: an unknown member or a bad operation changes nothing', async () => {
    const { client } = await scimTenant(server);
    const g = await group(client);
    const [a, b] = await users(client, 2);
    await client.patch(`/Groups/${g.id}`, patchOp({ op: 'Add', path: 'members', value: [{ value: a }] }));
    const unknown = await client.patch(
      `/Groups/${g.id}`,
      patchOp(
        { op: 'Replace', path: 'displayName', value: 'Should not stick' },
        { op: 'Add', path: 'members', value: [{ value: b }, { value: randomUUID() }] },
      ),
    );
    expect(unknown.status).to.equal(400);
    expect(unknown.body.scimType).to.equal('invalidValue');
    const bad = await client.patch(
      `/Groups/${g.id}`,
      patchOp(
        { op: 'Remove', path: 'members', value: [{ value: a }] },
        { op: 'Replace', path: 'owner', value: 'x' },
      ),
    );
    expect(bad.status).to.equal(400);
    expect(bad.body.scimType).to.equal('invalidPath');
    const now = await client.get(`/Groups/${g.id}`);
    expect(now.body.displayName).to.equal(g.displayName);
    expect((now.body.members as { value: string }[]).map((m) => m.value)).to.deep.equal([a]);
    expect(
      (
        await client.patch(
          `/Groups/${randomUUID()}`,
          patchOp({ op: 'Add', path: 'members', value: [{ value: a }] }),
        )
      ).status,
    ).to.equal(404);
  });

  it('returns the group from PATCH when asked for attributes, and replaces it with PUT', async () => {
    const { client } = await scimTenant(server);
    const g = await group(client);
    const [a, b] = await users(client, 2);
    const patched = await client.patch(
      `/Groups/${g.id}?excludedAttributes=members`,
      patchOp({ op: 'Add', path: 'members', value: [{ value: a }] }),
    );
    expect(patched.status).to.equal(200);
    expect(patched.body).to.include({ id: g.id, displayName: g.displayName });
    const put = await client.put(`/Groups/${g.id}`, {
      schemas: [coreGroup],
      displayName: 'Put name',
      members: [{ value: b }],
    });
    expect(put.status).to.equal(200);
    expect(put.body).to.include({ displayName: 'Put name' });
    expect(put.body).to.not.have.property('externalId');
    expect((put.body.members as { value: string }[]).map((m) => m.value)).to.deep.equal([b]);
  });

  it('deletes groups (204, then 404), and deleting a user removes its memberships', async () => {
    const { client } = await scimTenant(server);
    const g = await group(client);
    const [a, b] = await users(client, 2);
    await client.patch(
      `/Groups/${g.id}`,
      patchOp({ op: 'Add', path: 'members', value: [{ value: a }, { value: b }] }),
    );
    expect((await client.delete(`/Users/${a}`)).status).to.equal(204);
    expect(await memberIds(client, g.id)).to.deep.equal([b]);
    expect((await client.delete(`/Groups/${g.id}`)).status).to.equal(204);
    expect((await client.get(`/Groups/${g.id}`)).status).to.equal(404);
    expect((await client.delete(`/Groups/${g.id}`)).status).to.equal(404);
    expect((await client.get(`/Groups/${randomUUID()}?excludedAttributes=members`)).status).to.equal(404);
  });
});
