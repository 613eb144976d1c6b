import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { BSON, type Db, type Document } from 'mongodb';
import mongoose from 'mongoose';
import { allModels } from './models/index.js';

/**
 * Backup and restore through the driver, so they work on any MongoDB-compatible database (MongoDB, Atlas, the
 * embedded FerretDB): every collection the models declare, one document per line in canonical Extended JSON (types
 * kept: dates, numbers, binary), after a header line:
 *
 *   {"format":"entra-directory-backup","version":1,"createdAt":…,"collections":{"tenants":3,…}}
 *   {"c":"tenants","d":{…}}
 *
 * A backup taken while the service writes is per collection, not a point-in-time snapshot across collections; for
 * a consistent one stop the service or use the database's own tools (docs/operations.md).
 *
 * The one write path that goes around the models, on purpose: a restore puts back exactly the documents a backup
 * holds, BSON types and all (canonical Extended JSON), which the models' casting would change, and a backup of
 * every collection is not one tenant's. Every other write goes through the models (src/db/<collection>.ts).
 */
export const backupFormat = 'entra-directory-backup';
const backupVersion = 1;
const batchSize = 500;

export class BackupError extends Error {}

function database(): Db {
  const db = mongoose.connection.db;
  if (!db) throw new BackupError('the database is not connected');
  return db;
}

/** The collections the models declare, in a stable order (the order they are written and restored in). */
export function declaredCollections(): string[] {
  return allModels.map((m) => m.collection.collectionName);
}

async function write(out: Writable, line: string): Promise<void> {
  if (!out.write(`${line}\n`)) await once(out, 'drain');
}

/** Writes every declared collection to `out`; returns the number of documents per collection. */
export async function writeBackup(out: Writable): Promise<Record<string, number>> {
  const db = database();
  const counts: Record<string, number> = {};
  for (const name of declaredCollections()) counts[name] = await db.collection(name).countDocuments();
  await write(
    out,
    JSON.stringify({
      format: backupFormat,
      version: backupVersion,
      createdAt: new Date().toISOString(),
      collections: counts,
    }),
  );
  for (const name of declaredCollections()) {
    let n = 0;
    for await (const doc of db.collection(name).find({}).sort({ _id: 1 })) {
      await write(out, BSON.EJSON.stringify({ c: name, d: doc }, { relaxed: false }));
      n += 1;
    }
    counts[name] = n;
  }
  return counts;
}

/** The declared collections that hold documents now. */
export async function nonEmptyCollections(): Promise<string[]> {
  const db = database();
  const found: string[] = [];
  for (const name of declaredCollections()) {
    if ((await db.collection(name).countDocuments({}, { limit: 1 })) > 0) found.push(name);
  }
  return found;
}

/** Deletes every document of the declared collections (their indexes stay). */
export async function clearCollections(): Promise<void> {
  const db = database();
  for (const name of declaredCollections()) await db.collection(name).deleteMany({});
}

/**
 * Inserts the documents of a backup read from `input`. The caller checks that the collections are empty first.
 * Returns the number of documents restored per collection.
 */
export async function readBackup(input: Readable): Promise<Record<string, number>> {
  const db = database();
  const declared = new Set(declaredCollections());
  const counts: Record<string, number> = {};
  const pending = new Map<string, Document[]>();
  const flush = async (name: string) => {
    const docs = pending.get(name);
    if (!docs?.length) return;
    await db.collection(name).insertMany(docs, { ordered: true });
    counts[name] = (counts[name] ?? 0) + docs.length;
    pending.set(name, []);
  };
  let lineNo = 0;
  let header: { format?: unknown; version?: unknown } | undefined;
  for await (const line of createInterface({ input, crlfDelay: Infinity })) {
    lineNo += 1;
    if (line.trim() === '') continue;
    if (!header) {
      try {
        header = JSON.parse(line) as typeof header;
      } catch {
        header = {};
      }
      if (header?.format !== backupFormat || header.version !== backupVersion) {
        throw new BackupError(`not a backup of this service (format ${backupFormat} v${backupVersion})`);
      }
      continue;
    }
    let entry: { c?: unknown; d?: unknown };
    try {
      entry = BSON.EJSON.parse(line, { relaxed: false }) as typeof entry;
    } catch (err) {
      throw new BackupError(`line ${lineNo}: not Extended JSON (${(err as Error).message})`);
    }
    if (typeof entry.c !== 'string' || !declared.has(entry.c) || !entry.d || typeof entry.d !== 'object') {
      throw new BackupError(`line ${lineNo}: not a document of a known collection`);
    }
    const docs = pending.get(entry.c) ?? [];
    docs.push(entry.d as Document);
    pending.set(entry.c, docs);
    if (docs.length >= batchSize) await flush(entry.c);
  }
  if (!header) throw new BackupError('the backup is empty');
  for (const name of pending.keys()) await flush(name);
  return counts;
}
