import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import {
  booleanFromString,
  bareFilterValue,
  entryFromValueFilter,
  memberIdsFromValue,
  pathlessEntries,
  patchOpName,
  referenceFromString,
} from '../../src/scim/entra-quirks.js';
import { enterpriseUser, scimTenant, startServer, type ScimClient, type TestServer } from './helpers.js';

/**
 * One test per deviation listed in src/scim/entra-quirks.ts, built from the request Entra really sends (Microsoft
 * Learn: "Develop and plan provisioning for a SCIM endpoint" and "Known issues with SCIM 2.0 protocol compliance").
 */
describe('Entra ID quirks (src/scim/entra-quirks.ts)', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server.close();
  });

  async function user(client: ScimClient, extra: object = {}) {
    const res = await client.post('/Users', { userName: `q-${randomUUID()}@testuser.com`, ...extra });
    expect(res.status, res.text).to.equal(201);
    return res.body as { id: string; userName: string };
  }

  it('quirk 1: op names in any case ("Add", "Replace", "Remove")', async () => {
    expect(['Add', 'REPLACE', 'remove', ' Remove '].map(patchOpName)).to.deep.equal([
      'add',
      'replace',
      'remove',
      'remove',
    ]);
    expect(patchOpName('Delete')).to.equal(undefined);
    const { client } = await scimTenant(server);
    const u = await user(client);
    const res = await client.patch(`/Users/${u.id}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [
        { op: 'Add', path: 'displayName', value: 'Babs' },
        { op: 'Replace', path: 'name.givenName', value: 'Barbara' },
        { op: 'Remove', path: 'displayName' },
      ],
    });
    expect(res.status).to.equal(200);
    expect(res.body.name).to.deep.equal({ givenName: 'Barbara' });
    expect(res.body).to.not.have.property('displayName');
  });

  it('quirk 2: active as the strings "False" and "True"', async () => {
    expect([booleanFromString('False'), booleanFromString('TRUE'), booleanFromString('no')]).to.deep.equal([
      false,
      true,
      'no',
    ]);
    const { client } = await scimTenant(server);
    const u = await user(client);
    // "Requests made to disable users", without the aadOptscim062020 flag — verbatim.
    const off = await client.patch(`/Users/${u.id}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'Replace', path: 'active', value: 'False' }],
    });
    expect(off.status).to.equal(200);
    expect(off.body.active).to.equal(false);
    const on = await client.patch(`/Users/${u.id}`, {
      Operations: [{ op: 'Replace', path: 'active', value: 'True' }],
    });
    expect(on.body.active).to.equal(true);
  });

  it('quirk 3: replace without a path, its value keyed by dotted paths and full URNs', async () => {
    expect(pathlessEntries({ a: 1, [enterpriseUser]: { department: 'x' } }, [enterpriseUser])).to.deep.equal([
      ['a', 1],
      [`${enterpriseUser}:department`, 'x'],
    ]);
    const { client } = await scimTenant(server);
    const u = await user(client, {
      emails: [{ value: 'old@test.microsoft.com', type: 'work', primary: true }],
    });
    // "Requests to replace multiple attributes", with the flag — verbatim but for employeeNumber, which this
    // directory does not store (see the next assertion), mapped here as department.
    const res = await client.patch(`/Users/${u.id}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [
        { op: 'replace', path: 'emails[type eq "work"].value', value: 'TestMhvaes@test.microsoft.com' },
        {
          op: 'replace',
          value: {
            displayName: 'Bjfe',
            'name.givenName': 'Kkom',
            'name.familyName': 'Unua',
            'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department': 'Aklq',
          },
        },
      ],
    });
    expect(res.status, res.text).to.equal(200);
    expect(res.body).to.deep.include({
      displayName: 'Bjfe',
      name: { givenName: 'Kkom', familyName: 'Unua' },
      emails: [{ value: 'TestMhvaes@test.microsoft.com', type: 'work', primary: true }],
      [enterpriseUser]: { department: 'Aklq' },
    });
    // The RFC's own shape (a partial resource) works too; an attribute not in /Schemas is refused, not dropped.
    const rfc = await client.patch(`/Users/${u.id}`, {
      Operations: [
        { op: 'replace', value: { name: { givenName: 'Ada' }, [enterpriseUser]: { department: 'R&D' } } },
      ],
    });
    expect(rfc.body.name).to.deep.equal({ givenName: 'Ada', familyName: 'Unua' });
    expect(rfc.body[enterpriseUser]).to.deep.equal({ department: 'R&D' });
    const unknown = await client.patch(`/Users/${u.id}`, {
      Operations: [
        {
          op: 'replace',
          value: {
            'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber': 'E1',
            'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeId': 'Aklq',
          },
        },
      ],
    });
    expect(unknown.status).to.equal(400);
    expect(unknown.body.scimType).to.equal('invalidPath');
    // refused whole: the employeeNumber beside the unknown attribute was not applied
    expect((await client.get(`/Users/${u.id}`)).body[enterpriseUser]).to.deep.equal({ department: 'R&D' });
  });

  it('quirk 4: a value-filter path that matches nothing creates the entry', async () => {
    expect(entryFromValueFilter({ kind: 'compare', field: 'type', op: 'eq', value: 'work' })).to.deep.equal({
      type: 'work',
    });
    expect(entryFromValueFilter({ kind: 'compare', field: 'type', op: 'ne', value: 'work' })).to.equal(
      undefined,
    );
    const { client } = await scimTenant(server);
    const u = await user(client);
    const res = await client.patch(`/Users/${u.id}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [
        { op: 'Add', path: 'emails[type eq "work"].value', value: 'first@contoso.com' },
        { op: 'Replace', path: 'phoneNumbers[type eq "mobile"].value', value: '+358 40 1234567' },
      ],
    });
    expect(res.status).to.equal(200);
    expect(res.body.emails).to.deep.equal([{ type: 'work', value: 'first@contoso.com' }]);
    expect(res.body.phoneNumbers).to.deep.equal([{ type: 'mobile', value: '+358 40 1234567' }]);
    // A second time the entry exists and is updated in place, not duplicated.
    const again = await client.patch(`/Users/${u.id}`, {
      Operations: [{ op: 'Replace', path: 'emails[type eq "work"].value', value: 'second@contoso.com' }],
    });
    expect(again.body.emails).to.deep.equal([{ type: 'work', value: 'second@contoso.com' }]);
  });

  it('quirk 5: members added and removed by value lists ($ref null, single object accepted)', async () => {
    expect(
      memberIdsFromValue([
        { $ref: null, value: 'a' },
        { value: 'b', display: 'B' },
      ]),
    ).to.deep.equal(['a', 'b']);
    expect(memberIdsFromValue({ value: 'a' })).to.deep.equal(['a']);
    expect(memberIdsFromValue([{ display: 'no value' }])).to.equal(undefined);
    const { client } = await scimTenant(server);
    const a = await user(client);
    const b = await user(client);
    const g = (await client.post('/Groups', { displayName: `G-${randomUUID()}` })).body;
    // "Update Group [Add Members]" — verbatim.
    const add = await client.patch(`/Groups/${g.id}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [
        {
          op: 'Add',
          path: 'members',
          value: [
            { $ref: null, value: a.id },
            { $ref: null, value: b.id },
          ],
        },
      ],
    });
    expect(add.status).to.equal(204);
    // "Requests made to remove a group member", without the flag — verbatim.
    const remove = await client.patch(`/Groups/${g.id}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'Remove', path: 'members', value: [{ value: a.id }] }],
    });
    expect(remove.status).to.equal(204);
    // …and with the flag.
    const removeFlag = await client.patch(`/Groups/${g.id}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'remove', path: `members[value eq "${b.id}"]` }],
    });
    expect(removeFlag.status).to.equal(204);
    expect((await client.get(`/Groups/${g.id}`)).body).to.not.have.property('members');
  });

  it('quirk 6: unquoted filter values (GET /Users?filter=externalId eq jyoung)', async () => {
    expect(bareFilterValue('jyoung')).to.deep.equal({ string: 'jyoung' });
    expect(bareFilterValue('True')).to.deep.equal({ literal: 'true' });
    const { client } = await scimTenant(server);
    const u = await user(client, { externalId: 'jyoung' });
    await user(client, { externalId: '007' });
    const res = await client.get('/Users?filter=externalId eq jyoung');
    expect(res.status).to.equal(200);
    expect(res.body.totalResults).to.equal(1);
    expect(res.body.Resources[0].id).to.equal(u.id);
    expect((await client.users('externalId eq 007')).body.totalResults).to.equal(1);
    expect((await client.users('active eq True')).body.totalResults).to.equal(2);
  });

  it('quirk 7: removing what is not there succeeds', async () => {
    const { client } = await scimTenant(server);
    const u = await user(client);
    const g = (await client.post('/Groups', { displayName: `G-${randomUUID()}` })).body;
    const nonMember = await client.patch(`/Groups/${g.id}`, {
      Operations: [{ op: 'Remove', path: 'members', value: [{ value: u.id }] }],
    });
    expect(nonMember.status).to.equal(204);
    const noPhone = await client.patch(`/Users/${u.id}`, {
      Operations: [
        { op: 'Remove', path: 'phoneNumbers[type eq "mobile"].value' },
        { op: 'Remove', path: 'externalId' },
      ],
    });
    expect(noPhone.status).to.equal(200);
  });

  it('quirk 8: group PATCH answers 204 No Content', async () => {
    const { client } = await scimTenant(server);
    const g = (await client.post('/Groups', { displayName: `G-${randomUUID()}` })).body;
    // "Update Group [Non-member attributes]" — verbatim.
    const res = await client.patch(`/Groups/${g.id}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [
        {
          op: 'Replace',
          path: 'displayName',
          value: '1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName',
        },
      ],
    });
    expect(res.status).to.equal(204);
    expect(res.text).to.equal('');
    const empty = await client.patch(`/Groups/${g.id}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [],
    });
    expect(empty.status).to.equal(204);
  });

  it('quirk 9: create bodies with nulls, unmapped attributes and unknown schemas', async () => {
    const { client } = await scimTenant(server);
    // "Provision a user" example from the tutorial — verbatim (userName made unique), including its typo'd schema.
    const userName = `jyoung-${randomUUID()}@testuser.com`;
    const res = await client.post('/Users', {
      schemas: [
        'urn:ietf:params:scim:schemas:core:2.0:User',
        'urn:ietf:params:scim:schemas:extension:enterprise:2.0User',
      ],
      externalId: 'jyoung',
      userName,
      active: true,
      addresses: null,
      displayName: 'Joy Young',
      emails: [{ type: 'work', value: 'jyoung@Contoso.com', primary: true }],
      meta: { resourceType: 'User' },
      name: { familyName: 'Young', givenName: 'Joy' },
      phoneNumbers: null,
      preferredLanguage: null,
      title: null,
      department: null,
      manager: null,
    });
    expect(res.status).to.equal(201);
    expect(Object.keys(res.body).sort()).to.deep.equal([
      'active',
      'displayName',
      'emails',
      'externalId',
      'id',
      'meta',
      'name',
      'schemas',
      'userName',
    ]);
    expect(res.body.emails).to.deep.equal([{ value: 'jyoung@Contoso.com', type: 'work', primary: true }]);
    const group = await client.post('/Groups', {
      schemas: [
        'urn:ietf:params:scim:schemas:core:2.0:Group',
        'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group',
      ],
      externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159',
      displayName: `displayName-${randomUUID()}`,
      meta: { resourceType: 'Group' },
    });
    expect(group.status).to.equal(201);
    expect(group.body.schemas).to.deep.equal(['urn:ietf:params:scim:schemas:core:2.0:Group']);
  });

  it('quirk 10: the manager as a bare id string (and as {"value": id})', async () => {
    expect(referenceFromString('abc')).to.deep.equal({ value: 'abc' });
    expect(referenceFromString({ value: 'abc' })).to.deep.equal({ value: 'abc' });
    const { client } = await scimTenant(server);
    const manager = await user(client);
    const u = await user(client);
    // the request Entra sends for the default mapping manager → urn:…:enterprise:2.0:User:manager
    const res = await client.patch(`/Users/${u.id}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [
        { op: 'Add', path: `${enterpriseUser}:manager`, value: manager.id },
        { op: 'Add', path: `${enterpriseUser}:employeeNumber`, value: '701984' },
      ],
    });
    expect(res.status, res.text).to.equal(200);
    expect(res.body[enterpriseUser]).to.deep.include({ employeeNumber: '701984' });
    expect(res.body[enterpriseUser].manager.value).to.equal(manager.id);
    const rfc = await client.patch(`/Users/${u.id}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'replace', path: `${enterpriseUser}:manager`, value: { value: manager.id } }],
    });
    expect(rfc.status, rfc.text).to.equal(200);
    const removed = await client.patch(`/Users/${u.id}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'Remove', path: `${enterpriseUser}:manager`, value: [{ value: manager.id }] }],
    });
    expect(removed.status, removed.text).to.equal(200);
    expect(removed.body[enterpriseUser]).to.deep.equal({ employeeNumber: '701984' });
    // the create body of Microsoft's tutorial: "Manager", a bare id
    const created = await user(client, { [enterpriseUser]: { Manager: manager.id } });
    expect((created as unknown as Record<string, object>)[enterpriseUser]).to.deep.include({
      manager: { value: manager.id, $ref: `${client.base}/Users/${manager.id}` },
    });
  });
});
