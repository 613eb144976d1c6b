import { randomBytes } from 'node:crypto';
import session from 'express-session';
import passport from 'passport';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import type { AccessTarget } from '../services/access.js';
import { createSessionStore } from '../services/sessions.js';
import { Entra } from './entra.js';
import { completeSignIn } from './sign-in.js';
import { EntraStrategy } from './strategy.js';

/** A signed-in session lasts this long from sign-in (absolute; Entra's own session makes signing in again quick). */
export const sessionLifetimeMs = 8 * 3600_000;
const sweepIntervalMinutes = 10;

/**
 * The sign-in machinery, set up once per app: the Entra client, the session cookie and its store, and a passport
 * instance of our own with the Entra strategy. The session cookie is httpOnly, SameSite=Lax, and Secure with the
 * `__Host-` prefix when PUBLIC_URL is https.
 */
export function createSignInSetup(config: Config, logger: Logger, publicUrl: () => string) {
  const entra = new Entra(config, logger);
  // Required in production (config.ts); elsewhere a per-process secret, so sessions end with the process.
  const secret = config.SESSION_SECRET ?? randomBytes(32).toString('base64url');
  const secure = config.PUBLIC_URL?.startsWith('https:') ?? false;
  const cookieName = secure ? '__Host-directory.sid' : 'directory.sid';
  const cookie = { httpOnly: true, sameSite: 'lax' as const, secure, path: '/' };

  const store = createSessionStore({
    lifetimeMs: sessionLifetimeMs,
    sweepIntervalMinutes,
    onSweepError: (err) => logger.warn({ err }, 'expired sessions could not be swept'),
  });
  const sessions = session({
    name: cookieName,
    secret,
    store: store.store,
    resave: false,
    saveUninitialized: false,
    rolling: false,
    unset: 'destroy',
    cookie: { ...cookie, maxAge: sessionLifetimeMs },
  });

  const redirectUri = () => `${publicUrl()}/auth/callback`;
  const auth = new passport.Passport();
  auth.serializeUser((user, done) => done(null, user));
  auth.use(
    new EntraStrategy(entra, redirectUri, completeSignIn, (detail) =>
      logger.warn({ ...detail }, 'sign-in protocol check failed'),
    ),
  );

  return {
    entra,
    secret,
    cookieName,
    cookie,
    /** express-session over the database store: only the sign-in routes run it. */
    sessions,
    /** The store itself, for the API's authenticators (which read the cookie without express-session). */
    store,
    passport: auth,
    /** Where a completed sign-in lands. */
    landingUrl: (target: AccessTarget) =>
      target.kind === 'WORKSPACE'
        ? `${publicUrl()}/workspaces/${encodeURIComponent(target.workspaceId)}`
        : `${publicUrl()}/`,
    stop: async () => store.stop(),
  };
}

export type SignInSetup = ReturnType<typeof createSignInSetup>;
