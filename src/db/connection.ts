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

/** Driver chatter that is not the application's work. */
const ignoredCommands = new Set([
  'hello',
  'isMaster',
  'ismaster',
  'ping',
  'endSessions',
  'saslContinue',
  'saslStart',
]);

/**
 * Counts the commands the driver sends from now on, by command name, for tests and benchmarks. Commands on
 * `excludeCollections` (the batched log writers, say) are left out. `log()` lists "command collection" in order.
 */
export function commandCounter(opts: { excludeCollections?: Iterable<string> } = {}): {
  total(): number;
  byName(): Record<string, number>;
  log(): string[];
  stop(): void;
} {
  const excluded = new Set(opts.excludeCollections ?? []);
  const log: string[] = [];
  const client = mongoose.connection.getClient();
  const onStart = (ev: { commandName: string; command: Record<string, unknown> }) => {
    if (ignoredCommands.has(ev.commandName)) return;
    const collection = String(ev.command[ev.commandName]);
    if (excluded.has(collection)) return;
    log.push(`${ev.commandName} ${collection}`);
  };
  client.on('commandStarted', onStart);
  const byName = () => {
    const counts: Record<string, number> = {};
    for (const entry of log) {
      const name = entry.slice(0, entry.indexOf(' '));
      counts[name] = (counts[name] ?? 0) + 1;
    }
    return counts;
  };
  return {
    total: () => log.length,
    byName,
    log: () => [...log],
    stop: () => void client.off('commandStarted', onStart),
  };
}
