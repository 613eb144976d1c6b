import { expect } from 'chai';
import { commandCounter } from '../../src/db/connection.js';
import { randomUUID } from 'node:crypto';
import { patchOp, scimTenant, startServer, type ScimClient, type TestServer } from './helpers.js';

/**
 * Database commands per SCIM request stay constant in the tenant's size (the benchmark measures the same at 10,000
 * users): user create ≤ 2, get or filter = 1, a member PATCH of any size ≤ 3. Batched audit and provisioning-log
 * writes are not per request and are left out here.
 */
const batchedCollections = ['auditevents', 'provisioninglogs'];

async function commandsOf(run: () => Promise<unknown>): Promise<string[]> {
  return (await recorded(run)).log();
}

async function recorded(run: () => Promise<unknown>) {
  const counter = commandCounter({ excludeCollections: batchedCollections });
  try {
    await run();
  } finally {
    counter.stop();
  }
  return counter;
}

/**
 * The shape of each query a request sent: "collection: k1 k2 …" for a filter made only of top-level equalities
 * (what FerretDB pushes down to its storage and MongoDB answers from an index), "collection: other" otherwise.
 */
async function queryShapes(run: () => Promise<unknown>): Promise<string[]> {
  return (await recorded(run)).filters().map(({ collection, filter }) => {
    const keys = Object.keys(filter);
    const scalar = keys.every(
      (k) => !k.startsWith('$') && ['string', 'number', 'boolean'].includes(typeof filter[k]),
    );
    return `${collection}: ${scalar ? keys.sort().join(' ') : 'other'}`;
  });
}

describe('SCIM database commands per request', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server.close();
  });

  async function ok(res: Promise<{ status: number; text: string }>) {
    const r = await res;
    expect(r.status, r.text).to.be.lessThan(300);
    return r;
  }

  it('stays within the targets whatever the size of the group or the change', async () => {
    const { client } = await scimTenant(server);
    const ids: string[] = [];
    for (let i = 0; i < 25; i++) ids.push((await client.post('/Users', { userName: `c${i}@x.com` })).body.id);
    const c = client as ScimClient;

    const userName = `new-${randomUUID()}@x.com`;
    expect(await commandsOf(() => ok(c.users(`userName eq "${userName}"`)))).to.have.length(1);
    const create = await commandsOf(() =>
      ok(c.post('/Users', { userName, emails: [{ value: userName, type: 'work' }] })),
    );
    expect(create).to.have.length.at.most(2);
    const id = (await c.users(`userName eq "${userName}"`)).body.Resources[0].id;
    expect(await commandsOf(() => ok(c.get(`/Users/${id}`)))).to.have.length(1);
    expect(await commandsOf(() => ok(c.users(`externalId eq "${randomUUID()}"`)))).to.have.length(1);
    expect(
      await commandsOf(() => ok(c.users(`emails[type eq "work"].value eq "${userName}"`))),
    ).to.have.length(1);
    expect(
      await commandsOf(() =>
        ok(c.patch(`/Users/${id}`, patchOp({ op: 'Replace', path: 'active', value: 'False' }))),
      ),
    ).to.have.length(2);

    const g = (await c.post('/Groups', { displayName: `G-${randomUUID()}` })).body.id;
    expect(
      await commandsOf(() => ok(c.groups(`displayName eq "${randomUUID()}"`, '&excludedAttributes=members'))),
    ).to.have.length(1);
    expect(await commandsOf(() => ok(c.get(`/Groups/${g}?excludedAttributes=members`)))).to.have.length(1);
    for (const batch of [ids.slice(0, 1), ids.slice(1, 25)]) {
      const add = await commandsOf(() =>
        ok(
          c.patch(
            `/Groups/${g}`,
            patchOp({ op: 'Add', path: 'members', value: batch.map((value) => ({ value })) }),
          ),
        ),
      );
      expect(add, `add ${batch.length}`).to.have.length.at.most(3);
    }
    const remove = await commandsOf(() =>
      ok(
        c.patch(
          `/Groups/${g}`,
          patchOp({ op: 'Remove', path: 'members', value: ids.slice(0, 10).map((value) => ({ value })) }),
        ),
      ),
    );
    expect(remove).to.have.length.at.most(3);
    const membership = await commandsOf(() =>
      ok(c.groups(`id eq "${g}" and members[value eq "${ids[20]}"]`, '&excludedAttributes=members')),
    );
    expect(membership).to.have.length.at.most(2);
  });

  it("answers Entra's lookups with top-level equalities, and by a lone _id where there is one", async () => {
    const { client } = await scimTenant(server);
    const c = client as ScimClient;
    const userName = `Shape-${randomUUID()}@X.com`;
    const created = await c.post('/Users', {
      userName,
      emails: [{ value: userName, type: 'work' }],
      phoneNumbers: [{ value: '+358 40 1234567', type: 'mobile' }],
    });
    expect(created.status, created.text).to.equal(201);
    const id: string = created.body.id;
    const g = (await c.post('/Groups', { displayName: `G-${randomUUID()}`, members: [{ value: id }] })).body
      .id;

    expect(await queryShapes(() => ok(c.get(`/Users/${id}`)))).to.deep.equal(['users: _id']);
    expect(await queryShapes(() => ok(c.get(`/Groups/${g}?excludedAttributes=members`)))).to.deep.equal([
      'groups: _id',
    ]);
    expect(await queryShapes(() => ok(c.users(`userName eq "${userName.toLowerCase()}"`)))).to.deep.equal([
      'users: tenantId userNameLower',
    ]);
    // The selective equality comes before the tenant (FerretDB/PostgreSQL tests them in order, row by row).
    const lookup = await recorded(() => ok(c.users(`userName eq "${userName}"`)));
    expect(Object.keys(lookup.filters()[0]!.filter)).to.deep.equal(['userNameLower', 'tenantId']);
    // Value paths on emails and phone numbers become an equality on the stored lower-case copies of the values.
    const byEmail = await c.users(`emails[type eq "work"].value eq "${userName.toUpperCase()}"`);
    expect(byEmail.body.Resources.map((r: { id: string }) => r.id)).to.deep.equal([id]);
    expect(
      await queryShapes(() => ok(c.users(`emails[type eq "work"].value eq "${userName.toUpperCase()}"`))),
    ).to.deep.equal(['users: emailsLower tenantId']);
    expect(
      await queryShapes(() => ok(c.users('phoneNumbers[type eq "mobile"].value eq "+358 40 1234567"'))),
    ).to.deep.equal(['users: phoneNumbersLower tenantId']);
    // The entry's other conditions still hold: the work address is not a home address.
    expect((await c.users(`emails[type eq "home"].value eq "${userName}"`)).body.totalResults).to.equal(0);
    expect(
      await queryShapes(() =>
        ok(c.groups(`id eq "${g}" and members[value eq "${id}"]`, '&excludedAttributes=members')),
      ),
    ).to.deep.equal(['memberships: _id', 'groups: _id']);
    // Adding members checks them by their user references, each a lone _id; the users are not read.
    const others = await Promise.all(
      [1, 2, 3].map(
        async (i) => (await c.post('/Users', { userName: `m${i}-${randomUUID()}@x.com` })).body.id,
      ),
    );
    const addShapes = await queryShapes(() =>
      ok(
        c.patch(
          `/Groups/${g}`,
          patchOp({ op: 'Add', path: 'members', value: others.map((value) => ({ value })) }),
        ),
      ),
    );
    expect(addShapes.filter((x) => x.startsWith('userrefs'))).to.deep.equal(
      others.map(() => 'userrefs: _id'),
    );
    expect(addShapes.filter((x) => x.startsWith('users'))).to.deep.equal([]);
    // Removing members narrows to the group's memberships by equality before matching the ids.
    const remove = await recorded(() =>
      ok(c.patch(`/Groups/${g}`, patchOp({ op: 'Remove', path: 'members', value: [{ value: id }] }))),
    );
    const deletes = remove.filters().filter((f) => f.command === 'delete');
    expect(deletes).to.have.length(1);
    expect(deletes[0]!.filter).to.include({ groupId: g });
  });
});
