import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import {
  coreGroup,
  coreUser,
  enterpriseUser,
  patchOp,
  scimTenant,
  startServer,
  type TestServer,
} from './helpers.js';

/**
 * The attribute tables of the two seed products (/work/shared/seeds: 000 Howspace, users and groups; 004 Headspace,
 * users only), driven the way Entra drives them: Test Connection, lookup by the matching attribute, create with
 * every mapped attribute, update each mapped attribute by its own path, read back. Every value must come back
 * exactly as sent (Entra: "Values sent should be stored in the same format they were sent").
 */

/** Reads a mapped attribute (as Entra names it in the attribute table) from a SCIM resource. */
function read(resource: Record<string, unknown>, path: string): unknown {
  const ext = `${enterpriseUser}:`;
  if (path.startsWith(ext))
    return (resource[enterpriseUser] as Record<string, unknown> | undefined)?.[path.slice(ext.length)];
  const m = /^(\w+)\[type eq "(\w+)"\]\.value$/.exec(path);
  if (m) {
    const entries = (resource[m[1]!] as { type?: string; value: string }[] | undefined) ?? [];
    const found = entries.filter((e) => e.type === m[2]);
    expect(found.length, `${path} entries`).to.be.at.most(1);
    return found[0]?.value;
  }
  return path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], resource);
}

describe('seed products: attribute tables round-trip', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server.close();
  });

  it('Howspace users: userName, active, name.givenName, name.familyName, phoneNumbers[type eq "mobile"].value, externalId', async () => {
    const { client } = await scimTenant(server);
    expect((await client.users(`userName eq "${randomUUID()}"`)).body.totalResults).to.equal(0); // Test Connection
    const sent = {
      userName: `Zoë.O'Brien-${randomUUID()}@Contoso.onmicrosoft.com`,
      active: true,
      'name.givenName': 'Zoë',
      'name.familyName': "O'Brien-Åström",
      'phoneNumbers[type eq "mobile"].value': '+358 (40) 123-4567',
      externalId: 'zOBrien_01',
    };
    expect((await client.users(`userName eq "${sent.userName}"`)).body.totalResults).to.equal(0);
    const created = await client.post('/Users', {
      schemas: [coreUser],
      userName: sent.userName,
      active: sent.active,
      name: { givenName: sent['name.givenName'], familyName: sent['name.familyName'] },
      phoneNumbers: [{ type: 'mobile', value: sent['phoneNumbers[type eq "mobile"].value'] }],
      externalId: sent.externalId,
    });
    expect(created.status).to.equal(201);
    const id = created.body.id as string;
    const found = await client.users(`userName eq "${sent.userName}"`);
    expect(found.body.totalResults).to.equal(1);
    for (const resource of [created.body, (await client.get(`/Users/${id}`)).body, found.body.Resources[0]]) {
      for (const [path, value] of Object.entries(sent))
        expect(read(resource, path), path).to.deep.equal(value);
    }

    const updated = {
      userName: `zoe.obrien-${randomUUID()}@contoso.com`,
      active: false,
      'name.givenName': 'Zoe',
      'name.familyName': 'Åström',
      'phoneNumbers[type eq "mobile"].value': '0401234567',
      externalId: 'zobrien',
    };
    const res = await client.patch(
      `/Users/${id}`,
      patchOp(...Object.entries(updated).map(([path, value]) => ({ op: 'Replace', path, value }))),
    );
    expect(res.status).to.equal(200);
    const back = (await client.get(`/Users/${id}`)).body;
    for (const [path, value] of Object.entries(updated)) {
      expect(read(res.body, path), path).to.deep.equal(value);
      expect(read(back, path), path).to.deep.equal(value);
    }
    expect(Object.keys(back).sort()).to.deep.equal([
      'active',
      'externalId',
      'id',
      'meta',
      'name',
      'phoneNumbers',
      'schemas',
      'userName',
    ]);
  });

  it('Howspace groups: displayName, externalId, members', async () => {
    const { client, tenantUrl } = await scimTenant(server);
    const members: string[] = [];
    const userNames = new Map<string, string>();
    for (let i = 0; i < 3; i++) {
      const u = (await client.post('/Users', { userName: `hs${i}-${randomUUID()}@contoso.com` })).body;
      members.push(u.id);
      userNames.set(u.id, u.userName);
    }
    const sent = { displayName: `Workspace owners ${randomUUID()}`, externalId: randomUUID() };
    expect(
      (await client.groups(`displayName eq "${sent.displayName}"`, '&excludedAttributes=members')).body
        .totalResults,
    ).to.equal(0);
    const created = await client.post('/Groups', {
      schemas: [coreGroup, 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group'],
      ...sent,
      meta: { resourceType: 'Group' },
    });
    expect(created.status).to.equal(201);
    const id = created.body.id as string;
    const add = await client.patch(
      `/Groups/${id}`,
      patchOp({ op: 'Add', path: 'members', value: members.map((value) => ({ $ref: null, value })) }),
    );
    expect(add.status).to.equal(204);
    const found = await client.groups(`displayName eq "${sent.displayName}"`, '&excludedAttributes=members');
    expect(found.body.totalResults).to.equal(1);
    expect(found.body.Resources[0]).to.deep.include(sent);
    const full = (await client.get(`/Groups/${id}`)).body;
    expect(full).to.deep.include(sent);
    expect(full.members).to.deep.equal(
      [...members]
        .sort()
        .map((value) => ({ value, display: userNames.get(value), $ref: `${tenantUrl}/Users/${value}` })),
    );
    const renamed = { displayName: `Renamed ${randomUUID()}`, externalId: randomUUID() };
    await client.patch(
      `/Groups/${id}`,
      patchOp(...Object.entries(renamed).map(([path, value]) => ({ op: 'Replace', path, value }))),
    );
    await client.patch(
      `/Groups/${id}`,
      patchOp({ op: 'Remove', path: 'members', value: [{ value: members[0] }] }),
    );
    const after = (await client.get(`/Groups/${id}`)).body;
    expect(after).to.deep.include(renamed);
    expect(after.members.map((m: { value: string }) => m.value)).to.deep.equal(members.slice(1).sort());
  });

  it('Headspace users: userName, active, emails[type eq "work"].value, name.*, externalId, enterprise department', async () => {
    const { client } = await scimTenant(server);
    const department = `${enterpriseUser}:department`;
    const sent = {
      userName: `Mindful.User-${randomUUID()}@Contoso.com`,
      active: true,
      'emails[type eq "work"].value': 'Mindful.User@Contoso.com',
      'name.givenName': 'Mindful',
      'name.familyName': 'User',
      externalId: 'mindful.user',
      [department]: 'Research & Development',
    };
    const created = await client.post('/Users', {
      schemas: [coreUser, enterpriseUser],
      userName: sent.userName,
      active: sent.active,
      emails: [{ primary: true, type: 'work', value: sent['emails[type eq "work"].value'] }],
      name: { givenName: sent['name.givenName'], familyName: sent['name.familyName'] },
      externalId: sent.externalId,
      [enterpriseUser]: { department: sent[department] },
    });
    expect(created.status).to.equal(201);
    expect(created.body.schemas).to.deep.equal([coreUser, enterpriseUser]);
    const id = created.body.id as string;
    const byName = await client.users(`userName eq "${sent.userName.toLowerCase()}"`);
    expect(byName.body.totalResults).to.equal(1);
    for (const resource of [
      created.body,
      (await client.get(`/Users/${id}`)).body,
      byName.body.Resources[0],
    ]) {
      for (const [path, value] of Object.entries(sent))
        expect(read(resource, path), path).to.deep.equal(value);
    }

    const updated = {
      active: false,
      'emails[type eq "work"].value': 'mindful.user2@contoso.com',
      'name.givenName': 'Mindy',
      'name.familyName': 'Userson',
      externalId: 'mindy',
      [department]: 'Sales',
    };
    const res = await client.patch(
      `/Users/${id}`,
      patchOp(
        ...Object.entries(updated).map(([path, value]) => ({
          op: 'Replace',
          path,
          value: path === 'active' ? 'False' : value,
        })),
      ),
    );
    expect(res.status).to.equal(200);
    const back = (await client.get(`/Users/${id}`)).body;
    for (const [path, value] of Object.entries(updated)) expect(read(back, path), path).to.deep.equal(value);
    expect(back.emails).to.deep.equal([{ value: 'mindful.user2@contoso.com', type: 'work', primary: true }]);
    const clear = await client.patch(`/Users/${id}`, patchOp({ op: 'Remove', path: department }));
    expect(clear.body.schemas).to.deep.equal([coreUser]);
    expect(clear.body).to.not.have.property(enterpriseUser);
  });
});
