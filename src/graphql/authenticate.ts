import type { Request } from 'express';
import { GraphQLError } from 'graphql';
import { UnauthenticatedError, isDomainError } from '../domain/errors.js';
import type { HttpDeps } from '../http/app.js';
import { contextFor, requestId, type Authenticator, type Principal } from '../http/principal.js';
import type { GraphqlContext } from './context.js';
import { toGraphQLError } from './errors.js';
import { createLoaders } from './loaders.js';

/**
 * Tries the authenticators in order; the first principal wins. A presented credential that is invalid fails the
 * request (it never falls through to a weaker one); no credential at all is UNAUTHENTICATED too.
 */
export async function authenticate(
  req: Request,
  authenticators: readonly Authenticator[],
): Promise<Principal> {
  for (const authenticate of authenticators) {
    const principal = await authenticate(req);
    if (principal) return principal;
  }
  throw new UnauthenticatedError(
    'authentication required: sign in, or send an admin token or an Entra access token as a Bearer token',
  );
}

/** Apollo's context function: authenticate, then bind tenant, actor, source and request id for the services. */
export async function buildContext(
  req: Request,
  deps: HttpDeps,
  authenticators: readonly Authenticator[],
): Promise<GraphqlContext> {
  let principal: Principal;
  const limits = deps.limits;
  try {
    // Failed authentications count against the client's address (mount.ts: its front door refuses it past its
    // budget); each principal has its own rate of operations.
    try {
      principal = await authenticate(req, authenticators);
    } catch (err) {
      if (err instanceof UnauthenticatedError) limits?.unauthenticated.fail(req);
      throw err;
    }
    limits?.graphql.take(`${principal.tenantId}/${principal.actor.type}/${principal.actor.id}`);
  } catch (err) {
    if (isDomainError(err)) {
      const gqlError = toGraphQLError(err);
      if (err.code === 'UNAUTHENTICATED') {
        gqlError.extensions.http = {
          status: 401,
          headers: new Map([['www-authenticate', 'Bearer realm="directory"']]),
        };
      }
      throw gqlError;
    }
    deps.logger.error({ err, reqId: requestId(req) }, 'graphql: authentication failed unexpectedly');
    throw new GraphQLError('Internal server error', {
      extensions: { code: 'INTERNAL_SERVER_ERROR', http: { status: 500 } },
    });
  }
  const service = contextFor(req, principal, 'graphql');
  return {
    principal,
    service,
    loaders: createLoaders(service),
    publicUrl: deps.publicUrl,
    logger: deps.logger,
  };
}
