import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { createContext } from '../services/context.js';
import { databaseCommands } from '../services/health.js';
import { getTenant } from '../services/tenants.js';
import { bearerToken } from './admin-token.js';

/**
 * Prometheus metrics at GET /metrics, on only when METRICS_TOKEN is set and then only with
 * `Authorization: Bearer <METRICS_TOKEN>` (the figures name tenants and show their traffic; behind a reverse proxy
 * every caller looks local, so "loopback only" would not protect them).
 *
 * - `http_requests_total{method,route,status,tenant}` and `http_request_duration_seconds{method,route,tenant}`:
 *   `route` is the route template (`/scim/v2/tenants/:tenantSlug/Users/:id`), never the raw path; `tenant` is the
 *   slug of the tenant the request authenticated as (empty when it did not), never a slug taken from the URL, so
 *   no caller can mint label values.
 * - `database_commands_total{command,collection}`: commands this process sent to the database (authentication
 *   and connection upkeep left out); divided by the requests, the database round trips a request costs.
 * - the process metrics of prom-client (CPU, memory, event loop lag, GC, handles), prefixed `directory_`.
 *
 * Metrics are per process: with several instances, Prometheus scrapes each one.
 */
interface HttpMetrics {
  registry: Registry;
  requests: Counter<'method' | 'route' | 'status' | 'tenant'>;
  duration: Histogram<'method' | 'route' | 'tenant'>;
}

let shared: HttpMetrics | undefined;

/** One registry per process, like the process metrics it carries. */
function httpMetrics(): HttpMetrics {
  if (shared) return shared;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'directory_' });
  shared = {
    registry,
    requests: new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests by method, route template, status code and authenticated tenant slug.',
      labelNames: ['method', 'route', 'status', 'tenant'],
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request latency (until the response is sent) by method, route template and tenant slug.',
      labelNames: ['method', 'route', 'tenant'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
  };
  new Counter({
    // read from the driver's tally when scraped
    name: 'database_commands_total',
    help: 'Commands this process sent to the database, by command name and collection.',
    labelNames: ['command', 'collection'],
    registers: [registry],
    collect() {
      this.reset();
      for (const { command, collection, count } of databaseCommands())
        this.inc({ command, collection }, count);
    },
  });
  return shared;
}

const tenantKey = 'metricsTenant';

/** Names the tenant this request authenticated as. Protocol mounts call it once the credential is verified. */
export function tagTenant(res: Response, tenant: { id: string; slug?: string }): void {
  res.locals[tenantKey] = tenant;
}

const slugs = new Map<string, string>();

/** The slug of a tenant id (slugs never change); read once per tenant and process. */
async function slugOf(tenant: { id: string; slug?: string }): Promise<string> {
  if (tenant.slug) return tenant.slug;
  const known = slugs.get(tenant.id);
  if (known) return known;
  const { slug } = await getTenant(createContext({ tenantId: tenant.id, source: 'system' }));
  if (slugs.size > 10_000) slugs.clear();
  slugs.set(tenant.id, slug);
  return slug;
}

const methods = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** A mount path or route base with the tenant slug replaced by its parameter. */
function templateBase(baseUrl: string): string {
  return baseUrl.replace(/\/tenants\/[^/]+/, '/tenants/:tenantSlug');
}

/** The template of a matched route: its router's base (when the route matched) and the route's own pattern. */
export function routeTemplate(baseUrl: string, pattern: unknown): string {
  const own = Array.isArray(pattern) ? pattern.join('|') : typeof pattern === 'string' ? pattern : '';
  const base = templateBase(baseUrl);
  return own === '/' && base ? base : `${base}${own}`;
}

/**
 * Records every request once its response is finished, labelled with the route template that answered: the
 * matched route's pattern under the base its router had when it matched (the router sets `req.route` then; the base
 * is restored by the time an error handler answers), else the mount that answered (Apollo, static files, an error
 * before routing), else `unmatched` — never the raw path, so 404 scans do not create a series per path.
 */
export function metricsRecorder(): RequestHandler {
  const m = httpMetrics();
  return (req: Request, res: Response, next: NextFunction) => {
    const end = m.duration.startTimer();
    let route: unknown;
    let template: string | undefined;
    Object.defineProperty(req, 'route', {
      configurable: true,
      enumerable: true,
      get: () => route,
      set: (value: { path?: unknown } | undefined) => {
        route = value;
        template = value ? routeTemplate(req.baseUrl, value.path) : undefined;
      },
    });
    res.on('finish', () => {
      const method = methods.has(req.method) ? req.method : 'OTHER';
      const labels = { method, route: template ?? (templateBase(req.baseUrl) || 'unmatched') };
      const status = String(res.statusCode);
      const tenant = res.locals[tenantKey] as { id: string; slug?: string } | undefined;
      const record = (slug: string) => {
        end({ ...labels, tenant: slug });
        m.requests.inc({ ...labels, status, tenant: slug });
      };
      if (!tenant) return record('');
      slugOf(tenant).then(record, () => record(''));
    });
    next();
  };
}

function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** GET /metrics in Prometheus' text format, for `Authorization: Bearer <token>` only. */
export function metricsEndpoint(token: string): RequestHandler {
  const m = httpMetrics();
  return async (req: Request, res: Response) => {
    const given = bearerToken(req);
    if (!given || !sameSecret(given, token)) {
      res
        .status(401)
        .setHeader('WWW-Authenticate', 'Bearer realm="metrics"')
        .json({ error: 'send the METRICS_TOKEN as Authorization: Bearer <token>' });
      return;
    }
    res.setHeader('Cache-Control', 'no-store');
    res.type(m.registry.contentType).send(await m.registry.metrics());
  };
}
