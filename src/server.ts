import type { AddressInfo } from 'node:net';
import { configError, type Config } from './config.js';
import type { Logger } from './log.js';
import { createApp, type HttpDeps, type Mount } from './http/app.js';
import { closeGracefully, createHttpServer } from './http/connections.js';
import { createRequestLimits } from './http/limits.js';
import { createAuthMount } from './auth/mount.js';
import { createGraphqlMount } from './graphql/mount.js';
import { createScimMount } from './scim/mount.js';
import { auditWriter, flushAudit } from './services/audit.js';
import { flushProvisioningLog, provisioningLogWriter } from './services/provisioning-log.js';

/**
 * The protocol faces of the service, in mount order, wired here (above src/http, which knows no protocol). They
 * share one set of request limits.
 */
export async function createMounts(base: HttpDeps): Promise<Mount[]> {
  const deps = { ...base, limits: base.limits ?? createRequestLimits(base.config) };
  const auth = await createAuthMount(deps);
  return [createScimMount(deps), auth.mount, await createGraphqlMount(deps, auth.authenticators)];
}

/** Builds the Express app with every mount (no database, no listening): used by main and by tests. */
export async function buildApp(
  config: Config,
  logger: Logger,
  publicUrl: () => string,
  isDraining?: () => boolean,
) {
  const deps: HttpDeps = { config, logger, publicUrl, ...(isDraining ? { isDraining } : {}) };
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

/** Turns a listen failure into a message that names the variable to change. */
export function listenError(err: unknown, config: Pick<Config, 'HOST' | 'PORT'>): unknown {
  const code = (err as { code?: string }).code;
  const where = `${config.HOST}:${config.PORT}`;
  if (code === 'EADDRINUSE')
    return configError(
      'PORT',
      `${config.PORT} is already in use on ${config.HOST} (another instance of the service?). ` +
        `Stop that process, or choose another port: PORT=${config.PORT + 1} (PORT=0 picks a free one).`,
    );
  if (code === 'EACCES')
    return configError(
      'PORT',
      `not allowed to listen on ${where} (ports below 1024 need privileges): use a port such as 4000 and a ` +
        'reverse proxy in front.',
    );
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return configError(
      'HOST',
      `${config.HOST} is not an address of this machine (${code}): use 127.0.0.1, 0.0.0.0 or one of its own addresses.`,
    );
  return err;
}

/**
 * Listens on config.HOST:PORT. `close` is the graceful stop: no new connections, /readyz answers 503, idle
 * keep-alive connections close, requests in flight get SHUTDOWN_TIMEOUT_SECONDS to finish (then their
 * connections are closed), then the mounts stop and the batched logs are flushed.
 */
export async function listen(config: Config, logger: Logger) {
  let url = config.PUBLIC_URL ?? '';
  let draining = false;
  const built = await buildApp(
    config,
    logger,
    () => url,
    () => draining,
  );
  const server = createHttpServer(built.app, config);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.PORT, config.HOST, () => resolve());
    });
  } catch (err) {
    await built.stop();
    throw listenError(err, config);
  }
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const listening = `http://${host}:${addr.port}`;
  if (!config.PUBLIC_URL) url = listening;
  return {
    url: listening,
    publicUrl: url,
    server,
    /** Resolves once stopped; `forced` tells whether connections had to be cut at the timeout. */
    async close(): Promise<{ forced: boolean }> {
      draining = true;
      const { forced } = await closeGracefully(server, config.SHUTDOWN_TIMEOUT_SECONDS * 1000);
      await built.stop();
      return { forced };
    },
  };
}
