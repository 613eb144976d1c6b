import { expect } from 'chai';
import path from 'node:path';
import { MongoClient, type Collection, type Db, type Document } from 'mongodb';
import type { EmbeddedDatabase } from '../../src/db/embedded/process.js';
import { startTestDatabase } from '../helpers/embedded.js';

/**
 * Concurrent writers of the same documents, through the wire protocol, from many clients (each its own connection
 * pool) of the embedded database: every acknowledged write must stay, as on MongoDB. FerretDB v1 applies an update
 * by reading the document and writing it back; ferretdb/_patch makes that write a compare-and-set (re-read and
 * re-applied on a conflict). Without it, these lose writes in most trials.
 */
/** Documents of these tests: string ids, any fields. */
type Doc = Document & { _id: string };

const writers = 8;
const validator = {
  $jsonSchema: {
    bsonType: 'object',
    required: ['_id'],
    properties: { _id: { bsonType: 'string' }, state: { bsonType: ['string', 'null'] } },
  },
};

describe('embedded database: concurrent writers of the same documents (wire protocol)', function () {
  this.timeout(180_000);
  let db: EmbeddedDatabase;
  let second: EmbeddedDatabase;
  let clients: MongoClient[];
  let name = 0;

  before(async () => {
    db = await startTestDatabase();
    clients = await Promise.all(
      Array.from({ length: writers }, () => MongoClient.connect(db.uri, { maxPoolSize: 4 })),
    );
  });
  after(async () => {
    await Promise.all((clients ?? []).map((c) => c.close()));
    await second?.stop();
    await db?.stop();
  });

  const dbs = (): Db[] => clients.map((c) => c.db('concurrency'));

  /** A fresh collection (with the typed validator or without), as each writer sees it. */
  async function collection(typed: boolean): Promise<Collection<Doc>[]> {
    const n = `c${name++}`;
    const d = dbs()[0]!;
    await d.createCollection(n);
    if (typed) await d.command({ collMod: n, validator });
    return dbs().map((x) => x.collection<Doc>(n));
  }

  for (const typed of [false, true]) {
    describe(typed ? 'collection with a validator' : 'collection without a validator', () => {
      it('$set of different fields by different writers: every field lands', async () => {
        const cs = await collection(typed);
        const ids = Array.from({ length: 30 }, (_, i) => `d${i}`);
        await cs[0]!.insertMany(ids.map((_id) => ({ _id })));
        await Promise.all(
          cs.map((c, w) => Promise.all(ids.map((_id) => c.updateOne({ _id }, { $set: { [`f${w}`]: w } })))),
        );
        const docs = await cs[0]!.find({}).toArray();
        const lost = docs.flatMap((d) =>
          cs
            .map((_, w) => w)
            .filter((w) => d[`f${w}`] !== w)
            .map((w) => `${d._id}.f${w}`),
        );
        expect(lost, 'fields lost').to.deep.equal([]);
      });

      it('$inc from every writer: no increment is lost', async () => {
        const cs = await collection(typed);
        await cs[0]!.insertOne({ _id: 'counter', n: 0 });
        const each = 50;
        const results = await Promise.all(
          cs.map(async (c) => {
            let acknowledged = 0;
            for (let i = 0; i < each; i++) {
              acknowledged += (await c.updateOne({ _id: 'counter' }, { $inc: { n: 1 } })).modifiedCount;
            }
            return acknowledged;
          }),
        );
        expect(results.reduce((a, b) => a + b)).to.equal(writers * each);
        expect((await cs[0]!.findOne({ _id: 'counter' }))!.n).to.equal(writers * each);
      });

      it('replaceOne conditioned on a version is a compare-and-set', async () => {
        const cs = await collection(typed);
        await cs[0]!.insertOne({ _id: 'v', version: 0, log: [] });
        const won = await Promise.all(
          cs.map(async (c, w) => {
            let wins = 0;
            for (let i = 0; i < 25; i++) {
              const cur = (await c.findOne({ _id: 'v' }))!;
              const res = await c.replaceOne(
                { _id: 'v', version: cur.version },
                { version: (cur.version as number) + 1, log: [...(cur.log as number[]), w] },
              );
              wins += res.matchedCount;
            }
            return wins;
          }),
        );
        const total = won.reduce((a, b) => a + b);
        const final = (await cs[0]!.findOne({ _id: 'v' }))!;
        expect(final.version, 'version = successful replaces').to.equal(total);
        expect((final.log as number[]).length, 'every successful replace kept').to.equal(total);
        for (let w = 0; w < writers; w++) {
          expect((final.log as number[]).filter((x) => x === w).length, `writer ${w}`).to.equal(won[w]);
        }
      });

      it('findOneAndUpdate hands out every number once', async () => {
        const cs = await collection(typed);
        await cs[0]!.insertOne({ _id: 'seq', n: 0 });
        const taken = (
          await Promise.all(
            cs.map(async (c) => {
              const mine: number[] = [];
              for (let i = 0; i < 25; i++) {
                const d = await c.findOneAndUpdate(
                  { _id: 'seq' },
                  { $inc: { n: 1 } },
                  { returnDocument: 'after' },
                );
                mine.push(d!.n as number);
              }
              return mine;
            }),
          )
        ).flat();
        expect(new Set(taken).size).to.equal(writers * 25);
        expect(Math.max(...taken)).to.equal(writers * 25);
      });

      it('a delete conditioned on a value never removes a document an update changed meanwhile', async () => {
        const cs = await collection(typed);
        const ids = Array.from({ length: 200 }, (_, i) => `x${i}`);
        await cs[0]!.insertMany(ids.map((_id) => ({ _id, state: 'a' })));
        const outcomes = await Promise.all(
          ids.map(async (_id, i) => {
            const [del, upd] = await Promise.all([
              cs[i % writers]!.deleteOne({ _id, state: 'a' }),
              cs[(i + 1) % writers]!.updateOne({ _id }, { $set: { state: 'b' } }),
            ]);
            return { _id, deleted: del.deletedCount, updated: upd.modifiedCount };
          }),
        );
        const remaining = new Map((await cs[0]!.find({}).toArray()).map((d) => [d._id, d.state]));
        for (const o of outcomes) {
          // exactly one of them happened to each document
          expect(o.deleted + o.updated, o._id).to.equal(1);
          expect(remaining.get(o._id), o._id).to.equal(o.updated === 1 ? 'b' : undefined);
        }
      });
    });
  }

  it('serializes writers of two FerretDB processes over one PostgreSQL', async () => {
    const cs = await collection(true);
    await cs[0]!.insertOne({ _id: 'shared', n: 0 });
    const socketDir = path.dirname(decodeURIComponent(new URL(db.uri).host));
    second = await startTestDatabase({
      postgresqlUrl: `postgres://ferretdb@/ferretdb?host=${encodeURIComponent(socketDir)}`,
    });
    const other = await MongoClient.connect(second.uri, { maxPoolSize: 4 });
    try {
      const theirs = other.db('concurrency').collection<Doc>(cs[0]!.collectionName);
      const all = [...cs.slice(0, writers / 2), ...Array.from({ length: writers / 2 }, () => theirs)];
      await Promise.all(
        all.map(async (c) => {
          for (let i = 0; i < 40; i++) await c.updateOne({ _id: 'shared' }, { $inc: { n: 1 } });
        }),
      );
      expect((await cs[0]!.findOne({ _id: 'shared' }))!.n).to.equal(writers * 40);
    } finally {
      await other.close();
    }
  });
});
