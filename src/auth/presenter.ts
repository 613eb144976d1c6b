import type { Tenant } from '../domain/types.js';
import type { AccessDecision } from '../services/access.js';
import type { Authenticated } from './authenticators.js';

/** An access decision as GET /auth/session shows it. */
export function presentDecision(d: AccessDecision) {
  return {
    allowed: d.allowed,
    reason: d.reason,
    message: d.message,
    policy: d.policy,
    groupSource: d.groupSource,
    grantingGroupObjectId: d.grantingGroupObjectId,
  };
}

/** GET /auth/session: who is signed in, through what, and what they may enter. */
export function presentSession(
  who: Authenticated,
  tenant: Tenant,
  access: { mainDashboard: AccessDecision; workspace?: { id: string; decision: AccessDecision } | undefined },
) {
  const { principal } = who;
  const user = principal.user;
  return {
    via: who.via,
    tenant: { id: tenant.id, slug: tenant.slug },
    user: { id: user.id, userName: user.userName, displayName: user.displayName, active: user.active },
    entra: { tenantId: who.entraTenantId, objectId: who.entraObjectId },
    ssoConfigurationId: principal.ssoConfigurationId,
    isAdmin: principal.actor.isAdmin,
    signedInFor: who.target,
    access: {
      mainDashboard: presentDecision(access.mainDashboard),
      ...(access.workspace
        ? { workspace: { id: access.workspace.id, ...presentDecision(access.workspace.decision) } }
        : {}),
    },
  };
}
