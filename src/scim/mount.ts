import express, { type NextFunction, type Request, type Response } from 'express';
import { createContext } from '../services/context.js';
import { FeatureDisabledError, UnauthenticatedError } from '../domain/errors.js';
import type { HttpDeps, Mount } from '../http/app.js';
import { bearerToken } from '../http/admin-token.js';
import { strictUtf8 } from '../http/body.js';
import { requestId } from '../http/principal.js';
import { tagTenant } from '../http/metrics.js';
import { scimMountPath, scimTenantUrl } from '../http/urls.js';
import { RateLimiter } from '../http/rate-limit.js';
import { authenticateScim } from '../services/credentials.js';
import { recordProvisioning } from '../services/provisioning-log.js';
import { requestLine } from './request-line.js';
import { findUnfitText, textProblem } from '../services/validate.js';
import { invalidFilter, invalidSyntax, invalidValue, ScimError, toScimError } from './errors.js';
import { queryParams, scope, send, state } from './request.js';
import { discoveryRouter } from './routes/discovery.js';
import { groupsRouter } from './routes/groups.js';
import { usersRouter } from './routes/users.js';

/**
 * SCIM 2.0: {PUBLIC_URL}/scim/v2/tenants/{tenantSlug}/… — the facade Microsoft Entra ID provisions into.
 *
 * Per request: provisioning log → bearer token of THAT tenant (401) and SCIM enabled (403) → per-tenant rate limit
 * (429) → JSON body (application/scim+json or application/json, any charset parameter; size limit → 413) → route
 * → one service call → presenter. Every error leaves through errors.ts.
 */
export function createScimMount(deps: HttpDeps): Mount {
  const { config, logger } = deps;
  const maxPageSize = config.SCIM_MAX_PAGE_SIZE;
  const limiter = new RateLimiter(
    config.SCIM_RATE_LIMIT_PER_SECOND,
    config.SCIM_RATE_LIMIT_PER_SECOND * 2,
    'too many requests for this tenant',
  );
  const parseJson = express.json({
    limit: config.BODY_LIMIT,
    strict: true,
    type: acceptsAsJson,
    verify: strictUtf8,
  });

  const tenant = express.Router({ mergeParams: true });
  tenant.use(provisioningLog);
  tenant.use(async (req: Request<{ tenantSlug: string }>, res: Response, next: NextFunction) => {
    const s = state(res);
    try {
      const { tenant: t, credential } = await authenticateScim(bearerToken(req), req.params.tenantSlug);
      s.ctx = createContext({
        tenantId: t.id,
        actor: { type: 'scim', id: credential.id, isAdmin: false },
        source: 'scim',
        requestId: requestId(req),
      });
      s.base = scimTenantUrl(deps.publicUrl(), t.slug);
      tagTenant(res, t);
    } catch (err) {
      if (err instanceof UnauthenticatedError) deps.limits?.unauthenticated.fail(req);
      const refused = err instanceof FeatureDisabledError ? (err.detail as { tenantId?: string }) : undefined;
      if (refused?.tenantId) s.refusedTenantId = refused.tenantId;
      throw err;
    }
    next();
  });
  tenant.use((_req: Request, res: Response, next: NextFunction) => {
    limiter.take(scope(res).ctx.tenantId);
    next();
  });
  tenant.use((req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'POST' && req.method !== 'PUT' && req.method !== 'PATCH') return next();
    const type = req.headers['content-type'];
    if (type !== undefined && !isJsonMediaType(type)) {
      throw new ScimError(415, undefined, 'send the body as application/scim+json or application/json');
    }
    parseJson(req, res, (err?: unknown) => {
      if (err) return next(err);
      if (req.body === undefined) return next(invalidSyntax('a JSON body is required'));
      next();
    });
  });
  tenant.use(checkRequest);
  tenant.use(discoveryRouter(maxPageSize));
  tenant.use('/Users', usersRouter(maxPageSize));
  tenant.use('/Groups', groupsRouter(maxPageSize));
  tenant.all(['/Bulk', '/Me'], () => {
    throw new ScimError(501, undefined, 'not implemented (see /ServiceProviderConfig)');
  });

  const router = express.Router();
  router.use('/tenants/:tenantSlug', tenant);
  router.use((req: Request, res: Response) => {
    const known = /^\/tenants\/[^/]+\/(Users|Groups)(\/[^/]+)?\/?$/i.test(req.path);
    send(res, known ? 405 : 404, toScimError(new ScimError(known ? 405 : 404, undefined, 'not found')).body);
  });
  router.use((err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    const e = toScimError(err);
    if (e.unexpected) logger.error({ err, reqId: requestId(req) }, 'SCIM request failed');
    state(res).errorDetail = e.body.detail;
    for (const [k, v] of Object.entries(e.headers)) res.setHeader(k, v);
    send(res, e.status, e.body);
  });

  // An address that keeps failing authentication is refused before anything else runs (app.ts, front doors).
  const frontDoor = deps.limits?.unauthenticated.frontDoor((err, _req, res) => {
    const e = toScimError(err);
    for (const [k, v] of Object.entries(e.headers)) res.setHeader(k, v);
    send(res, e.status, e.body);
  });
  return { path: scimMountPath, handler: router, ...(frontDoor ? { frontDoor } : {}) };
}

/**
 * What can be checked of the whole request is checked before any route runs, so a refused request has changed
 * nothing (issue 12, items 5 and 8): no query parameter given twice (400 invalidValue), and every string must be fit
 * to store (services/validate.ts textProblem: no U+0000, no lone surrogate; nothing Entra sent is rewritten). A path
 * segment that holds such a string names no resource (404); a query value or body attribute is 400 invalidValue
 * naming it (invalidFilter for a filter). Path segments are decoded as Express will hand them to the routes.
 */
function checkRequest(req: Request, _res: Response, next: NextFunction): void {
  queryParams(req);
  for (const segment of req.path.split('/')) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      continue; // Express answers a malformed escape itself (errors.ts: 404)
    }
    if (textProblem(decoded)) throw new ScimError(404, undefined, 'resource not found');
  }
  const found =
    findUnfitText(req.query, '') ?? (req.body === undefined ? undefined : findUnfitText(req.body, ''));
  if (found) {
    const detail = `${attributeOf(req.body, found.path)} ${found.problem}`;
    throw found.path.toLowerCase() === 'filter' ? invalidFilter(detail) : invalidValue(detail);
  }
  next();
}

/** Names what a PATCH operation's value sets by the operation's path: `Operations[0].value` → `displayName`. */
function attributeOf(body: unknown, path: string): string {
  const m = /^operations\[(\d+)\]\.value(.*)$/i.exec(path);
  const ops = m && body && typeof body === 'object' ? valueOf(body, 'operations') : undefined;
  const op = Array.isArray(ops) ? (ops[Number(m![1])] as unknown) : undefined;
  if (!m || !op || typeof op !== 'object') return path;
  const opPath = valueOf(op, 'path');
  return typeof opPath === 'string' && opPath !== '' ? `${opPath}${m[2]}` : m[2]!.replace(/^\./, '');
}

function valueOf(o: object, lowerKey: string): unknown {
  return Object.entries(o).find(([k]) => k.toLowerCase() === lowerKey)?.[1];
}

/** Records each tenant's request in its provisioning log when the response is finished. */
function provisioningLog(req: Request, res: Response, next: NextFunction): void {
  const started = performance.now();
  const path = requestLine(req.url);
  res.on('finish', () => {
    const s = state(res);
    const tenantId = s.ctx?.tenantId ?? s.refusedTenantId;
    if (!tenantId) return;
    const ctx = s.ctx ?? createContext({ tenantId, source: 'scim', requestId: requestId(req) });
    const failed = res.statusCode >= 400;
    recordProvisioning(ctx, {
      at: new Date(),
      method: req.method,
      path,
      operation: s.log.operation,
      resourceType: s.log.resourceType,
      resourceId: s.log.resourceId,
      userId: s.log.userId,
      groupId: s.log.groupId,
      status: res.statusCode,
      outcome: failed ? 'FAILURE' : 'SUCCESS',
      error: failed ? (s.errorDetail ?? `HTTP ${res.statusCode}`) : undefined,
      durationMs: Math.round((performance.now() - started) * 10) / 10,
    });
  });
  next();
}

/** application/json, application/scim+json (any parameters, e.g. charset). */
function isJsonMediaType(header: string): boolean {
  const type = header.split(';')[0]!.trim().toLowerCase();
  return type === 'application/json' || type === 'application/scim+json';
}

/** Body-parser's test: JSON media types, and bodies sent without a Content-Type at all. */
function acceptsAsJson(req: { headers: Record<string, string | string[] | undefined> }): boolean {
  const type = req.headers['content-type'];
  return typeof type !== 'string' || isJsonMediaType(type);
}
