import express from 'express';
import type { HttpDeps, Mount } from '../http/app.js';
import type { Authenticator } from '../http/principal.js';

/** GraphQL API and playground at /graphql. */
export async function createGraphqlMount(deps: HttpDeps, authenticators: Authenticator[]): Promise<Mount> {
  void deps;
  void authenticators;
  const router = express.Router();
  return { path: '/graphql', handler: router };
}
