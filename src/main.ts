import { bootstrap } from './bootstrap.js';
import { ConfigError, parseConfig } from './config.js';
import { openDatabase } from './database.js';
import { createLogger } from './log.js';
import { listen } from './server.js';

/** `npm start`: configuration, database (embedded when MONGODB_URI is unset), bootstrap, HTTP; graceful stop. */
async function main(): Promise<void> {
  let config;
  try {
    config = parseConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger(config.LOG_LEVEL);
  const started = Date.now();
  const db = await openDatabase(
    config,
    (message) => {
      console.error(`[directory] ${message}`);
      logger.info(message);
    },
    {
      onEvent: ({ kind, message }) =>
        kind === 'restarted' ? logger.warn(message) : logger.error({ event: kind }, message),
    },
  );
  logger.info(
    { database: db.kind, dataDir: db.kind === 'mongodb' ? undefined : config.DATA_DIR },
    'database connected',
  );
  await bootstrap(config, logger);
  const server = await listen(config, logger);
  logger.info({ url: server.url, publicUrl: server.publicUrl, startupMs: Date.now() - started }, 'listening');
  console.error(
    `[directory] listening on ${server.url} (SCIM: ${server.publicUrl}/scim/v2/tenants/<tenant>, GraphQL: ${server.publicUrl}/graphql)`,
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    try {
      await server.close();
      await db.close();
    } finally {
      logger.flush();
      process.exit(0);
    }
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  // The embedded database is restarted when it stops; when it keeps stopping it is gone for good, and so is the
  // service: exit non-zero for the supervisor (systemd, the container runtime) to start both again.
  void db.failed.then(async (err) => {
    logger.fatal({ err }, 'the database is gone; stopping');
    stopping = true;
    await server.close().catch(() => {});
    logger.flush();
    process.exit(1);
  });
}

main().catch((err: unknown) => {
  console.error('[directory] failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
