import { randomUUID } from 'node:crypto';
import { systemActor, type Actor, type Source } from '../domain/context.js';
import { createTenantStorage, type TenantStorage } from '../db/storage.js';

/**
 * The first argument of every service call: which tenant, who, from where, the request id for logs, and the
 * tenant's storage — composed once per request here, so no service builds storage itself.
 */
export interface ServiceContext {
  tenantId: string;
  actor: Actor;
  source: Source;
  requestId: string;
  db: TenantStorage;
}

/** The single factory for contexts: HTTP edges, the CLI, scripts and tests all build contexts here. */
export function createContext(args: {
  tenantId: string;
  actor?: Actor | undefined;
  source: Source;
  requestId?: string | undefined;
}): ServiceContext {
  return {
    tenantId: args.tenantId,
    actor: args.actor ?? systemActor,
    source: args.source,
    requestId: args.requestId ?? randomUUID(),
    db: createTenantStorage(args.tenantId),
  };
}
