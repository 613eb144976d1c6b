import { randomBytes } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import session from 'express-session';
import passport from 'passport';
import { createContext } from '../services/context.js';
import { InvalidInputError, UnauthenticatedError } from '../domain/errors.js';
import type { HttpDeps, Mount } from '../http/app.js';
import { adminTokenAuthenticator } from '../http/admin-token.js';
import { requestId, type Authenticator } from '../http/principal.js';
import { decideAccess, effectiveRule, type AccessDecision, type AccessTarget } from '../services/access.js';
import { getSsoConfiguration } from '../services/sso.js';
import { getTenant, getTenantBySlug } from '../services/tenants.js';
import { findUnfitText } from '../services/validate.js';
import { createEntraAuthenticators } from './authenticators.js';
import { Entra } from './entra.js';
import { authErrorHandler, sendRefusal } from './responses.js';
import { DirectorySessionStore, type SessionSignIn } from './session-store.js';
import { completeSignIn } from './sign-in.js';
import { EntraStrategy, type SignInRefusal, type SignInStart } from './strategy.js';

/** A signed-in session lasts this long from sign-in (absolute; Entra's own session makes signing in again quick). */
export const sessionLifetimeMs = 8 * 3600_000;
const sweepIntervalMs = 10 * 60_000;

/**
 * Sign-in with Microsoft Entra ID under /auth, and the authenticators the API accepts, in order:
 *
 * - GET  /auth/:tenantSlug/signin                        sign in to the main dashboard
 * - GET  /auth/:tenantSlug/signin?workspace=<id>         … or to a workspace
 * - GET  /auth/:tenantSlug/workspaces/:workspaceId/signin
 * - GET  /auth/callback                                  the app registration's one redirect URI
 * - POST /auth/signout
 * - GET  /auth/session                                   who am I, and what may I enter
 *
 * The session cookie is httpOnly, SameSite=Lax, and Secure with the `__Host-` prefix when PUBLIC_URL is https.
 * The API's authenticators read that cookie themselves (no session middleware is needed in front of /graphql).
 */
export async function createAuthMount(
  deps: HttpDeps,
): Promise<{ mount: Mount; authenticators: Authenticator[] }> {
  const { config, logger } = deps;
  const entra = new Entra(config, logger);
  // Required in production (config.ts); elsewhere a per-process secret, so sessions end with the process.
  const secret = config.SESSION_SECRET ?? randomBytes(32).toString('base64url');
  const secure = config.PUBLIC_URL?.startsWith('https:') ?? false;
  const cookieName = secure ? '__Host-directory.sid' : 'directory.sid';
  const cookie = { httpOnly: true, sameSite: 'lax' as const, secure, path: '/' };

  const store = new DirectorySessionStore(sessionLifetimeMs);
  store.startSweeping(sweepIntervalMs, (err) => logger.warn({ err }, 'expired sessions could not be swept'));
  const sessions = session({
    name: cookieName,
    secret,
    store,
    resave: false,
    saveUninitialized: false,
    rolling: false,
    unset: 'destroy',
    cookie: { ...cookie, maxAge: sessionLifetimeMs },
  });

  const { sessionAuthenticator, accessTokenAuthenticator, authenticate } = createEntraAuthenticators({
    entra,
    cookieName,
    secret,
    apiAudience: config.ENTRA_API_AUDIENCE,
    apiScope: config.ENTRA_API_SCOPE,
    apiRole: config.ENTRA_API_ROLE,
  });

  const redirectUri = () => `${deps.publicUrl()}/auth/callback`;
  const landingUrl = (target: AccessTarget) =>
    target.kind === 'WORKSPACE'
      ? `${deps.publicUrl()}/workspaces/${encodeURIComponent(target.workspaceId)}`
      : `${deps.publicUrl()}/`;

  const auth = new passport.Passport();
  auth.serializeUser((user, done) => done(null, user));
  auth.use(
    new EntraStrategy(entra, redirectUri, completeSignIn, (detail) =>
      logger.warn({ ...detail }, 'sign-in protocol check failed'),
    ),
  );

  const router = express.Router();
  router.use((req, res, next) => {
    res.set('Cache-Control', 'no-store');
    // Sign-in starts (unauthenticated database reads) and refused requests cost the client's address its budget;
    // past it, the front door below refuses the address before anything runs.
    const limits = deps.limits?.unauthenticated;
    res.once('finish', () => {
      if (res.statusCode >= 400 || /\/signin$/.test(req.path)) limits?.fail(req);
    });
    // Ids in the path and query must be fit to store (services/validate.ts), as every input string.
    const unfit =
      findUnfitText(req.query, '') ??
      findUnfitText(
        req.path.split('/').map((segment) => {
          try {
            return decodeURIComponent(segment);
          } catch {
            return segment;
          }
        }),
        'path',
      );
    if (unfit) throw new InvalidInputError(`${unfit.path} ${unfit.problem}`, unfit.path);
    next();
  });

  const requireSignInConfigured = (req: Request, res: Response, next: NextFunction) => {
    if (entra.signInConfigured) return next();
    sendRefusal(req, res, {
      code: 'SIGN_IN_NOT_CONFIGURED',
      message: 'sign-in with Microsoft Entra ID is not configured on this service',
      status: 503,
    });
  };

  const startSignIn = async (req: Request, res: Response, next: NextFunction) => {
    const tenant = await getTenantBySlug(String(req.params.tenantSlug));
    const fromQuery = req.query.workspace;
    const workspaceId =
      (req.params.workspaceId as string | undefined) ??
      (typeof fromQuery === 'string' ? fromQuery : undefined);
    const target: AccessTarget = workspaceId
      ? { kind: 'WORKSPACE', workspaceId }
      : { kind: 'MAIN_DASHBOARD' };
    const ctx = createContext({ tenantId: tenant.id, source: 'sso', requestId: requestId(req) });
    const { rule } = await effectiveRule(ctx, target);
    if (!rule.ssoEnabled || !rule.ssoConfigurationId) {
      return sendRefusal(req, res, {
        code: 'SSO_NOT_ENABLED',
        message: `single sign-on is not enabled for ${target.kind === 'WORKSPACE' ? 'this workspace' : 'the main dashboard'}`,
        status: 403,
      });
    }
    const start: SignInStart = {
      tenantId: tenant.id,
      target,
      configuration: await getSsoConfiguration(ctx, rule.ssoConfigurationId),
    };
    auth.authenticate('entra', { session: false, start } as passport.AuthenticateOptions)(req, res, next);
  };

  router.get('/:tenantSlug/signin', requireSignInConfigured, sessions, auth.initialize(), startSignIn);
  router.get(
    '/:tenantSlug/workspaces/:workspaceId/signin',
    requireSignInConfigured,
    sessions,
    auth.initialize(),
    startSignIn,
  );

  router.get('/callback', requireSignInConfigured, sessions, auth.initialize(), (req, res, next) => {
    auth.authenticate(
      'entra',
      (err: unknown, signIn: SessionSignIn | false, info: SignInRefusal | undefined, status?: number) => {
        if (err) return next(err);
        if (!signIn) {
          return sendRefusal(req, res, {
            code: info?.code ?? 'SIGN_IN_FAILED',
            message: info?.message ?? 'sign-in failed',
            status: info?.status ?? status ?? 401,
          });
        }
        // passport regenerates the session here (a new id: no session fixation) and saves it before we redirect.
        req.login(signIn, (loginErr) => {
          if (loginErr) return next(loginErr);
          logger.info(
            {
              reqId: requestId(req),
              tenantId: signIn.tenantId,
              userId: signIn.userId,
              target: signIn.target.kind,
            },
            'signed in',
          );
          res.redirect(302, landingUrl(signIn.target));
        });
      },
    )(req, res, next);
  });

  router.post('/signout', sessions, (req, res, next) => {
    const signIn = req.session?.passport?.user;
    const done = () => {
      res.clearCookie(cookieName, cookie);
      res.json({
        signedOut: Boolean(signIn),
        // Optional: also end the Entra session (front-channel), then come back to the service.
        entraSignOutUrl: entra.logoutUrl(signIn?.entraTenantId ?? 'organizations', `${deps.publicUrl()}/`),
      });
    };
    if (!req.session) return done();
    req.session.destroy((err) => (err ? next(err) : done()));
  });

  router.get('/session', async (req, res) => {
    const who = await authenticate(req);
    if (!who) throw new UnauthenticatedError('not signed in');
    const { principal, target } = who;
    const ctx = createContext({
      tenantId: principal.tenantId,
      source: 'sso',
      requestId: requestId(req),
      actor: principal.actor,
    });
    const facts = {
      ssoConfigurationId: principal.ssoConfigurationId ?? '',
      tokenGroupIds: principal.tokenGroupIds,
    };
    const present = (d: AccessDecision) => ({
      allowed: d.allowed,
      reason: d.reason,
      message: d.message,
      policy: d.policy,
      groupSource: d.groupSource,
      grantingGroupObjectId: d.grantingGroupObjectId,
    });
    const asked = req.query.workspace;
    const workspaceId =
      typeof asked === 'string' && asked
        ? asked
        : target?.kind === 'WORKSPACE'
          ? target.workspaceId
          : undefined;
    const tenant = await getTenant(ctx);
    const user = principal.user;
    res.json({
      via: who.via,
      tenant: { id: tenant.id, slug: tenant.slug },
      user: { id: user.id, userName: user.userName, displayName: user.displayName, active: user.active },
      entra: { tenantId: who.entraTenantId, objectId: who.entraObjectId },
      ssoConfigurationId: principal.ssoConfigurationId,
      isAdmin: principal.actor.isAdmin,
      signedInFor: target,
      access: {
        mainDashboard: present(await decideAccess(ctx, user, { kind: 'MAIN_DASHBOARD' }, facts)),
        ...(workspaceId
          ? {
              workspace: {
                id: workspaceId,
                ...present(await decideAccess(ctx, user, { kind: 'WORKSPACE', workspaceId }, facts)),
              },
            }
          : {}),
      },
    });
  });

  const refuse = authErrorHandler(logger);
  router.use(refuse);
  const frontDoor = deps.limits?.unauthenticated.frontDoor((err, req, res) =>
    refuse(err, req, res, () => {}),
  );

  return {
    mount: {
      path: '/auth',
      handler: router,
      ...(frontDoor ? { frontDoor } : {}),
      async stop() {
        store.stopSweeping();
      },
    },
    authenticators: [adminTokenAuthenticator, sessionAuthenticator, accessTokenAuthenticator],
  };
}
