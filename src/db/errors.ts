import mongoose from 'mongoose';
import { ConflictError, InvalidInputError, TooExpensiveError, UnavailableError } from '../domain/errors.js';

/**
 * The single place where storage errors become domain errors (every storage module is wrapped by `guarded`):
 *
 * - a duplicate key is a conflict on the directory field of the unique index it broke (MongoDB names the index in
 *   `keyPattern`, the embedded database in its E11000 message's `index:`);
 * - a query that ran out of its time budget (`maxTimeMS`, MongoDB's error 50) is a request too expensive to answer;
 * - a database that cannot be reached (connection refused or closed, no server selectable) is "unavailable", which
 *   every protocol answers with 503, never as a wrong answer ("invalid token") or an internal error;
 * - the model layer's cast and validation errors name the field.
 */
export interface StorageErrorSpec {
  /** The resource, in the directory's words ("user", "group"). */
  resource: string;
  /** Storage field of a unique index → directory field ("userNameLower" → "userName"). `_id` is "id". */
  unique?: Record<string, string>;
}

export function mapStorageError(err: unknown, spec: StorageErrorSpec): unknown {
  if (isDuplicateKey(err)) return new ConflictError(spec.resource, conflictField(err, spec.unique ?? {}));
  const e = err as { code?: number; codeName?: string; name?: string; message?: string };
  if (e.code === 50 || e.codeName === 'MaxTimeMSExpired') {
    return new TooExpensiveError(
      'this query is too expensive to answer in time: narrow the filter (search terms of at least 3 characters help)',
    );
  }
  if (isUnavailable(err)) return new UnavailableError('the database is unavailable; retry shortly', err);
  if (err instanceof mongoose.Error.CastError) {
    return new InvalidInputError(`invalid value for ${err.path}`, err.path);
  }
  if (err instanceof mongoose.Error.ValidationError) {
    const first = Object.values(err.errors)[0];
    return new InvalidInputError(`invalid value for ${first?.path ?? 'input'}`, first?.path);
  }
  return err;
}

const unavailableErrors = new Set([
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoServerSelectionError',
  'MongoNotConnectedError',
  'MongoTopologyClosedError',
  'PoolClearedError',
  'PoolClearedOnNetworkError',
]);

const lostSocket = new Set(['EPIPE', 'ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'ENOENT', 'ETIMEDOUT']);

/** A driver's network error (a lost socket's code in its message), server-selection timeout or cleared pool. */
const lostDriverConnection = new RegExp(
  `\\b(?:${[...lostSocket].join('|')})\\b|^connection .* (?:closed|timed out)|Server selection timed out|` +
    'pool .* was cleared|Topology is closed',
);

const lostPostgres =
  /failed to connect to `|dial error|write failed: write unix|broken pipe|connection reset by peer|unexpected EOF|terminating connection|conn closed/;

/** The database could not be reached, or dropped the connection (driver or mongoose buffering errors). */
export function isUnavailable(err: unknown): boolean {
  const e = err as { name?: string; message?: string; code?: unknown; cause?: unknown } | undefined;
  if (!e || typeof e !== 'object') return false;
  if (unavailableErrors.has(e.name ?? '')) return true;
  // a socket error the driver passes on unwrapped (seen: `write EPIPE` from its connection's write while the
  // embedded database was being restarted)
  if (typeof e.code === 'string' && lostSocket.has(e.code)) return true;
  if (e.name === 'MongooseServerSelectionError') return true;
  if (e.name === 'MongooseError' && /buffering timed out/.test(e.message ?? '')) return true;
  // the embedded database's PostgreSQL is gone (being restarted): FerretDB answers with an internal error (code 1)
  // that carries the PostgreSQL driver's connection failure (a bulk write, insertMany, reports it as its own error)
  if (
    (e.name === 'MongoServerError' || e.name === 'MongoBulkWriteError') &&
    e.code === 1 &&
    lostPostgres.test(e.message ?? '')
  ) {
    return true;
  }
  // A bulk write (insertMany) wraps any driver error in a MongoBulkWriteError without write errors, keeping only its
  // message and fields: seen `connect ENOENT …/mongodb.sock` while the embedded database restarted.
  const bulk = err as { writeErrors?: unknown[] };
  if (e.name === 'MongoBulkWriteError' && (bulk.writeErrors ?? []).length === 0) {
    return lostDriverConnection.test(e.message ?? '');
  }
  return false;
}

export function isDuplicateKey(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as { code?: number; writeErrors?: { code?: number }[] };
  if (e.code === 11000 || e.code === 11001) return true;
  return (e.writeErrors ?? []).length > 0 && e.writeErrors!.every((w) => w.code === 11000);
}

/** The directory field a duplicate key error is about: the last key of the index after the tenant. */
function conflictField(err: unknown, unique: Record<string, string>): string {
  const e = err as {
    keyPattern?: Record<string, unknown>;
    message?: string;
    writeErrors?: { errmsg?: string }[];
  };
  const keys = e.keyPattern
    ? Object.keys(e.keyPattern)
    : indexKeys(e.message ?? e.writeErrors?.[0]?.errmsg ?? '');
  const field = keys.filter((k) => k !== 'tenantId').pop() ?? '_id';
  return unique[field] ?? (field === '_id' ? 'id' : field);
}

/** The keys of an index from an E11000 message's `index: tenantId_1_userNameLower_1` (mongoose's default names). */
function indexKeys(message: string): string[] {
  const name = /index: (\S+)/.exec(message)?.[1];
  if (!name) return [];
  if (name === '_id_') return ['_id'];
  return name.split(/_(?:-?1|text|2dsphere|hashed)(?:_|$)/).filter(Boolean);
}

type AnyFn = (...args: never[]) => Promise<unknown>;

/** Wraps every method of a storage module so that its errors leave as domain errors (mapStorageError). */
export function guarded<T extends Record<string, AnyFn>>(methods: T, spec: StorageErrorSpec): T {
  const out: Record<string, AnyFn> = {};
  for (const [name, fn] of Object.entries(methods)) {
    out[name] = async (...args: never[]) => {
      try {
        return await fn(...args);
      } catch (err) {
        throw mapStorageError(err, spec);
      }
    };
  }
  return out as T;
}
