import { MongoClient } from 'mongodb';
import { startTestDatabase } from '../test/helpers/embedded.js';
const db = await startTestDatabase();
const client = await MongoClient.connect(db.uri);
const d = client.db('t');
await d.createCollection('c');
await d.command({ collMod: 'c', validator: { $jsonSchema: { bsonType: 'object', required: ['_id'], properties: { _id: { bsonType: 'string' }, a: { bsonType: ['string', 'null'] }, t: { bsonType: 'string' } } } } });
await d.collection('c').createIndex({ t: 1, a: 1 });
await d.collection<any>('c').insertMany([{ _id: 'x', t: 'T', a: 'alice' }, { _id: 'y', t: 'T', a: 'bob' }, { _id: 'z', t: 'T' }]);
for (const f of [{ a: { $ne: 'alice' }, t: 'T' }, { t: 'T', a: { $gt: 'a' } }, { a: { $in: ['bob', null] } }]) {
  try { console.log(JSON.stringify(f), await d.collection('c').find(f).sort({ a: 1 }).toArray()); } catch (e) { console.log(JSON.stringify(f), 'ERR', (e as Error).message); }
}
console.log(await d.collection('c').countDocuments({ t: 'T' }));
console.log(JSON.stringify((await d.collection('c').find({ t: 'T', a: { $gt: 'a' } }).sort({ a: 1 }).limit(1).explain()).queryPlanner?.Plan ?? {}).slice(0, 400));
await client.close();
await db.stop();
