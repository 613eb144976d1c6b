import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import mongoose from 'mongoose';
import { commandCounter, ensureIndexes } from '../../src/db/connection.js';
import type { EmbeddedDatabase } from '../../src/db/embedded.js';
import { startTestDatabase, type Backend } from '../helpers/embedded.js';
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

async function ok<R extends { status: number; text: string }>(res: Promise<R>): Promise<R> {
  const r = await res;
  expect(r.status, r.text).to.be.lessThan(300);
  return r;
}

describe('SCIM database commands per request', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server.close();
  });

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

type Recorded = { command: string; collection: string; filter: Record<string, unknown> };

const isText = (v: unknown) => typeof v === 'string';
/** `{$in: [strings]}` with at least one. */
const isTextIn = (v: unknown) =>
  typeof v === 'object' &&
  v !== null &&
  Object.keys(v).length === 1 &&
  Array.isArray((v as { $in?: unknown }).$in) &&
  (v as { $in: unknown[] }).$in.length > 0 &&
  (v as { $in: unknown[] }).$in.every(isText);

/**
 * The embedded database's storage answers these from an index (ferretdb/pgindexes.go keeps GIN indexes on
 * PostgreSQL; ferretdb/_patch hands `_id` and `$in` conditions down). What "selective" means per backend:
 * PostgreSQL gets every top-level equality and string `$in` beyond the tenant; SQLite every string one (`_id` by its
 * own index, other fields by the equality indexes ferretdb/_patch adds).
 */
const backends: Record<Backend, { selective: (f: Recorded) => boolean; indexed: (plan: string) => boolean }> =
  {
    PostgreSQL: {
      selective: (f: Recorded) =>
        Object.entries(f.filter).some(
          ([k, v]) =>
            k !== 'tenantId' &&
            !k.startsWith('$') &&
            (['string', 'number', 'boolean'].includes(typeof v) || isTextIn(v)),
        ),
      indexed: (plan: string) => /"Node Type":"(Bitmap )?Index (Only )?Scan"/.test(plan),
    },
    SQLite: {
      selective: (f: Recorded) =>
        Object.entries(f.filter).some(
          ([k, v]) => k !== 'tenantId' && !k.startsWith('$') && (isText(v) || isTextIn(v)),
        ),
      indexed: (plan: string) => /SEARCH \S+ USING (COVERING )?INDEX/.test(plan),
    },
  };

/**
 * Every query an Entra cycle sends that the storage can narrow must be answered through an index, not by reading
 * the table — checked with the storage's own plans (FerretDB's `explain`) on a dedicated embedded database of each
 * backend, whatever database the rest of the suite uses.
 */
describe('SCIM queries on the embedded database: read through indexes', () => {
  let recorded: Recorded[];
  before(async function () {
    this.timeout(120_000);
    const server = await startServer();
    try {
      recorded = await entraCycle(server);
    } finally {
      await server.close();
    }
  });

  /** Lookups, creates, reads, updates, member changes, the membership query and deletes, as Entra sends them. */
  async function entraCycle(server: TestServer): Promise<Recorded[]> {
    const { client } = await scimTenant(server);
    const c = client as ScimClient;
    const counter = commandCounter({ excludeCollections: batchedCollections });
    try {
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const userName = `ix${i}-${randomUUID()}@x.com`;
        await ok(c.users(`userName eq "${userName}"`));
        const created = await ok(
          c.post('/Users', {
            userName,
            externalId: `ext-${i}`,
            emails: [{ value: userName, type: 'work' }],
            phoneNumbers: [{ value: `+358 40 000000${i}`, type: 'mobile' }],
          }),
        );
        ids.push(created.body.id);
      }
      await ok(c.users(`externalId eq "ext-1"`));
      await ok(c.users(`emails[type eq "work"].value eq "IX0@X.COM"`));
      await ok(c.users('phoneNumbers[type eq "mobile"].value eq "+358 40 0000001"'));
      await ok(c.get(`/Users/${ids[0]}`));
      await ok(c.patch(`/Users/${ids[0]}`, patchOp({ op: 'Replace', path: 'active', value: 'False' })));
      const displayName = `G-${randomUUID()}`;
      await ok(c.groups(`displayName eq "${displayName}"`, '&excludedAttributes=members'));
      const g = (await ok(c.post('/Groups', { displayName }))).body.id;
      await ok(
        c.patch(
          `/Groups/${g}`,
          patchOp({ op: 'Add', path: 'members', value: ids.map((value) => ({ value })) }),
        ),
      );
      await ok(c.groups(`id eq "${g}" and members[value eq "${ids[1]}"]`, '&excludedAttributes=members'));
      // A group read with its members: the members' users in one batch read by ids.
      await ok(c.get(`/Groups/${g}`));
      await ok(c.patch(`/Groups/${g}`, patchOp({ op: 'Remove', path: `members[value eq "${ids[1]}"]` })));
      await ok(
        c.patch(`/Groups/${g}`, patchOp({ op: 'Replace', path: 'displayName', value: `${displayName}-2` })),
      );
      await ok(c.delete(`/Users/${ids[2]}`));
      await ok(c.delete(`/Groups/${g}`));
    } finally {
      counter.stop();
    }
    return counter.filters();
  }

  for (const [name, backend] of Object.entries(backends) as [Backend, (typeof backends)[Backend]][]) {
    describe(`FerretDB/${name}`, () => {
      let db: EmbeddedDatabase;
      let conn: mongoose.Connection;
      before(async function () {
        this.timeout(120_000);
        db = await startTestDatabase(name);
        conn = await mongoose.createConnection(db.uri, { dbName: 'directory_test_plans' }).asPromise();
        await conn.dropDatabase();
        await ensureIndexes(conn);
      });
      after(async () => {
        await conn?.close();
        await db?.stop();
      });

      it('answers every query of an Entra cycle it can narrow from an index', async function () {
        this.timeout(60_000);
        const selective = recorded.filter(backend.selective);
        expect(selective.length, 'queries it can narrow').to.be.greaterThan(20);
        const collections = [...new Set(selective.map((f) => f.collection))];
        expect(collections).to.include.members(['users', 'groups', 'memberships', 'userrefs']);
        // Enough rows that reading the table would cost more than an index (PostgreSQL sizes empty tables
        // differently).
        const filler = 'x'.repeat(400);
        for (const collection of collections) {
          await conn.db!.collection(collection).insertMany(
            Array.from({ length: 2000 }, (_, i) => ({
              _id: `filler-${i}`,
              tenantId: 'filler',
              filler,
            })) as never[],
          );
        }
        // PostgreSQL's GIN indexes are added by a mirror that runs every second: wait for it.
        const deadline = Date.now() + 20_000;
        let scanned = selective;
        while (Date.now() < deadline) {
          const plans = await Promise.all(
            selective.map(({ collection, filter }) =>
              conn.db!.command({ explain: { find: collection, filter }, verbosity: 'queryPlanner' }),
            ),
          );
          scanned = selective.filter((_, i) => !backend.indexed(JSON.stringify(plans[i]!.queryPlanner)));
          if (scanned.length === 0) break;
          await new Promise((r) => setTimeout(r, 500));
        }
        expect(
          scanned.map((f) => `${f.command} ${f.collection} ${JSON.stringify(f.filter)}`),
          'read the whole table',
        ).to.deep.equal([]);
      });
    });
  }
});
