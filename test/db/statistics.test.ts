import { expect } from 'chai';
import { MongoClient } from 'mongodb';
import type { EmbeddedDatabase } from '../../src/db/embedded/process.js';
import { startTestDatabase } from '../helpers/embedded.js';

/**
 * After a bulk load (Entra's first provisioning cycle, a restore), the embedded PostgreSQL must gather statistics
 * within seconds: without them the planner chooses between indexes by guesswork. The bench found a page's
 * memberships (`{tenantId, userId: {$in: [100 ids]}}`) read through the (tenant, group, user) index, scanning the
 * tenant's whole index (40 ms instead of 6), for the minute autovacuum waited between rounds.
 */
describe('embedded database: statistics after a bulk load (wire protocol)', function () {
  this.timeout(120_000);
  let db: EmbeddedDatabase;
  let client: MongoClient;

  before(async () => {
    db = await startTestDatabase();
    client = await MongoClient.connect(db.uri);
  });
  after(async () => {
    await client?.close();
    await db?.stop();
  });

  it('a membership lookup by users uses the (tenant, user) index within 30 s of loading 25,000 memberships', async () => {
    const d = client.db('stats');
    const str = { bsonType: 'string' };
    await d.createCollection('memberships');
    // a validator makes the collection typed (ferretdb/_patch): its fields get columns and indexes over them
    await d.command({
      collMod: 'memberships',
      validator: {
        $jsonSchema: {
          bsonType: 'object',
          required: ['_id', 'tenantId', 'groupId', 'userId'],
          properties: { _id: str, tenantId: str, groupId: str, userId: str },
        },
      },
    });
    const c = d.collection<{ _id: string; tenantId: string; groupId: string; userId: string }>('memberships');
    await c.createIndex({ tenantId: 1, groupId: 1, userId: 1 }, { unique: true, name: 'by_group' });
    await c.createIndex({ tenantId: 1, userId: 1, groupId: 1 }, { name: 'by_user' });
    // 5,000 users in 5 of 500 groups each, as the bench seeds them
    const userId = (u: number) => `user-${String(u).padStart(5, '0')}`;
    for (let from = 0; from < 5000; from += 1000) {
      await c.insertMany(
        Array.from({ length: 1000 * 5 }, (_, i) => {
          const u = from + Math.floor(i / 5);
          const g = `group-${String((u * 7 + (i % 5) * 13) % 500).padStart(3, '0')}`;
          return { _id: `${g}:${userId(u)}`, tenantId: 't1', groupId: g, userId: userId(u) };
        }),
      );
    }
    const loaded = Date.now();

    /** The plan reads through the (tenant, user, group) index (FerretDB names it after ours). */
    const byUser = /"Index Name":"[^"]*_by_user_[^"]*"/;
    const users = Array.from({ length: 100 }, (_, i) => userId(i * 50));
    const plan = async () =>
      JSON.stringify(
        (
          await d.command({
            explain: { find: 'memberships', filter: { tenantId: 't1', userId: { $in: users } } },
          })
        ).queryPlanner,
      );
    let last = await plan();
    while (!byUser.test(last) && Date.now() - loaded < 30_000) {
      await new Promise((r) => setTimeout(r, 1000));
      last = await plan();
    }
    expect(last, 'the plan 30 s after the load').to.match(byUser);
    console.log(`      (statistics used ${((Date.now() - loaded) / 1000).toFixed(0)} s after the load)`);
    expect(await c.countDocuments({ tenantId: 't1', userId: { $in: users } })).to.equal(500);
  });
});
