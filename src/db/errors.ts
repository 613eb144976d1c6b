import mongoose from 'mongoose';
import { ConflictError, InvalidInputError } from '../domain/errors.js';

/**
 * The single place where storage errors become domain errors.
 *
 * Duplicate keys: MongoDB reports code 11000 with `keyPattern`; FerretDB v1 reports 11000 on insert, but code 1
 * (no keyPattern) when an update creates the duplicate. Callers pass the index → field table of the collection
 * so the conflict names the directory field.
 */
export function mapStorageError(
  err: unknown,
  resource: string,
  uniqueFields: Record<string, string> = {},
): unknown {
  if (isDuplicateKey(err)) {
    const keyPattern = (err as { keyPattern?: Record<string, unknown> }).keyPattern;
    const message = String((err as Error).message ?? '');
    const storageField =
      Object.keys(keyPattern ?? {}).find((k) => k in uniqueFields) ??
      Object.keys(uniqueFields).find((k) => message.includes(k));
    const field = storageField ? uniqueFields[storageField]! : (Object.values(uniqueFields)[0] ?? 'id');
    return new ConflictError(resource, field);
  }
  if (err instanceof mongoose.Error.CastError) {
    return new InvalidInputError(`invalid value for ${err.path}`, err.path);
  }
  if (err instanceof mongoose.Error.ValidationError) {
    const first = Object.values(err.errors)[0];
    return new InvalidInputError(`invalid value for ${first?.path ?? 'input'}`, first?.path);
  }
  return err;
}

export function isDuplicateKey(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as { code?: number; message?: string; writeErrors?: { code?: number }[] };
  if (e.code === 11000 || e.code === 11001) return true;
  // FerretDB v1: a duplicate created by an update comes back as code 1 (InternalError) with the backend's text:
  // SQLite "UNIQUE constraint failed: index '<collection>_<hash>_tenantId_1_displayNameLower_1'", PostgreSQL
  // "duplicate key value violates unique constraint".
  if (e.code === 1 && /duplicate key|UNIQUE constraint failed/i.test(e.message ?? '')) return true;
  return false;
}
