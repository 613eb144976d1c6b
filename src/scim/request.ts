import type { Request, Response } from 'express';
import { type ServiceContext } from '../services/context.js';
import type { ProvisioningLogEntry } from '../domain/types.js';
import { invalidValue } from './errors.js';
import { parseProjection, type Projection } from './projection.js';
import { scimContentType, type ResourceKind } from './urns.js';

/** What one SCIM request knows about itself, kept in res.locals: who, where, and what to log. */
export interface ScimRequestState {
  ctx?: ServiceContext;
  /** The tenant's SCIM base URL: {PUBLIC_URL}/scim/v2/tenants/{slug}. */
  base?: string;
  /** Tenant of a refused request (SCIM disabled), for its provisioning log. */
  refusedTenantId?: string;
  log: {
    operation: string;
    resourceType: ProvisioningLogEntry['resourceType'];
    resourceId?: string | undefined;
    userId?: string | undefined;
    groupId?: string | undefined;
  };
  errorDetail?: string;
}

export function state(res: Response): ScimRequestState {
  const locals = res.locals as { scim?: ScimRequestState };
  locals.scim ??= { log: { operation: 'Other', resourceType: 'Other' } };
  return locals.scim;
}

/** The authenticated request's context and base URL (set by the authentication middleware). */
export function scope(res: Response): { ctx: ServiceContext; base: string } {
  const s = state(res);
  if (!s.ctx || s.base === undefined) throw new Error('SCIM route reached without authentication');
  return { ctx: s.ctx, base: s.base };
}

/** Names the operation for the provisioning log. */
export function tag(
  res: Response,
  operation: string,
  resourceType: ProvisioningLogEntry['resourceType'],
  ids: { resourceId?: string | undefined; userId?: string | undefined; groupId?: string | undefined } = {},
): void {
  Object.assign(state(res).log, { operation, resourceType }, ids);
}

export function send(res: Response, status: number, body?: unknown): void {
  res.status(status);
  if (body === undefined) {
    res.end();
    return;
  }
  res.setHeader('Content-Type', scimContentType);
  res.send(JSON.stringify(body));
}

/**
 * The response projection a request asks for (`attributes`, `excludedAttributes`). Routes that write read it before
 * their service call: a request refused for its query string has changed nothing (issue 12, item 5).
 */
export function projectionOf(req: Request, kind: ResourceKind): Projection {
  const q = queryParams(req);
  return parseProjection(q.get('attributes'), q.get('excludedattributes'), kind);
}

/** Query parameters by lower-case name (RFC 7644 parameter names are matched case-insensitively here). */
export function queryParams(req: Request): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(req.query as Record<string, unknown>)) {
    if (Array.isArray(v)) throw invalidValue(`the query parameter ${k} is given more than once`);
    if (typeof v === 'string') out.set(k.toLowerCase(), v);
  }
  return out;
}
