import type { HttpDeps, Mount } from '../http/app.js';
import { adminTokenAuthenticator } from '../http/admin-token.js';
import type { Authenticator } from '../http/principal.js';
import { createEntraAuthenticators } from './authenticators.js';
import { authErrorHandler } from './responses.js';
import { createAuthRoutes } from './routes.js';
import { createSignInSetup } from './setup.js';

/**
 * Sign-in with Microsoft Entra ID under /auth (routes.ts), and the authenticators the API accepts, in order. The
 * API's authenticators read the session cookie themselves (no session middleware is needed in front of /graphql).
 */
export async function createAuthMount(
  deps: HttpDeps,
): Promise<{ mount: Mount; authenticators: Authenticator[] }> {
  const { config, logger } = deps;
  const setup = createSignInSetup(config, logger, deps.publicUrl);
  const { sessionAuthenticator, accessTokenAuthenticator, authenticate } = createEntraAuthenticators({
    entra: setup.entra,
    cookieName: setup.cookieName,
    secret: setup.secret,
    sessions: setup.store,
    apiAudience: config.ENTRA_API_AUDIENCE,
    apiScope: config.ENTRA_API_SCOPE,
    apiRole: config.ENTRA_API_ROLE,
  });

  const router = createAuthRoutes({
    setup,
    logger,
    publicUrl: deps.publicUrl,
    limits: deps.limits,
    authenticate,
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
      stop: setup.stop,
    },
    authenticators: [adminTokenAuthenticator, sessionAuthenticator, accessTokenAuthenticator],
  };
}
