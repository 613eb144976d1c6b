import mongoose from 'mongoose';
import { allModels } from './models.js';

/**
 * The one database connection. `monitorCommands` lets tests and benchmarks count the commands each operation
 * sends (see commandCounter).
 */
export async function connectDatabase(uri: string, dbName?: string): Promise<void> {
  mongoose.set('strictQuery', true);
  // Indexes are created explicitly below, once, so start-up fails loudly if one cannot be built.
  mongoose.set('autoIndex', false);
  mongoose.set('autoCreate', false);
  await mongoose.connect(uri, {
    ...(dbName ? { dbName } : {}),
    monitorCommands: true,
    serverSelectionTimeoutMS: 10_000,
    maxPoolSize: 50,
  });
  await ensureIndexes();
}

export async function ensureIndexes(): Promise<void> {
  for (const model of allModels) {
    await model.createCollection().catch((err: { codeName?: string; code?: number }) => {
      if (err.codeName !== 'NamespaceExists' && err.code !== 48) throw err;
    });
    await model.createIndexes();
  }
}

export async function disconnectDatabase(): Promise<void> {
  await mongoose.disconnect();
}

/** True when the database answers a ping. */
export async function pingDatabase(timeoutMs = 2000): Promise<boolean> {
  const db = mongoose.connection.db;
  if (!db || mongoose.connection.readyState !== 1) return false;
  try {
    await Promise.race([
      db.command({ ping: 1 }),
      new Promise((_, reject) => setTimeout(() => reject(new Error('ping timeout')), timeoutMs)),
    ]);
    return true;
  } catch {
    return false;
  }
}

/** Counts the commands the driver sends from now on, by command name. For tests and benchmarks. */
export function commandCounter(): { total(): number; byName(): Record<string, number>; stop(): void } {
  const counts: Record<string, number> = {};
  const client = mongoose.connection.getClient();
  const ignored = new Set([
    'hello',
    'isMaster',
    'ismaster',
    'ping',
    'endSessions',
    'saslContinue',
    'saslStart',
  ]);
  const onStart = (ev: { commandName: string }) => {
    if (ignored.has(ev.commandName)) return;
    counts[ev.commandName] = (counts[ev.commandName] ?? 0) + 1;
  };
  client.on('commandStarted', onStart);
  return {
    total: () => Object.values(counts).reduce((a, b) => a + b, 0),
    byName: () => ({ ...counts }),
    stop: () => void client.off('commandStarted', onStart),
  };
}
