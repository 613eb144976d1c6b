import { expect } from 'chai';
import { MongoClient } from 'mongodb';
import { databaseUri } from '../helpers/embedded.js';

/**
 * The embedded database refuses a request that carries a NaN (FerretDB stores none) and stores nothing of it; the
 * patch checks requests itself since the wire package's check, which also decoded every reply again, is off
 * (ferretdb/_patch, clientconn/nan.go). Through the wire protocol, as any client meets it.
 */
describe('the embedded database and NaN', function () {
  before(function () {
    if (process.env.MONGODB_URI) this.skip(); // MongoDB stores NaN: this is the embedded database's behaviour
  });

  it('refuses an insert carrying a NaN, at any depth, and stores nothing; other doubles pass', async function () {
    this.timeout(30_000);
    const client = new MongoClient(databaseUri('nan_checks'), { retryWrites: false, maxPoolSize: 2 });
    try {
      const things = client.db().collection<{ _id: string; x: unknown }>('things');
      const refused = async (doc: { _id: string; x: unknown }) =>
        things.insertOne(doc).then(
          () => false,
          () => true,
        );
      expect(await refused({ _id: 'top', x: Number.NaN })).to.equal(true);
      expect(await refused({ _id: 'deep', x: { y: [1, { z: Number.NaN }] } })).to.equal(true);
      expect(await refused({ _id: 'fine', x: { y: [1.5, -0, Number.MAX_VALUE] } })).to.equal(false);
      expect((await things.find({}).toArray()).map((d) => d._id)).to.deep.equal(['fine']);
    } finally {
      await client.close();
    }
  });
});
