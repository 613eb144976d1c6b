import { type ServiceContext } from '../services/context.js';
import { ForbiddenError } from '../domain/errors.js';
import type { Principal } from '../http/principal.js';
import type { Logger } from '../log.js';
import type { Loaders } from './loaders.js';

/** What every resolver receives: who is calling, the service context built from it, and per-request loaders. */
export interface GraphqlContext {
  principal: Principal;
  /** The first argument of every service call (tenant from the credential, source "graphql", request id). */
  service: ServiceContext;
  loaders: Loaders;
  /** Base URL clients reach the service at (for the SCIM Tenant URL). */
  publicUrl: () => string;
  logger: Logger;
}

/** Members read; only admins change anything. */
export function requireAdmin(ctx: GraphqlContext): void {
  if (!ctx.principal.actor.isAdmin) {
    throw new ForbiddenError('only tenant admins may change directory data and settings');
  }
}
