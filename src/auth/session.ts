import { unsign } from 'cookie-signature';
import type { AccessTarget } from '../services/access.js';

/** A completed sign-in, as kept in the session (`passport.user`). */
export interface SessionSignIn {
  tenantId: string;
  userId: string;
  entraTenantId: string;
  entraObjectId: string;
  ssoConfigurationId: string;
  /** From the ID token; undefined when it carried none or the overage marker. */
  tokenGroupIds?: string[] | undefined;
  target: AccessTarget;
  signedInAt: string;
}

/** A sign-in between the redirect to Entra and the callback. Keyed by `state`, so several tabs may sign in. */
export interface PendingSignIn {
  state: string;
  nonce: string;
  codeVerifier: string;
  /** The msal authority's tenant segment: an Entra tenant ID, or `organizations` for multi-tenant. */
  authorityTenant: string;
  tenantId: string;
  ssoConfigurationId: string;
  target: AccessTarget;
  createdAt: number;
}

declare module 'express-session' {
  interface SessionData {
    signIns?: Record<string, PendingSignIn>;
    passport?: { user?: SessionSignIn };
  }
}

/**
 * The session id in a signed express-session cookie (`s:<id>.<signature>`, URI-encoded, signed by the
 * cookie-signature package as express-session does), or undefined when absent or not signed with `secret`. Lets
 * the API's authenticators read the sign-in session without running express-session.
 */
export function sessionIdFromCookie(
  cookieHeader: string | undefined,
  name: string,
  secret: string,
): string | undefined {
  if (!cookieHeader) return undefined;
  for (const part of cookieHeader.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    let value: string;
    try {
      value = decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      return undefined;
    }
    if (!value.startsWith('s:')) return undefined;
    return unsign(value.slice(2), secret) || undefined;
  }
  return undefined;
}
