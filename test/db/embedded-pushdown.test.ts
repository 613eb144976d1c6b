import { expect } from 'chai';
import { MongoClient, type Collection } from 'mongodb';
import type { EmbeddedDatabase } from '../../src/db/embedded.js';
import { startTestDatabase } from '../helpers/embedded.js';

/**
 * The embedded database hands more of a filter to its storage than FerretDB v1 does (ferretdb/_patch): `_id`
 * equalities and `$in` through SQLite's `_id` index, other string equalities and `$in` tested by SQLite on the
 * stored JSON, string `$in` as containments on PostgreSQL. Only which rows are read may change, never which
 * documents match: these filters must give MongoDB's answers on both backends — scalars, arrays, other types,
 * missing fields — whether or not the storage could take them.
 */
const docs = [
  { _id: 'a', t: 'x', k: 'red', n: 1 },
  { _id: 'b', t: 'x', k: ['blue', 'red'], n: '1' },
  { _id: 'c', t: 'x', k: 'Red', n: [1, 2] },
  { _id: 'd', t: 'x', k: { v: 'red' } },
  { _id: 'e', t: 'y', k: 'red', n: true },
  { _id: 'f', t: 'x', k: [{ v: 'red' }, 'green'] },
  { _id: 'g', t: 'x' },
  { _id: 'h', t: 'x', k: null, 'odd key': 'red' },
];

const cases: [Record<string, unknown>, string[]][] = [
  [{ k: 'red' }, ['a', 'b', 'e']],
  [{ k: 'red', t: 'x' }, ['a', 'b']],
  [{ t: 'x', k: { $eq: 'red' } }, ['a', 'b']],
  [{ k: { $in: ['red', 'blue'] } }, ['a', 'b', 'e']],
  [{ k: { $in: ['Red'] }, t: 'x' }, ['c']],
  [{ k: 'green' }, ['f']],
  [{ k: { $in: [] } }, []],
  [{ k: { $in: ['red', null] } }, ['a', 'b', 'e', 'g', 'h']],
  [{ n: '1' }, ['b']],
  [{ n: 1 }, ['a', 'c']],
  [{ n: { $in: ['1', 2] } }, ['b', 'c']],
  [{ _id: 'b', t: 'x' }, ['b']],
  [{ _id: 'e', t: 'x' }, []],
  [{ t: 'x', _id: { $in: ['a', 'c', 'e', 'zz'] } }, ['a', 'c']],
  [{ _id: { $in: [] } }, []],
  [{ _id: { $in: ['a', 'b'] }, k: 'red' }, ['a', 'b']],
  [{ 'odd key': 'red' }, ['h']],
  [{ 'k.v': 'red' }, ['d', 'f']],
  [{ k: 'red', $or: [{ t: 'y' }, { n: 1 }] }, ['a', 'e']],
];

for (const backend of ['SQLite', 'PostgreSQL'] as const) {
  describe(`embedded database filters on FerretDB/${backend}`, () => {
    let db: EmbeddedDatabase;
    let client: MongoClient;
    let col: Collection;
    before(async function () {
      this.timeout(120_000);
      db = await startTestDatabase(backend);
      client = await MongoClient.connect(db.uri);
      await client.db('directory_test_pushdown').dropDatabase();
      col = client.db('directory_test_pushdown').collection('c');
      await col.createIndex({ t: 1, k: 1 });
      await col.insertMany(docs as never[]);
    });
    after(async () => {
      await client?.db('directory_test_pushdown').dropDatabase();
      await client?.close();
      await db?.stop();
    });

    it("answers MongoDB's matches for equalities, $in and _id, whatever the storage narrows", async () => {
      for (const [filter, want] of cases) {
        const got = (await col.find(filter).toArray()).map((d) => String(d._id)).sort();
        expect(got, JSON.stringify(filter)).to.deep.equal(want);
      }
    });

    it('updates and deletes by _id with other conditions as MongoDB does', async () => {
      expect((await col.updateOne({ _id: 'a' as never, t: 'y' }, { $set: { u: 1 } })).matchedCount).to.equal(
        0,
      );
      expect((await col.updateOne({ _id: 'a' as never, t: 'x' }, { $set: { u: 1 } })).modifiedCount).to.equal(
        1,
      );
      expect((await col.deleteMany({ _id: { $in: ['b', 'e'] } as never, t: 'x' })).deletedCount).to.equal(1);
      const left = (await col.find({}).toArray()).map((d) => String(d._id)).sort();
      expect(left).to.deep.equal(['a', 'c', 'd', 'e', 'f', 'g', 'h']);
      expect((await col.findOne({ _id: 'a' as never }))?.u).to.equal(1);
    });
  });
}
