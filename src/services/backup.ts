import type { Readable, Writable } from 'node:stream';
import { InvalidInputError, PreconditionFailedError } from '../domain/errors.js';
import { BackupError, clearCollections, nonEmptyCollections, readBackup, writeBackup } from '../db/backup.js';
import { forgetRecentGroups } from '../db/groups.js';
import { invalidateCredentialCache } from './credentials.js';

/**
 * Whole-database backup and restore (every tenant), for operators: `directory backup` / `directory restore`. The
 * format and what it holds are described in src/db/backup.ts.
 */
export function backupDirectory(out: Writable): Promise<Record<string, number>> {
  return writeBackup(out);
}

/**
 * Restores a backup into an empty database. With `replace`, a database that holds data is emptied first (every
 * document of the service's collections is deleted). Not atomic: after a failure, restore again with `replace`.
 */
export async function restoreDirectory(
  input: Readable,
  opts: { replace: boolean },
): Promise<Record<string, number>> {
  const holding = await nonEmptyCollections();
  if (holding.length > 0 && !opts.replace) {
    throw new PreconditionFailedError(
      `the database is not empty (${holding.join(', ')} hold documents): restore into an empty database, ` +
        'or replace what it holds',
    );
  }
  if (holding.length > 0) await clearCollections();
  try {
    return await readBackup(input);
  } catch (err) {
    if (err instanceof BackupError) throw new InvalidInputError(err.message, 'backup');
    throw err;
  } finally {
    // what this process keeps of the data it replaced: verified tokens, groups read recently
    invalidateCredentialCache();
    forgetRecentGroups();
  }
}
