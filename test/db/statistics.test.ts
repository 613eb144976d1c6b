import { expect } from 'chai';
import { MongoClient, type Db } from 'mongodb';
import type { EmbeddedDatabase } from '../../src/db/embedded/process.js';
import { startTestDatabase } from '../helpers/embedded.js';
import { until } from '../helpers/wait.js';

/**
 * After a bulk load (Entra's first provisioning cycle, a restore), the embedded PostgreSQL must gather statistics
 * within seconds: without them the planner chooses between indexes by guesswork. The bench found a page's
 * memberships (`{tenantId, userId: {$in: [100 ids]}}`) read through the (tenant, group, user) index, scanning the
 * tenant's whole index (40 ms instead of 6), for the minute autovacuum waited between rounds.
 */
/**
 * A collection whose documents have an _id and these string fields, all required. The validator makes it typed
 * (ferretdb/_patch): its fields get columns, and indexes over them.
 */
async function typedCollection<F extends string>(d: Db, name: string, fields: readonly string[]) {
  const str = { bsonType: 'string' };
  await d.createCollection(name);
  await d.command({
    collMod: name,
    validator: {
      $jsonSchema: {
        bsonType: 'object',
        required: ['_id', ...fields],
        properties: Object.fromEntries(['_id', ...fields].map((f) => [f, str])),
      },
    },
  });
  return d.collection<{ _id: string; tenantId: string } & Record<F, string>>(name);
}

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
    const c = await typedCollection<'groupId' | 'userId'>(d, 'memberships', [
      'tenantId',
      'groupId',
      'userId',
    ]);
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
    let last = '';
    await until(async () => byUser.test((last = await plan())), 30_000 - (Date.now() - loaded), 1000);
    expect(last, 'the plan 30 s after the load').to.match(byUser);
    console.log(`      (statistics used ${((Date.now() - loaded) / 1000).toFixed(0)} s after the load)`);
    expect(await c.countDocuments({ tenantId: 't1', userId: { $in: users } })).to.equal(500);
  });

  it('a count stays an index-only scan after a bulk load, its last rows included: no heap fetches within 30 s', async () => {
    const d = client.db('counts');
    const c = await typedCollection<'userNameLower'>(d, 'users', ['tenantId', 'userNameLower']);
    await c.createIndex({ tenantId: 1, userNameLower: 1 }, { unique: true, name: 'by_name' });
    const load = async (tenantId: string, from: number, n: number) => {
      for (let i = from; i < from + n; i += 1000) {
        await c.insertMany(
          Array.from({ length: Math.min(1000, from + n - i) }, (_, k) => ({
            _id: `${tenantId}-${i + k}`,
            tenantId,
            userNameLower: `user${String(i + k).padStart(6, '0')}@contoso.com`,
          })),
        );
      }
    };
    /**
     * How many rows the count of t1's users read from the table besides its index (PostgreSQL's EXPLAIN ANALYZE,
     * through explain's executionStats verbosity); undefined when the count is not an index-only scan.
     */
    let plan = '';
    const heapFetches = async (): Promise<number | undefined> => {
      const explained = await d.command({
        explain: { count: 'users', query: { tenantId: 't1' } },
        verbosity: 'executionStats',
      });
      plan = JSON.stringify(explained.queryPlanner);
      if (!/"Node Type":"Index Only Scan"/.test(plan)) return undefined;
      const fetches = [...plan.matchAll(/"Heap Fetches":(\d+)/g)];
      return fetches.length === 0 ? undefined : fetches.reduce((n, m) => n + Number(m[1]), 0);
    };
    const allVisibleWithin = async (ms: number) => {
      const started = Date.now();
      await until(async () => (await heapFetches()) === 0, ms, 1000);
      return Date.now() - started;
    };

    await load('t1', 0, 20_000);
    await load('t2', 0, 5_000);
    await allVisibleWithin(30_000);
    expect(await heapFetches(), `after the first load: ${plan.slice(0, 600)}`).to.equal(0);

    // Less than a fifth of the table more: PostgreSQL's default vacuums a table after a fifth of it is inserted,
    // and until then every count read these rows from the table (the bench's totalCount ×2.9–×5.5).
    await load('t1', 20_000, 3_000);
    const took = await allVisibleWithin(30_000);
    expect(await heapFetches(), `30 s after 3,000 more: ${plan.slice(0, 600)}`).to.equal(0);
    console.log(`      (the count was index-only again ${(took / 1000).toFixed(0)} s after the second load)`);
    expect(await c.countDocuments({ tenantId: 't1' })).to.equal(23_000);
  });
});
