import { configError, type Config } from './config.js';
import { openDatabase } from './database.js';
import { checkMongoHosts, hostsOf } from './db/reachable.js';
import { setGroupReadCacheAge } from './db/groups.js';

/**
 * `openDatabase` with errors that name MONGODB_URI: when none of the connection string's hosts accepts a connection
 * it fails at once with the host and the reason (instead of the driver's topology dump after its 10-second server
 * selection), and any other failure to open it says where it tried. The credentials in the string are never shown.
 * Used by the service and by the `directory` command.
 */
export async function openConfiguredDatabase(
  config: Config,
  onProgress: (message: string) => void,
  opts: Parameters<typeof openDatabase>[2] = {},
): ReturnType<typeof openDatabase> {
  setGroupReadCacheAge(config.GROUP_READ_CACHE_MS);
  const uri = config.MONGODB_URI;
  if (uri) {
    const check = await checkMongoHosts(uri);
    if (!check.ok) {
      throw configError(
        'MONGODB_URI',
        `cannot reach the database:\n    ${check.failures.join('\n    ')}\n` +
          '  Check the host and port in MONGODB_URI, that the server is running, and that this machine may ' +
          'connect to it (or unset MONGODB_URI to use the embedded database).',
      );
    }
  }
  try {
    return await openDatabase(config, onProgress, opts);
  } catch (err) {
    if (!uri) throw err;
    const where = hostsOf(uri)
      .hosts.map((h) => `${h.host}:${h.port}`)
      .join(',');
    throw configError(
      'MONGODB_URI',
      `could not open the database at ${where}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}
