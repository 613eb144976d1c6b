import type { Request } from 'express';
import { createContext } from '../services/context.js';
import { NotFoundError } from '../domain/errors.js';
import { requestId } from '../http/principal.js';
import { decideAccess } from '../services/access.js';
import { acceptsEntraTenant, getSsoConfiguration } from '../services/sso.js';
import { linkEntraUser } from '../services/users.js';
import type { PendingSignIn, SessionSignIn } from './session.js';
import type { SignInRefusal } from './strategy.js';
import type { EntraIdentity } from './tokens.js';

/**
 * After Entra vouched for a person (verified ID token): the configuration must accept their Entra tenant, they
 * must be a directory user, and the access decision for what they signed in to must grant entry. The result is
 * what the session keeps.
 */
export async function completeSignIn(
  identity: EntraIdentity,
  pending: PendingSignIn,
  req: Request,
): Promise<SessionSignIn | SignInRefusal> {
  const ctx = createContext({
    tenantId: pending.tenantId,
    source: 'sso',
    requestId: requestId(req),
    actor: { type: 'user', id: identity.objectId, isAdmin: false },
  });
  const configuration = await getSsoConfiguration(ctx, pending.ssoConfigurationId).catch((err: unknown) => {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  });
  if (!configuration) {
    return {
      code: 'SSO_CONFIGURATION_REMOVED',
      message: 'this SSO configuration no longer exists',
      status: 403,
    };
  }
  if (!acceptsEntraTenant(configuration, identity.entraTenantId)) {
    return {
      code: 'ENTRA_TENANT_NOT_ALLOWED',
      message: 'accounts of your Microsoft Entra tenant may not sign in here',
      status: 403,
    };
  }
  const user = await linkEntraUser(ctx, { objectId: identity.objectId, userNames: identity.userNames });
  if (!user) {
    return {
      code: 'NOT_PROVISIONED',
      message: 'your account has not been provisioned to this directory; ask your administrator',
      status: 403,
    };
  }
  const decision = await decideAccess(ctx, user, pending.target, {
    ssoConfigurationId: configuration.id,
    tokenGroupIds: identity.tokenGroupIds,
  });
  if (!decision.allowed) return { code: decision.reason, message: decision.message, status: 403 };
  return {
    tenantId: pending.tenantId,
    userId: user.id,
    entraTenantId: identity.entraTenantId,
    entraObjectId: identity.objectId,
    ssoConfigurationId: configuration.id,
    tokenGroupIds: identity.tokenGroupIds,
    target: pending.target,
    signedInAt: new Date().toISOString(),
  };
}
