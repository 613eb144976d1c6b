import { randomUUID } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import { isDatabaseReachable } from '../services/health.js';
import { homeHandler } from './home.js';
import { metricsEndpoint, metricsRecorder } from './metrics.js';
import type { RequestLimits } from './limits.js';

export interface HttpDeps {
  config: Config;
  logger: Logger;
  /** Base URL clients reach the service at (PUBLIC_URL, or the listening address). */
  publicUrl: () => string;
  /** True once shutdown has begun: /readyz answers 503 so that load balancers stop sending requests. */
  isDraining?: () => boolean;
  /** Limits shared by the mounts of one app (src/server.ts); a mount built alone (some tests) has none. */
  limits?: RequestLimits | undefined;
}

/** A mountable part of the service (SCIM, GraphQL, sign-in). `stop` runs at shutdown. */
export interface Mount {
  path: string;
  handler: express.RequestHandler | express.Router;
  /**
   * Runs before everything else of the app (request ids, logging, security headers) for requests under `path`: the
   * cheapest possible refusal of clients that are over a limit (rate-limit.ts AddressGuard).
   */
  frontDoor?: express.RequestHandler;
  stop?: () => Promise<void>;
}

/**
 * The Express application: common middleware (request ids, security headers, access log), health endpoints,
 * and the protocol mounts. Each protocol brings its own body parsing and error mapping.
 */
export function createApp(deps: HttpDeps, mounts: Mount[]): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set(
    'trust proxy',
    /^\d+$/.test(deps.config.TRUST_PROXY) ? Number(deps.config.TRUST_PROXY) : deps.config.TRUST_PROXY,
  );
  app.set('query parser', 'simple');
  for (const m of mounts) if (m.frontDoor) app.use(m.path, m.frontDoor);

  app.use((req: Request, res: Response, next: NextFunction) => {
    const incoming = req.headers['x-request-id'];
    const id = typeof incoming === 'string' && /^[\w.:-]{1,128}$/.test(incoming) ? incoming : randomUUID();
    (req as Request & { id: string }).id = id;
    res.setHeader('X-Request-Id', id);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      deps.logger.info(
        {
          reqId: id,
          method: req.method,
          path: req.originalUrl.split('?')[0],
          status: res.statusCode,
          ms: Number(process.hrtime.bigint() - started) / 1e6,
        },
        'request',
      );
    });
    next();
  });
  if (deps.config.METRICS_TOKEN) app.use(metricsRecorder());

  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: true,
        directives: { 'script-src': ["'self'"], 'connect-src': ["'self'"], 'img-src': ["'self'", 'data:'] },
      },
    }),
  );

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    if (deps.isDraining?.()) {
      res.status(503).json({ status: 'shutting down' });
      return;
    }
    const ok = await isDatabaseReachable();
    res.status(ok ? 200 : 503).json({ status: ok ? 'ready' : 'database unreachable' });
  });
  app.get('/', homeHandler(deps.publicUrl, { metrics: Boolean(deps.config.METRICS_TOKEN) }));
  if (deps.config.METRICS_TOKEN) app.get('/metrics', metricsEndpoint(deps.config.METRICS_TOKEN));

  for (const m of mounts) app.use(m.path, m.handler);

  app.use((_req, res) => {
    res.status(404).json({ error: 'not found' });
  });
  // Last resort: anything a mount did not handle itself. Never sends the error's message or stack.
  app.use((err: unknown, req: Request, res: Response, next: NextFunction) => {
    void next;
    const status =
      (err as { status?: number; statusCode?: number }).status ?? (err as { statusCode?: number }).statusCode;
    if (status && status >= 400 && status < 500) {
      res
        .status(status)
        .json({ error: (err as { expose?: boolean }).expose ? (err as Error).message : 'bad request' });
      return;
    }
    deps.logger.error({ err, reqId: (req as Request & { id?: string }).id }, 'unhandled error');
    res.status(500).json({ error: 'internal error' });
  });
  return app;
}
