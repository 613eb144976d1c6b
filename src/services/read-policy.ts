import type { ServiceContext } from '../domain/context.js';
import { ForbiddenError } from '../domain/errors.js';

/**
 * Least privilege for reads (issue 12, item 10): the one place that says what a principal may read. Services call
 * it; protocols only present what the services return.
 *
 * - Tenant admins (an admin token, a signed-in main user), the CLI and the system read everything of their tenant;
 *   so does SCIM (Entra's provisioning token), for what SCIM serves.
 * - Everyone else — an ordinary signed-in employee, or the workspace app with an employee's Entra access token —
 *   reads only what is listed in `memberReadable`.
 */
export type ReadArea =
  /** Token metadata (ids, labels, dates). */
  | 'tokens'
  /** What Entra did through SCIM. */
  | 'provisioningLog'
  /** SSO configurations, access policies, SCIM settings. */
  | 'settings';

const memberReadable: ReadonlySet<ReadArea> = new Set([]);

/** True for principals that may read everything of their tenant. */
export function readsEverything(ctx: ServiceContext): boolean {
  return ctx.actor.isAdmin || ctx.actor.type === 'scim';
}

export function assertMayRead(ctx: ServiceContext, area: ReadArea): void {
  if (readsEverything(ctx) || memberReadable.has(area)) return;
  throw new ForbiddenError(`only tenant admins may read ${areaNames[area]}`);
}

const areaNames: Record<ReadArea, string> = {
  tokens: 'token metadata',
  provisioningLog: 'the provisioning log',
  settings: 'settings',
};
