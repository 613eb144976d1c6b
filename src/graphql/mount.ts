import { expressMiddleware } from '@as-integrations/express5';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { HttpDeps, Mount } from '../http/app.js';
import { tagTenant } from '../http/metrics.js';
import { strictUtf8 } from '../http/body.js';
import type { Authenticator } from '../http/principal.js';
import { buildContext } from './authenticate.js';
import { domainExtensions } from './errors.js';
import { playgroundRouter } from './playground.js';
import { createApolloServer } from './server.js';

const howToCall =
  'This is the GraphQL endpoint. Send a POST with Content-Type: application/json, a body like ' +
  '{"query":"{ tenant { slug name } }"} and a credential (Authorization: Bearer <admin token or Entra access token>, ' +
  'or a sign-in session); or open this address in a browser for the playground. ' +
  "Example: curl -H 'content-type: application/json' -H 'authorization: Bearer dadm_…' " +
  '--data \'{"query":"{ tenant { slug name } }"}\' <this URL>';

/**
 * GraphQL API and playground at /graphql. `GET /graphql` from a browser serves the self-hosted playground; every
 * GraphQL request is authenticated by `authenticators`, tried in order (first principal wins).
 */
export async function createGraphqlMount(deps: HttpDeps, authenticators: Authenticator[]): Promise<Mount> {
  const server = createApolloServer(deps.logger);
  await server.start();

  const router = express.Router();
  router.use(playgroundRouter());
  // `curl …/graphql`: a GET that is no GraphQL request (no `query`) and no browser. Apollo would answer with its
  // CSRF-prevention message, which says nothing about how to call the API.
  router.get('/', (req: Request, res: Response, next: NextFunction) => {
    if (typeof req.query.query === 'string') return next();
    res.status(400).json({ errors: [{ message: howToCall, extensions: { code: 'BAD_REQUEST' } }] });
  });
  router.use(express.json({ limit: deps.config.BODY_LIMIT, verify: strictUtf8 }));
  router.use(
    expressMiddleware(server, {
      context: async ({ req, res }) => {
        const context = await buildContext(req, deps, authenticators);
        tagTenant(res, { id: context.principal.tenantId });
        return context;
      },
    }),
  );
  // Body parser failures (malformed JSON, too large) answer in GraphQL's error shape.
  router.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
    const status = (err as { status?: number }).status;
    if (typeof status !== 'number' || status < 400 || status >= 500) return next(err);
    res.status(status).json({
      errors: [
        {
          message: status === 413 ? 'request body too large' : 'malformed request body',
          extensions: { code: 'BAD_REQUEST' },
        },
      ],
    });
  });
  // An address that keeps failing authentication is refused before anything else runs (app.ts, front doors).
  const frontDoor = deps.limits?.unauthenticated.frontDoor((err, _req, res) => {
    const retry = String(Math.max(1, Math.ceil(err.retryAfterSeconds)));
    res
      .status(429)
      .set('Retry-After', retry)
      .json({ errors: [{ message: err.message, extensions: domainExtensions(err) }] });
  });
  return {
    path: '/graphql',
    handler: router,
    stop: () => server.stop(),
    ...(frontDoor ? { frontDoor } : {}),
  };
}
