import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startEmbeddedDatabase, type EmbeddedDatabase } from '../../src/db/embedded/process.js';
import { projectRoot } from '../../src/paths.js';

/** Where tests build and find the embedded database binary. */
export const testBinDir = path.join(projectRoot, '.cache/ferretdb');

/**
 * A throwaway embedded database of its own (PostgreSQL cluster and FerretDB in a temporary directory, removed by
 * stop), besides the suite's. With `postgresqlUrl`, over that existing PostgreSQL database instead.
 */
export async function startTestDatabase(opts: { postgresqlUrl?: string } = {}): Promise<EmbeddedDatabase> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'directory-test-db-'));
  const db = await startEmbeddedDatabase({
    dataDir,
    binDir: testBinDir,
    postgresqlUrl: opts.postgresqlUrl,
    // a test database that stops says why: the tests then fail on closed connections
    onEvent: ({ message }) => console.error(`[test database] ${message}`),
  });
  return {
    ...db,
    stop: async () => {
      await db.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

let suiteUri: string | undefined;

/** A connection string for database `name` on the suite's server (its embedded database, or MONGODB_URI's). */
export function databaseUri(name: string): string {
  const base = process.env.MONGODB_URI ?? suiteUri;
  if (!base) throw new Error('the suite has no database yet');
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.href;
}

export function setSuiteDatabaseUri(uri: string): void {
  suiteUri = uri;
}
