import { connectDatabase, disconnectDatabase } from '../src/db/connection.js';
import { flushAudit } from '../src/services/audit.js';
import { flushProvisioningLog } from '../src/services/provisioning-log.js';
import type { EmbeddedDatabase } from '../src/db/embedded/process.js';
import { setSuiteDatabaseUri, startTestDatabase } from './helpers/embedded.js';

/**
 * Mocha root hooks: one throwaway database for the whole run. Unless MONGODB_URI is set (then the same tests run
 * against a real MongoDB), this is the embedded database (FerretDB over its own PostgreSQL) in a temporary
 * directory. Tests never share state: each builds its own tenant.
 */
let embedded: EmbeddedDatabase | undefined;

export const mochaHooks = {
  async beforeAll(this: Mocha.Context) {
    this.timeout(300_000);
    let uri = process.env.MONGODB_URI;
    if (!uri) {
      embedded = await startTestDatabase();
      uri = embedded.uri;
      setSuiteDatabaseUri(uri);
    }
    await connectDatabase(uri, {
      ...(process.env.MONGODB_URI ? {} : { dbName: 'directory_test' }),
      embedded: embedded !== undefined,
    });
  },
  async afterAll(this: Mocha.Context) {
    this.timeout(60_000);
    await flushAudit();
    await flushProvisioningLog();
    await disconnectDatabase();
    await embedded?.stop();
    // mocha exits by itself once everything is closed (no `exit: true`); TEST_OPEN_HANDLES=1 names what is
    // still open if a run ever hangs after its last test
    if (process.env.TEST_OPEN_HANDLES) {
      setTimeout(() => console.error('still open:', process.getActiveResourcesInfo()), 2000).unref();
    }
  },
};
