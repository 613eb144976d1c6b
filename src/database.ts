import path from 'node:path';
import type { Config } from './config.js';
import { connectDatabase, disconnectDatabase } from './db/connection.js';
import { embeddedRunning, embeddedUri, startEmbeddedDatabase } from './db/embedded/process.js';
import { projectRoot } from './paths.js';

export interface OpenDatabase {
  uri: string;
  /** 'mongodb' (MONGODB_URI), or the embedded database over its own PostgreSQL or an existing one. */
  kind: 'mongodb' | 'embedded' | 'embedded-external-postgresql';
  /** False while the embedded database is down (restarting); always true for MONGODB_URI. */
  isUp(): boolean;
  /** Settles when the embedded database is gone for good; never for MONGODB_URI or a shared one. */
  failed: Promise<Error>;
  close(): Promise<void>;
}

const never = new Promise<Error>(() => {});

/**
 * Opens the database: MONGODB_URI when set, else the embedded database in DATA_DIR (built with Go on first use),
 * over its own PostgreSQL or over EMBEDDED_POSTGRESQL_URL. With `shareRunning`, the database of a service already
 * running on the same DATA_DIR is used instead of failing on its lock (the CLI does this). Returns a close
 * function that also stops an embedded database this call started.
 */
export async function openDatabase(
  config: Pick<Config, 'MONGODB_URI' | 'DATA_DIR' | 'FERRETDB_BIN_DIR' | 'EMBEDDED_POSTGRESQL_URL'>,
  onProgress: (message: string) => void,
  opts: { shareRunning?: boolean; onEvent?: (e: { kind: string; message: string }) => void } = {},
): Promise<OpenDatabase> {
  if (config.MONGODB_URI) {
    await connectDatabase(config.MONGODB_URI, { embedded: false });
    return {
      uri: config.MONGODB_URI,
      kind: 'mongodb',
      isUp: () => true,
      failed: never,
      close: disconnectDatabase,
    };
  }
  const kind = config.EMBEDDED_POSTGRESQL_URL ? 'embedded-external-postgresql' : 'embedded';
  const dataDir = path.resolve(config.DATA_DIR);
  if (opts.shareRunning && (await embeddedRunning(dataDir))) {
    const uri = embeddedUri(dataDir);
    await connectDatabase(uri, { dbName: 'directory', embedded: true });
    return { uri, kind, isUp: () => true, failed: never, close: disconnectDatabase };
  }
  const db = await startEmbeddedDatabase({
    dataDir,
    postgresqlUrl: config.EMBEDDED_POSTGRESQL_URL,
    binDir: path.resolve(projectRoot, config.FERRETDB_BIN_DIR),
    onProgress,
    ...(opts.onEvent ? { onEvent: opts.onEvent } : {}),
  });
  try {
    await connectDatabase(db.uri, { dbName: 'directory', embedded: true });
  } catch (err) {
    await db.stop();
    throw err;
  }
  return {
    uri: db.uri,
    kind,
    isUp: db.isUp,
    failed: db.failed,
    close: async () => {
      await disconnectDatabase();
      await db.stop();
    },
  };
}
