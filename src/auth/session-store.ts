import { unsign } from 'cookie-signature';
import session from 'express-session';
import { endSession, loadSession, saveSession, sweepExpiredSessions } from '../services/sessions.js';
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
 * express-session storage in the database, shared by every instance. The expiry is the cookie's (an absolute
 * lifetime from sign-in: no sliding, no write per request); expired sessions read as absent and are swept
 * periodically, since FerretDB has no TTL index.
 */
export class DirectorySessionStore extends session.Store {
  private sweeper: NodeJS.Timeout | undefined;

  constructor(private readonly fallbackTtlMs: number) {
    super();
  }

  override get(sid: string, callback: (err: unknown, session?: session.SessionData | null) => void): void {
    readSession(sid).then(
      (data) => callback(null, data ?? null),
      (err) => callback(err),
    );
  }

  override set(sid: string, sess: session.SessionData, callback?: (err?: unknown) => void): void {
    const expires = sess.cookie?.expires;
    saveSession({
      id: sid,
      tenantId: sess.passport?.user?.tenantId,
      expiresAt: expires ? new Date(expires) : new Date(Date.now() + this.fallbackTtlMs),
      data: JSON.stringify(sess),
    }).then(
      () => callback?.(),
      (err) => callback?.(err),
    );
  }

  override destroy(sid: string, callback?: (err?: unknown) => void): void {
    endSession(sid).then(
      () => callback?.(),
      (err) => callback?.(err),
    );
  }

  /** Sweeps expired sessions every `intervalMs` (jittered so instances spread out). */
  startSweeping(intervalMs: number, onError: (err: unknown) => void): void {
    this.stopSweeping();
    const jitter = Math.floor(Math.random() * Math.min(intervalMs, 60_000));
    this.sweeper = setInterval(() => {
      sweepExpiredSessions().catch(onError);
    }, intervalMs + jitter);
    this.sweeper.unref();
  }

  stopSweeping(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
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

/** The session's data when it is live (unreadable data counts as no session). */
export async function readSession(sid: string): Promise<session.SessionData | undefined> {
  const s = await loadSession(sid);
  if (!s) return undefined;
  try {
    return JSON.parse(s.data) as session.SessionData;
  } catch {
    return undefined;
  }
}
