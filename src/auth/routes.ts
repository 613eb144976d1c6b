import express, { type NextFunction, type Request, type Response } from 'express';
import type passport from 'passport';
import { InvalidInputError, UnauthenticatedError } from '../domain/errors.js';
import type { RequestLimits } from '../http/limits.js';
import { requestId } from '../http/principal.js';
import { decideAccess, effectiveRule, type AccessTarget } from '../services/access.js';
import { createContext } from '../services/context.js';
import { getSsoConfiguration } from '../services/sso.js';
import { getTenant, getTenantBySlug } from '../services/tenants.js';
import { findUnfitText } from '../services/validate.js';
import type { Logger } from '../log.js';
import type { Authenticated } from './authenticators.js';
import { presentSession } from './presenter.js';
import { sendRefusal } from './responses.js';
import type { SessionSignIn } from './session.js';
import type { SignInSetup } from './setup.js';
import type { SignInRefusal, SignInStart } from './strategy.js';

/**
 * The routes under /auth:
 *
 * - GET  /auth/:tenantSlug/signin                        sign in to the main dashboard
 * - GET  /auth/:tenantSlug/signin?workspace=<id>         … or to a workspace
 * - GET  /auth/:tenantSlug/workspaces/:workspaceId/signin
 * - GET  /auth/callback                                  the app registration's one redirect URI
 * - POST /auth/signout
 * - GET  /auth/session                                   who am I, and what may I enter
 */
export function createAuthRoutes(deps: {
  setup: SignInSetup;
  logger: Logger;
  publicUrl: () => string;
  limits?: RequestLimits | undefined;
  authenticate: (req: Request) => Promise<Authenticated | undefined>;
}): express.Router {
  const { setup, logger } = deps;
  const { entra, sessions, passport: auth, cookieName, cookie } = setup;
  const router = express.Router();
  router.use((req, res, next) => {
    res.set('Cache-Control', 'no-store');
    // Sign-in starts (unauthenticated database reads) and refused requests cost the client's address its budget;
    // past it, the front door refuses the address before anything runs.
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
          res.redirect(302, setup.landingUrl(signIn.target));
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
    const who = await deps.authenticate(req);
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
    const asked = req.query.workspace;
    const workspaceId =
      typeof asked === 'string' && asked
        ? asked
        : target?.kind === 'WORKSPACE'
          ? target.workspaceId
          : undefined;
    const tenant = await getTenant(ctx);
    const user = principal.user;
    const mainDashboard = await decideAccess(ctx, user, { kind: 'MAIN_DASHBOARD' }, facts);
    const workspace = workspaceId
      ? {
          id: workspaceId,
          decision: await decideAccess(ctx, user, { kind: 'WORKSPACE', workspaceId }, facts),
        }
      : undefined;
    res.json(presentSession(who, tenant, { mainDashboard, workspace }));
  });

  return router;
}
