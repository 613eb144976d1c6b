import type { Request } from 'express';
import { createContext, type ServiceContext } from '../services/context.js';
import { ForbiddenError, NotFoundError, UnauthenticatedError } from '../domain/errors.js';
import type { User } from '../domain/types.js';
import { bearerToken, isJwtShaped } from '../http/admin-token.js';
import { requestId, type Authenticator, type Principal } from '../http/principal.js';
import { isMainUser, type AccessTarget, type SignInFacts } from '../services/access.js';
import type { SessionStore } from '../services/sessions.js';
import {
  acceptsEntraTenant,
  findTenantsAcceptingEntraTenant,
  getSsoConfiguration,
  preferredConfiguration,
} from '../services/sso.js';
import { getTenantBySlug } from '../services/tenants.js';
import { getUsersByIds, linkEntraUser } from '../services/users.js';
import type { Entra } from './entra.js';
import { entraTenantIdOf, rolesOf, scopesOf } from './entra-claims.js';
import { sessionIdFromCookie } from './session.js';
import { peekClaims, TokenRejectedError, verifyAccessToken } from './tokens.js';

/**
 * The API's Entra-based authenticators: the sign-in session cookie, and Entra access tokens from the workspace
 * app. Every request re-reads the user (no cache), so a user deactivated or deleted by SCIM is refused on the very
 * next request, whatever the session's or token's remaining lifetime.
 */

/** Header that names the directory tenant when several accept the token's Entra tenant. */
export const tenantHeader = 'x-directory-tenant';

export interface Authenticated {
  principal: Principal & { user: User };
  via: 'session' | 'access-token';
  entraTenantId: string;
  entraObjectId: string;
  /** Sessions: what the sign-in was for. */
  target?: AccessTarget | undefined;
  sessionId?: string | undefined;
}

export interface AuthenticatorDeps {
  entra: Entra;
  cookieName: string;
  secret: string;
  /** The sign-in sessions' store (read and end a session by id). */
  sessions: Pick<SessionStore, 'read' | 'end'>;
  apiAudience: string | undefined;
  /** Delegated permission ("scope") our API exposes, and the app role that may stand in for it. */
  apiScope: string;
  apiRole: string;
}

function userContext(req: Request, tenantId: string, userId: string): ServiceContext {
  return createContext({
    tenantId,
    source: 'sso',
    requestId: requestId(req),
    actor: { type: 'user', id: userId, userId, isAdmin: false },
  });
}

async function principalFor(
  ctx: ServiceContext,
  user: User,
  kind: 'session' | 'access-token',
  facts: SignInFacts,
): Promise<Principal & { user: User }> {
  // Main users (admitted to the main dashboard) administer the tenant from their signed-in session. An access
  // token from the workspace app carries a read scope: it never mutates, whoever it was issued to.
  const isAdmin = kind === 'session' && (await isMainUser(ctx, user, facts));
  return {
    tenantId: ctx.tenantId,
    kind,
    actor: { type: 'user', id: user.id, userId: user.id, isAdmin },
    user,
    tokenGroupIds: facts.tokenGroupIds ? [...facts.tokenGroupIds] : undefined,
    ssoConfigurationId: facts.ssoConfigurationId,
  };
}

export function createEntraAuthenticators(deps: AuthenticatorDeps) {
  /** The signed-in session named by the cookie. Requests that carry an Authorization header are left to it. */
  async function fromSession(req: Request): Promise<Authenticated | undefined> {
    if (req.headers.authorization) return undefined;
    const sid = sessionIdFromCookie(req.headers.cookie, deps.cookieName, deps.secret);
    if (!sid) return undefined;
    const signIn = (await deps.sessions.read(sid))?.passport?.user;
    if (!signIn) return undefined;
    const ctx = userContext(req, signIn.tenantId, signIn.userId);
    const refuse = async (message: string): Promise<never> => {
      await deps.sessions.end(sid);
      throw new UnauthenticatedError(message);
    };

    const [user] = await getUsersByIds(ctx, [signIn.userId]);
    if (!user) return refuse('the user no longer exists');
    if (!user.active) return refuse('the user is deactivated');
    // The configuration must still exist and still accept the Entra tenant (an admin may have removed it).
    const configuration = await getSsoConfiguration(ctx, signIn.ssoConfigurationId).catch((err: unknown) => {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    });
    if (!configuration || !acceptsEntraTenant(configuration, signIn.entraTenantId)) {
      return refuse('this sign-in is no longer accepted');
    }
    return {
      principal: await principalFor(ctx, user, 'session', {
        ssoConfigurationId: signIn.ssoConfigurationId,
        tokenGroupIds: signIn.tokenGroupIds,
      }),
      via: 'session',
      entraTenantId: signIn.entraTenantId,
      entraObjectId: signIn.entraObjectId,
      target: signIn.target,
      sessionId: sid,
    };
  }

  /**
   * `Authorization: Bearer <Entra access token>`. The token names an Entra tenant (`tid`), not ours: the directory
   * tenant is the one whose SSO configuration accepts it (or, when several do, the one the X-Directory-Tenant
   * header names, which must also accept it). Then: signature, issuer, audience = our API, lifetime, and the
   * `scp` scope or an app role in `roles`; then the person is linked as at sign-in.
   */
  async function fromAccessToken(req: Request): Promise<Authenticated | undefined> {
    const token = bearerToken(req);
    if (!token || !isJwtShaped(token)) return undefined;
    if (!deps.apiAudience) throw new UnauthenticatedError('this service does not accept Entra access tokens');
    try {
      const tid = entraTenantIdOf(peekClaims(token));
      if (!tid) throw new UnauthenticatedError('the access token names no Entra tenant');

      const candidates = await findTenantsAcceptingEntraTenant(tid);
      const named = req.headers[tenantHeader];
      let chosen: (typeof candidates)[number] | undefined;
      if (typeof named === 'string' && named !== '') {
        const tenant = await getTenantBySlug(named).catch(() => undefined);
        chosen = tenant && candidates.find((c) => c.tenantId === tenant.id);
      } else if (candidates.length > 1) {
        throw new UnauthenticatedError(
          'several directory tenants accept this Entra tenant: name one with the X-Directory-Tenant header',
        );
      } else {
        chosen = candidates[0];
      }
      if (!chosen) throw new UnauthenticatedError('no directory tenant accepts this Entra tenant');

      const { identity, claims } = await verifyAccessToken(deps.entra, token, tid, deps.apiAudience);
      if (claims.idtyp === 'app') {
        throw new ForbiddenError('app-only tokens are not accepted: the API acts for a signed-in person');
      }
      if (!scopesOf(claims).includes(deps.apiScope) && !rolesOf(claims).includes(deps.apiRole)) {
        throw new ForbiddenError(`the access token lacks the ${deps.apiScope} scope`);
      }

      const ctx = userContext(req, chosen.tenantId, identity.objectId);
      const user = await linkEntraUser(ctx, { objectId: identity.objectId, userNames: identity.userNames });
      if (!user) throw new UnauthenticatedError('no directory user matches this access token');
      if (!user.active) throw new UnauthenticatedError('the user is deactivated');
      const configuration = await preferredConfiguration(ctx, chosen.configurations);
      const actorCtx = userContext(req, chosen.tenantId, user.id);
      return {
        principal: await principalFor(actorCtx, user, 'access-token', {
          ssoConfigurationId: configuration?.id ?? '',
          tokenGroupIds: identity.tokenGroupIds,
        }),
        via: 'access-token',
        entraTenantId: tid,
        entraObjectId: identity.objectId,
      };
    } catch (err) {
      if (err instanceof TokenRejectedError) throw new UnauthenticatedError(err.message, err.detail);
      throw err;
    }
  }

  const sessionAuthenticator: Authenticator = async (req) => (await fromSession(req))?.principal;
  const accessTokenAuthenticator: Authenticator = async (req) => (await fromAccessToken(req))?.principal;

  /** Session first, then access token: what /auth/session reports. */
  async function authenticate(req: Request): Promise<Authenticated | undefined> {
    return (await fromSession(req)) ?? (await fromAccessToken(req));
  }

  return { sessionAuthenticator, accessTokenAuthenticator, authenticate };
}
