import { bootstrap } from './bootstrap.js';
import { ConfigError, parseConfig } from './config.js';
import { createLogger } from './log.js';
import { nextStepHint } from './next-step.js';
import { openConfiguredDatabase } from './open-database.js';
import { listen } from './server.js';
import { maintenanceSettings, startMaintenance } from './services/maintenance.js';
import { listTenants } from './services/tenants.js';

/**
 * `npm start`: configuration, database (embedded when MONGODB_URI is unset), bootstrap, HTTP, the next step for the
 * operator; a graceful stop on SIGTERM/SIGINT. A configuration problem (including a port in use or a database that
 * cannot be reached) exits with code 2 and a message that names the variable.
 */
async function main(): Promise<void> {
  const config = parseConfig(process.env, { serve: true });
  const logger = createLogger(config.LOG_LEVEL);
  const started = Date.now();
  const db = await openConfiguredDatabase(
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
  let server: Awaited<ReturnType<typeof listen>>;
  try {
    await bootstrap(config, logger);
    server = await listen(config, logger);
  } catch (err) {
    await db.close();
    throw err;
  }
  // The repair sweep and the provisioning log's retention (services/maintenance.ts); MAINTENANCE_INTERVAL_SECONDS=0: off.
  const maintenance = startMaintenance(
    maintenanceSettings(config),
    config.MAINTENANCE_INTERVAL_SECONDS * 1000,
    logger,
  );
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
      console.error(`[directory] ${signal} again: exiting without waiting`);
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal, timeoutSeconds: config.SHUTDOWN_TIMEOUT_SECONDS }, 'shutting down');
    let code = 0;
    try {
      const maintenanceStopped = maintenance.stop(); // no new sweep; one in progress finishes
      const { forced } = await server.close();
      if (forced) logger.warn('requests still running at the shutdown timeout were cut off');
      await maintenanceStopped;
      await db.close();
      logger.info('stopped');
    } catch (err) {
      logger.error({ err }, 'shutdown failed');
      code = 1;
    } finally {
      logger.flush();
      process.exit(code);
    }
  };
  // Before announcing: a process manager may signal as soon as it reads the announcement, and a handler installed
  // right after the write is not always in place yet when the signal arrives.
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  logger.info({ url: server.url, publicUrl: server.publicUrl, startupMs: Date.now() - started }, 'listening');
  const tenants = await listTenants();
  console.error(
    `[directory] listening on ${server.url} (GraphQL and playground: ${server.publicUrl}/graphql, index: ${server.publicUrl}/)\n` +
      nextStepHint(server.publicUrl, tenants),
  );
  // The embedded database is restarted when it stops; when it keeps stopping it is gone for good, and so is the
  // service: exit non-zero for the supervisor (systemd, the container runtime) to start both again.
  void db.failed.then(async (err) => {
    logger.fatal({ err }, 'the database is gone; stopping');
    stopping = true;
    await maintenance.stop();
    await server.close().catch(() => undefined);
    logger.flush();
    process.exit(1);
  });
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    console.error(`[directory] ${err.message}`);
    process.exit(2);
  }
  console.error('[directory] failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
