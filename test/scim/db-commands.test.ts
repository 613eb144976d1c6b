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
  const counter = commandCounter({ excludeCollections: batchedCollections });
  try {
    await run();
  } finally {
    counter.stop();
  }
  return counter.log();
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
});
