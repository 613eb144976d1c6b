import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from './config.js';
import { connectDatabase, disconnectDatabase } from './db/connection.js';
import { projectRoot, startEmbeddedDatabase } from './db/embedded.js';

/** Where a running service announces its embedded database, so the CLI can use the same one. */
function announcementFile(dataDir: string): string {
  return path.join(dataDir, 'embedded-database.json');
}

function runningEmbedded(dataDir: string): string | undefined {
  const file = announcementFile(dataDir);
  if (!existsSync(file)) return undefined;
  try {
    const { uri, pid } = JSON.parse(readFileSync(file, 'utf8')) as { uri: string; pid: number };
    process.kill(pid, 0); // throws when that process is gone
    return uri;
  } catch {
    return undefined;
  }
}

/**
 * Opens the database: MONGODB_URI when set, else the embedded FerretDB (built with Go on first use) over SQLite in
 * DATA_DIR, or over PostgreSQL when EMBEDDED_POSTGRESQL_URL is set. With `shareRunning`, a database already started
 * by a running service on the same DATA_DIR is used instead of starting a second server on the same files (the CLI
 * does this). Returns a close function that also stops an embedded server this call started.
 */
export async function openDatabase(
  config: Pick<Config, 'MONGODB_URI' | 'DATA_DIR' | 'FERRETDB_BIN_DIR' | 'EMBEDDED_POSTGRESQL_URL'>,
  onProgress: (message: string) => void,
  opts: { shareRunning?: boolean; announce?: boolean } = {},
): Promise<{ uri: string; embedded: boolean; close: () => Promise<void> }> {
  if (config.MONGODB_URI) {
    await connectDatabase(config.MONGODB_URI);
    return { uri: config.MONGODB_URI, embedded: false, close: disconnectDatabase };
  }
  const dataDir = path.resolve(config.DATA_DIR);
  const shared = opts.shareRunning ? runningEmbedded(dataDir) : undefined;
  if (shared) {
    await connectDatabase(shared, 'directory');
    return { uri: shared, embedded: true, close: disconnectDatabase };
  }
  const db = await startEmbeddedDatabase({
    dataDir,
    postgresqlUrl: config.EMBEDDED_POSTGRESQL_URL,
    binDir: path.resolve(projectRoot, config.FERRETDB_BIN_DIR),
    onProgress,
  });
  try {
    await connectDatabase(db.uri, 'directory');
  } catch (err) {
    await db.stop();
    throw err;
  }
  if (opts.announce) {
    // Over PostgreSQL the embedded database keeps no files, so nothing has created DATA_DIR yet.
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    writeFileSync(announcementFile(dataDir), JSON.stringify({ uri: db.uri, pid: process.pid }));
  }
  return {
    uri: db.uri,
    embedded: true,
    close: async () => {
      if (opts.announce) rmSync(announcementFile(dataDir), { force: true });
      await disconnectDatabase();
      await db.stop();
    },
  };
}
