import type { AddressInfo } from 'node:net';
import type { Config } from './config.js';
import type { Logger } from './log.js';
import { createApp, type HttpDeps } from './http/app.js';
import { createHttpServer } from './http/connections.js';
import { createMounts } from './http/mounts.js';
import { auditWriter, flushAudit } from './services/audit.js';
import { flushProvisioningLog, provisioningLogWriter } from './services/provisioning-log.js';

/** Builds the Express app with every mount (no database, no listening): used by main and by tests. */
export async function buildApp(config: Config, logger: Logger, publicUrl: () => string) {
  const deps: HttpDeps = { config, logger, publicUrl };
  auditWriter.onError = (err, lost) => logger.error({ err, lost }, 'audit events could not be written');
  provisioningLogWriter.onError = (err, lost) =>
    logger.error({ err, lost }, 'provisioning log could not be written');
  const mounts = await createMounts(deps);
  const app = createApp(deps, mounts);
  return {
    app,
    async stop() {
      for (const m of mounts) await m.stop?.();
      await flushAudit();
      await flushProvisioningLog();
    },
  };
}

/** Listens on config.HOST:PORT; `close` finishes in-flight requests before resolving. */
export async function listen(config: Config, logger: Logger) {
  let url = config.PUBLIC_URL ?? '';
  const built = await buildApp(config, logger, () => url);
  const server = createHttpServer(built.app, config);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.PORT, config.HOST, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const listening = `http://${host}:${addr.port}`;
  if (!config.PUBLIC_URL) url = listening;
  return {
    url: listening,
    publicUrl: url,
    server,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 10_000).unref();
      });
      await built.stop();
    },
  };
}
