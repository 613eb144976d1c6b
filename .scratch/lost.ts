// Lost updates on a given embedded database binary: 8 writers $inc one document 50 times each; 8 writers $set
// different fields of 30 documents.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { MongoClient } from 'mongodb';
import { postgresBinDir } from '../src/db/embedded/process.js';

const bin = process.argv[2]!;
const dir = mkdtempSync(path.join(tmpdir(), 'lost-'));
const child = spawn(bin, ['-data-dir', dir, '-pg-bin', postgresBinDir()], { stdio: ['pipe', 'pipe', 'ignore'] });
const uri = await new Promise<string>((r) => createInterface({ input: child.stdout }).once('line', (l) => r(JSON.parse(l).uri)));
const clients = await Promise.all(Array.from({ length: 8 }, () => MongoClient.connect(uri, { maxPoolSize: 4 })));
const cs = clients.map((c) => c.db('x').collection<{ _id: string; [k: string]: unknown }>('c'));
await cs[0]!.insertOne({ _id: 'n', n: 0 });
let acked = 0;
await Promise.all(cs.map(async (c) => { for (let i = 0; i < 50; i++) acked += (await c.updateOne({ _id: 'n' }, { $inc: { n: 1 } })).modifiedCount; }));
const n = (await cs[0]!.findOne({ _id: 'n' }))!.n;
console.log(`$inc: ${acked} acknowledged, counter ${n}: ${acked - (n as number)} lost`);
const ids = Array.from({ length: 30 }, (_, i) => `d${i}`);
await cs[0]!.insertMany(ids.map((_id) => ({ _id })));
await Promise.all(cs.map((c, w) => Promise.all(ids.map((_id) => c.updateOne({ _id }, { $set: { [`f${w}`]: w } })))));
const docs = await cs[0]!.find({ _id: { $in: ids } }).toArray();
const lost = docs.reduce((a, d) => a + [0, 1, 2, 3, 4, 5, 6, 7].filter((w) => d[`f${w}`] !== w).length, 0);
console.log(`$set: ${30 * 8} acknowledged field writes, ${lost} lost; documents with a lost field: ${docs.filter((d) => [0,1,2,3,4,5,6,7].some((w) => d[`f${w}`] !== w)).length} of 30`);
await Promise.all(clients.map((c) => c.close()));
child.kill('SIGTERM');
