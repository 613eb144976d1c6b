import { expect } from 'chai';
import { commandCounter } from '../../src/db/connection.js';
import { createGroup } from '../../src/services/groups.js';
import { createUser } from '../../src/services/users.js';
import { ctxFor, guid, makeTenantWithTokens } from '../helpers/factories.js';
import { ok, startServer, type Data, type TestServer } from './helpers.js';

/**
 * A user's groups come from this process's recent group reads (db/recent-reads.ts, GROUP_READ_CACHE_MS): repeated
 * pages do not read the groups again, and every change made through this service shows at the next read — over
 * SCIM (as Entra makes it) and over GraphQL.
 */
describe('GraphQL: the groups of users, read again and changed', () => {
  let server: TestServer;
  before(async () => (server = await startServer()));
  after(() => server.close());

  const groupsOfUsers = `query { users(first: 10) { nodes { userName groups { nodes { id displayName externalId updatedAt } } } } }`;

  async function setUp() {
    const t = await makeTenantWithTokens();
    const scim = ctxFor(t.tenant, 'scim');
    const anna = await createUser(scim, { userName: 'anna@contoso.com' });
    const bert = await createUser(scim, { userName: 'bert@contoso.com' });
    const sales = await createGroup(scim, { displayName: 'Sales', externalId: guid(), members: [anna.id] });
    const scimCall = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${server.url}/scim/v2/tenants/${t.tenant.slug}${path}`, {
        method,
        headers: { authorization: `Bearer ${t.scimToken}`, 'content-type': 'application/scim+json' },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      expect(res.status, await res.clone().text()).to.be.lessThan(300);
    };
    const groupsOf = async () => {
      const data: Data = await ok(server, t.adminToken, groupsOfUsers);
      return Object.fromEntries(
        data.users.nodes.map((u: Data) => [u.userName.split('@')[0], u.groups.nodes as Data[]]),
      );
    };
    return { ...t, anna, bert, sales, scimCall, groupsOf };
  }

  it('reads the groups of a page once, then from memory: one database command less', async () => {
    const s = await setUp();
    // the audit log's batched writes (of the set-up) may land meanwhile: only the request's reads count
    const reads = () => commandCounter({ excludeCollections: ['auditevents', 'provisioninglogs'] });
    const first = reads();
    await s.groupsOf(); // the token is verified (and cached); the groups are read (and kept)
    first.stop();
    expect(first.log()).to.include('find groups');
    const again = reads();
    const data = await s.groupsOf();
    again.stop();
    expect(data.anna.map((g: Data) => g.displayName)).to.deep.equal(['Sales']);
    expect(again.log()).to.deep.equal(['find users', 'find memberships']);
  });

  it('shows a rename, a new externalId, a member added and a deletion made over SCIM at the next read', async () => {
    const s = await setUp();
    expect((await s.groupsOf()).anna.map((g: Data) => g.displayName)).to.deep.equal(['Sales']);

    await s.scimCall('PATCH', `/Groups/${s.sales.id}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'replace', value: { displayName: 'Sales EMEA', externalId: 'new-object-id' } }],
    });
    const renamed = await s.groupsOf();
    expect(renamed.anna.map((g: Data) => [g.displayName, g.externalId])).to.deep.equal([
      ['Sales EMEA', 'new-object-id'],
    ]);

    await s.scimCall('PATCH', `/Groups/${s.sales.id}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'add', path: 'members', value: [{ value: s.bert.id }] }],
    });
    const added = await s.groupsOf();
    expect(added.bert.map((g: Data) => g.displayName)).to.deep.equal(['Sales EMEA']);
    // the member edit changed the group itself (updatedAt), and Anna's view of it shows that too
    expect(added.anna[0].updatedAt).to.equal(added.bert[0].updatedAt);
    expect(added.anna[0].updatedAt).not.to.equal(renamed.anna[0].updatedAt);

    await s.scimCall('DELETE', `/Groups/${s.sales.id}`);
    const deleted = await s.groupsOf();
    expect(deleted.anna).to.deep.equal([]);
    expect(deleted.bert).to.deep.equal([]);
  });

  it('shows a rename made over GraphQL at the next read', async () => {
    const s = await setUp();
    const admin = ctxFor(s.tenant, 'cli');
    const local = await createGroup(admin, { displayName: 'Book club', members: [s.anna.id] });
    const names = async () => (await s.groupsOf()).anna.map((g: Data) => g.displayName).sort();
    expect(await names()).to.deep.equal(['Book club', 'Sales']);
    await ok(
      server,
      s.adminToken,
      `mutation($id: ID!) { updateGroup(id: $id, input: { displayName: "Readers" }) { displayName } }`,
      { id: local.id },
    );
    expect(await names()).to.deep.equal(['Readers', 'Sales']);
  });
});
