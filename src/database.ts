import path from 'node:path';
import type { Config } from './config.js';
import { connectDatabase, disconnectDatabase } from './db/connection.js';
import { projectRoot, startEmbeddedDatabase } from './db/embedded.js';

/**
 * Opens the database: MONGODB_URI when set, else the embedded FerretDB over SQLite in DATA_DIR (built with Go on
 * first use). Returns a function that closes the connection and stops the embedded server.
 */
export async function openDatabase(
  config: Pick<Config, 'MONGODB_URI' | 'DATA_DIR' | 'FERRETDB_BIN_DIR'>,
  onProgress: (message: string) => void,
): Promise<{ uri: string; embedded: boolean; close: () => Promise<void> }> {
  if (config.MONGODB_URI) {
    await connectDatabase(config.MONGODB_URI);
    return { uri: config.MONGODB_URI, embedded: false, close: disconnectDatabase };
  }
  const db = await startEmbeddedDatabase({
    dataDir: path.resolve(config.DATA_DIR),
    binDir: path.resolve(projectRoot, config.FERRETDB_BIN_DIR),
    onProgress,
  });
  try {
    await connectDatabase(db.uri, 'directory');
  } catch (err) {
    await db.stop();
    throw err;
  }
  return {
    uri: db.uri,
    embedded: true,
    close: async () => {
      await disconnectDatabase();
      await db.stop();
    },
  };
}
