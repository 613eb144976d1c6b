import type { Request } from 'express';
import { type Actor, type Source } from '../domain/context.js';
import { createContext, type ServiceContext } from '../services/context.js';
import type { User } from '../domain/types.js';

/** Who is calling, as established by one of the authenticators. The tenant always comes from the credential. */
export interface Principal {
  tenantId: string;
  kind: 'admin-token' | 'session' | 'access-token';
  actor: Actor;
  /** The directory user behind a session or an Entra access token. */
  user?: User | undefined;
  /** Entra group object IDs from the token, when it carried them (not on overage). */
  tokenGroupIds?: string[] | undefined;
  ssoConfigurationId?: string | undefined;
}

/** An authenticator returns a principal, undefined when the request carries none of its credentials, or throws. */
export type Authenticator = (req: Request) => Promise<Principal | undefined>;

export function requestId(req: Request): string {
  return (req as Request & { id?: string }).id ?? 'unknown';
}

/** The service context for a request made by `principal` (with the sign-in it carries, for its own decisions). */
export function contextFor(req: Request, principal: Principal, source: Source): ServiceContext {
  const signIn = principal.ssoConfigurationId
    ? { ssoConfigurationId: principal.ssoConfigurationId, tokenGroupIds: principal.tokenGroupIds }
    : undefined;
  return createContext({
    tenantId: principal.tenantId,
    actor: signIn ? { ...principal.actor, signIn } : principal.actor,
    source,
    requestId: requestId(req),
  });
}
