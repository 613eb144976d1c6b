import mongoose from 'mongoose';
import { installDriverHooks, onDriverCommand } from './driver.js';
import { allModels } from './models/index.js';
import { searchFieldsOf, validatorOf } from './validator.js';

/**
 * The one database connection. The driver hooks (driver.ts) let /metrics, tests and benchmarks count the commands
 * each operation sends (see commandCounter). `embedded` says the database is the embedded one, which also gets the
 * substring search indexes models declare (MongoDB has no such index; there a search reads the tenant's index keys).
 */
export async function connectDatabase(
  uri: string,
  opts: { dbName?: string; embedded: boolean },
): Promise<void> {
  installDriverHooks();
  mongoose.set('strictQuery', true);
  // Indexes are created explicitly below, once, so start-up fails loudly if one cannot be built.
  mongoose.set('autoIndex', false);
  mongoose.set('autoCreate', false);
  await mongoose.connect(uri, {
    ...(opts.dbName ? { dbName: opts.dbName } : {}),
    serverSelectionTimeoutMS: 10_000,
    // The driver finds a restarted server by its next heartbeat; the default (10 s) made a request that came during
    // an embedded database's restart wait up to its 10 s server-selection timeout. A heartbeat over the local
    // socket costs a `hello` a second.
    ...(opts.embedded ? { heartbeatFrequencyMS: 1000 } : {}),
    maxPoolSize: 50,
  });
  countCommands();
  await ensureSchema(opts.embedded);
}

/** How many commands of one name the process sent to one collection. */
export interface CommandTotal {
  command: string;
  collection: string;
  count: number;
}

/** Commands sent since the process started, by "command collection" (what /metrics reports). */
const commandTotals = new Map<string, CommandTotal>();
let counting = false;

/**
 * A command's name and collection ('' for commands on the database), or undefined for connection upkeep and
 * authentication, which no count includes. A getMore names its collection in `collection` (its own field holds the
 * cursor id).
 */
function commandTarget(name: string, command: Doc): { command: string; collection: string } | undefined {
  if (ignoredCommands.has(name)) return undefined;
  const target = name === 'getMore' ? command.collection : command[name];
  return { command: name, collection: typeof target === 'string' ? target : '' };
}

/** Counts every command the driver sends into commandTotals, once per process. */
function countCommands(): void {
  if (counting) return;
  counting = true;
  onDriverCommand((name, command) => {
    const target = commandTarget(name, command);
    if (!target) return;
    const key = `${target.command} ${target.collection}`;
    const entry = commandTotals.get(key);
    if (entry) entry.count++;
    else commandTotals.set(key, { ...target, count: 1 });
  });
}

/** The commands sent to the database since the process started, by command name and collection. */
export function databaseCommandTotals(): CommandTotal[] {
  return [...commandTotals.values()].map((e) => ({ ...e }));
}

/**
 * Creates every collection the models declare with its validator (validator.ts) and indexes, on the one
 * connection or on `conn`. A MongoDB user without the collMod privilege keeps collections without validators
 * (logged by the caller through `onWarning`); the embedded database needs them.
 */
export async function ensureSchema(
  embedded: boolean,
  conn?: mongoose.Connection,
  onWarning: (message: string) => void = () => {},
): Promise<void> {
  const models = conn
    ? allModels.map((m) => conn.model(m.modelName, m.schema, m.collection.collectionName))
    : allModels;
  for (const model of models) {
    await model.createCollection().catch((err: { codeName?: string; code?: number }) => {
      if (err.codeName !== 'NamespaceExists' && err.code !== 48) throw err;
    });
    const db = model.db.db!;
    const name = model.collection.collectionName;
    await db
      .command({ collMod: name, validator: validatorOf(model.schema) })
      .catch((err: { code?: number }) => {
        if (embedded || err.code !== 13) throw err;
        onWarning(`no validator on ${name}: the database user may not run collMod`);
      });
    await model.createIndexes();
    const fields = searchFieldsOf(model.schema);
    if (embedded && fields.length > 0) {
      const definition = {
        mappings: { dynamic: false, fields: Object.fromEntries(fields.map((f) => [f, { type: 'string' }])) },
      };
      await db.command({ createSearchIndexes: name, indexes: [{ name: 'substring', definition }] });
    }
  }
}

export async function disconnectDatabase(): Promise<void> {
  await mongoose.disconnect();
}

/**
 * True when the database answers a read of its storage. (Not `ping`: the embedded database answers a ping while the
 * PostgreSQL under it is gone.)
 */
export async function pingDatabase(timeoutMs = 2000): Promise<boolean> {
  const db = mongoose.connection.db;
  if (!db || mongoose.connection.readyState !== 1) return false;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      db.collection('tenants').findOne({}, { projection: { _id: 1 } }),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('ping timeout')), timeoutMs))),
    ]);
    return true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
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
 * `excludeCollections` (the batched log writers, say) are left out. `log()` lists "command collection" in order;
 * `filters()` the query documents those commands carried (find, count, delete and update statements,
 * findAndModify, an aggregation's first $match), to check their shape.
 */
export function commandCounter(opts: { excludeCollections?: Iterable<string> } = {}): {
  total(): number;
  byName(): Record<string, number>;
  log(): string[];
  filters(): RecordedQuery[];
  stop(): void;
} {
  const excluded = new Set(opts.excludeCollections ?? []);
  const log: string[] = [];
  const filters: RecordedQuery[] = [];
  const stop = onDriverCommand((name, command) => {
    const target = commandTarget(name, command);
    if (!target || excluded.has(target.collection)) return;
    const { collection } = target;
    log.push(`${name} ${collection}`);
    for (const filter of queryDocuments(name, command)) {
      const { sort, limit, skip, projection } = command as {
        sort?: Doc | Map<string, unknown>;
        limit?: number;
        skip?: number;
        projection?: Doc | Map<string, unknown>;
      };
      filters.push({
        command: name,
        collection,
        filter,
        ...(name === 'find' ? { sort: plain(sort), limit, skip, projection: plain(projection) } : {}),
      });
    }
  });
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
    filters: () => [...filters],
    stop,
  };
}

type Doc = Record<string, unknown>;

/** A command's document as a plain object (the driver may hold sort and projection as Maps). */
function plain(d: Doc | Map<string, unknown> | undefined): Doc | undefined {
  return d instanceof Map ? Object.fromEntries(d) : d;
}

/** A query a command carried: its filter, and for finds their sort, limit and skip. */
export interface RecordedQuery {
  command: string;
  collection: string;
  filter: Doc;
  sort?: Doc | undefined;
  limit?: number | undefined;
  skip?: number | undefined;
  /** A find's projection (undefined: whole documents). */
  projection?: Doc | undefined;
}

function queryDocuments(name: string, command: Doc): Doc[] {
  const statements = (key: string, field: string) =>
    ((command[key] as Doc[] | undefined) ?? []).map((st) => st[field] as Doc);
  switch (name) {
    case 'find':
      return [(command.filter as Doc | undefined) ?? {}];
    case 'count':
    case 'findAndModify':
      return [(command.query as Doc | undefined) ?? {}];
    case 'delete':
      return statements('deletes', 'q');
    case 'update':
      return statements('updates', 'q');
    case 'aggregate': {
      const first = (command.pipeline as Doc[] | undefined)?.[0];
      return first && '$match' in first ? [first.$match as Doc] : [];
    }
    default:
      return [];
  }
}
