import { expect } from 'chai';
import { filterablePaths } from '../../src/scim/filter.js';
import { groupPatchPaths } from '../../src/scim/patch-group.js';
import { userPatchPaths } from '../../src/scim/patch-user.js';
import { allSchemas, type AttributeDef } from '../../src/scim/schema.js';
import { listSchema, scimTenant, startServer, type TestServer } from './helpers.js';

const core = {
  User: 'urn:ietf:params:scim:schemas:core:2.0:User',
  Group: 'urn:ietf:params:scim:schemas:core:2.0:Group',
};
const enterprise = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

/** Discovery (RFC 7644 §4): describes exactly what is built. */
describe('SCIM discovery', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server.close();
  });

  it('serves the ServiceProviderConfig: PATCH and filter yes (with maxResults); bulk, sort, ETag no', async () => {
    const { client, tenantUrl } = await scimTenant(server);
    const res = await client.get('/ServiceProviderConfig');
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.equal('application/scim+json; charset=utf-8');
    expect(res.body).to.deep.include({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
      patch: { supported: true },
      bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
      filter: { supported: true, maxResults: 200 },
      changePassword: { supported: false },
      sort: { supported: false },
      etag: { supported: false },
      meta: { resourceType: 'ServiceProviderConfig', location: `${tenantUrl}/ServiceProviderConfig` },
    });
    expect(res.body.authenticationSchemes).to.have.length(1);
    expect(res.body.authenticationSchemes[0]).to.include({ type: 'oauthbearertoken', primary: true });
    expect((await client.post('/Bulk', { Operations: [] })).status).to.equal(501);
  });

  it('serves the resource types, alone and in a list', async () => {
    const { client, tenantUrl } = await scimTenant(server);
    const list = await client.get('/ResourceTypes');
    expect(list.body.schemas).to.deep.equal([listSchema]);
    expect(list.body.totalResults).to.equal(2);
    const user = await client.get('/ResourceTypes/User');
    expect(user.body).to.deep.equal({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'],
      id: 'User',
      name: 'User',
      endpoint: '/Users',
      description: 'User account',
      schema: core.User,
      schemaExtensions: [{ schema: enterprise, required: false }],
      meta: { resourceType: 'ResourceType', location: `${tenantUrl}/ResourceTypes/User` },
    });
    expect((await client.get('/ResourceTypes/Group')).body).to.include({
      endpoint: '/Groups',
      schema: core.Group,
    });
    expect((await client.get('/ResourceTypes/Nope')).status).to.equal(404);
  });

  it('describes the attributes truthfully: mutability, returned, uniqueness, caseExact', async () => {
    const { client } = await scimTenant(server);
    const list = await client.get('/Schemas');
    expect(list.status).to.equal(200);
    expect(list.body.Resources.map((s: { id: string }) => s.id)).to.deep.equal([
      core.User,
      enterprise,
      core.Group,
    ]);
    const user = (await client.get(`/Schemas/${core.User}`)).body;
    const attr = (s: { attributes: AttributeDef[] }, name: string) =>
      s.attributes.find((a) => a.name === name)!;
    expect(attr(user, 'userName')).to.include({
      type: 'string',
      required: true,
      caseExact: false,
      mutability: 'readWrite',
      returned: 'default',
      uniqueness: 'server',
    });
    expect(attr(user, 'externalId')).to.include({ caseExact: true, uniqueness: 'none' });
    expect(attr(user, 'active')).to.include({ type: 'boolean' });
    expect(attr(user, 'emails')).to.include({ type: 'complex', multiValued: true });
    expect(attr(user, 'name').subAttributes!.map((a) => a.name)).to.deep.equal([
      'formatted',
      'familyName',
      'givenName',
      'middleName',
      'honorificPrefix',
      'honorificSuffix',
    ]);
    expect(user.attributes.map((a: AttributeDef) => a.name)).to.deep.equal([
      'userName',
      'name',
      'displayName',
      'nickName',
      'profileUrl',
      'title',
      'userType',
      'preferredLanguage',
      'locale',
      'timezone',
      'active',
      'emails',
      'phoneNumbers',
      'addresses',
      'externalId',
    ]);
    expect(attr(user, 'profileUrl')).to.include({ type: 'reference' });
    expect(attr(user, 'addresses').subAttributes!.map((a) => a.name)).to.deep.equal([
      'formatted',
      'streetAddress',
      'locality',
      'region',
      'postalCode',
      'country',
      'type',
      'primary',
    ]);
    const ext = (await client.get(`/Schemas/${enterprise}`)).body;
    expect(ext.attributes.map((a: AttributeDef) => a.name)).to.deep.equal([
      'employeeNumber',
      'costCenter',
      'organization',
      'division',
      'department',
      'manager',
    ]);
    const manager = attr(ext, 'manager');
    expect(manager.subAttributes!.map((a) => [a.name, a.type, a.mutability])).to.deep.equal([
      ['value', 'string', 'readWrite'],
      ['$ref', 'reference', 'readOnly'],
    ]);
    // bindings to directory fields are not part of the served schema
    expect(JSON.stringify(user)).to.not.match(/"field"|"filterable"|"computed"/);
    const group = (await client.get(`/Schemas/${core.Group}`)).body;
    expect(attr(group, 'displayName')).to.include({ required: true, uniqueness: 'server', caseExact: false });
    const members = attr(group, 'members');
    expect(members.subAttributes!.find((a) => a.name === 'value')).to.include({
      mutability: 'immutable',
      caseExact: true,
    });
    expect(members.subAttributes!.find((a) => a.name === 'display')).to.include({ mutability: 'readOnly' });
    expect((await client.get('/Schemas/urn:example:nope')).status).to.equal(404);
    // No characteristic is ever null (Entra: "If a value isn't present, don't send null values").
    expect(JSON.stringify(list.body)).to.not.include('null');
  });

  it('lists every attribute the filter and PATCH accept', () => {
    const known = new Set<string>();
    for (const s of allSchemas) {
      const prefix = s.id === core.User || s.id === core.Group ? '' : `${s.id.toLowerCase()}:`;
      if (prefix) known.add(s.id.toLowerCase());
      for (const a of s.attributes) {
        known.add(prefix + a.name.toLowerCase());
        for (const sub of a.subAttributes ?? [])
          known.add(`${prefix}${a.name.toLowerCase()}.${sub.name.toLowerCase()}`);
      }
    }
    const common = new Set(['id', 'meta.created', 'meta.lastmodified']);
    for (const path of [
      ...filterablePaths.User,
      ...filterablePaths.Group,
      ...userPatchPaths,
      ...groupPatchPaths,
    ]) {
      if (common.has(path)) continue;
      expect(known, path).to.include(path);
    }
  });
});
