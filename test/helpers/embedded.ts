import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { projectRoot, startEmbeddedDatabase, type EmbeddedDatabase } from '../../src/db/embedded.js';

/** Where tests build and find the embedded database binary. */
export const testBinDir = path.join(projectRoot, '.cache/ferretdb');

/** The PostgreSQL server the PostgreSQL-backed tests use: TEST_FERRETDB_POSTGRESQL_URL, else the local one. */
export const testPostgresqlUrl =
  process.env.TEST_FERRETDB_POSTGRESQL_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export type Backend = 'SQLite' | 'PostgreSQL';

/**
 * A throwaway embedded database of its own on one backend, besides the suite's: SQLite in a temporary directory
 * (removed by stop), or PostgreSQL at testPostgresqlUrl.
 */
export async function startTestDatabase(backend: Backend): Promise<EmbeddedDatabase> {
  if (backend === 'PostgreSQL')
    return startEmbeddedDatabase({ postgresqlUrl: testPostgresqlUrl, binDir: testBinDir });
  const dataDir = mkdtempSync(path.join(tmpdir(), 'directory-test-db-'));
  const db = await startEmbeddedDatabase({ dataDir, binDir: testBinDir });
  return {
    ...db,
    stop: async () => {
      await db.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
