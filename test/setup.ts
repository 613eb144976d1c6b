import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mongoose from 'mongoose';
import { connectDatabase, disconnectDatabase } from '../src/db/connection.js';
import { startEmbeddedDatabase, type EmbeddedDatabase } from '../src/db/embedded.js';
import { flushAudit } from '../src/services/audit.js';
import { flushProvisioningLog } from '../src/services/provisioning-log.js';
import { testBinDir } from './helpers/embedded.js';

/**
 * Mocha root hooks: one throwaway database for the whole run. Unless MONGODB_URI is set (then the same tests run
 * against a real MongoDB), this is the embedded FerretDB over SQLite in a temporary directory, or over PostgreSQL
 * when TEST_FERRETDB_POSTGRESQL_URL is set. Tests never share state: each builds its own tenant.
 */
let embedded: EmbeddedDatabase | undefined;
let dataDir: string | undefined;

export const mochaHooks = {
  async beforeAll(this: Mocha.Context) {
    this.timeout(300_000);
    let uri = process.env.MONGODB_URI;
    if (!uri) {
      dataDir = mkdtempSync(path.join(tmpdir(), 'directory-test-'));
      embedded = await startEmbeddedDatabase({
        dataDir,
        postgresqlUrl: process.env.TEST_FERRETDB_POSTGRESQL_URL,
        binDir: testBinDir,
        onProgress: (m) => console.error(`[test database] ${m}`),
      });
      uri = embedded.uri;
    }
    if (embedded && process.env.TEST_FERRETDB_POSTGRESQL_URL) {
      // PostgreSQL outlives the run: start from an empty database (SQLite runs use a fresh temporary directory).
      await connectDatabase(uri, 'directory_test');
      await mongoose.connection.dropDatabase();
      await disconnectDatabase();
    }
    await connectDatabase(uri, process.env.MONGODB_URI ? undefined : 'directory_test');
  },
  async afterAll(this: Mocha.Context) {
    this.timeout(60_000);
    await flushAudit();
    await flushProvisioningLog();
    await disconnectDatabase();
    await embedded?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  },
};
