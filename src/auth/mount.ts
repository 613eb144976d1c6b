import express from 'express';
import type { HttpDeps, Mount } from '../http/app.js';
import { adminTokenAuthenticator } from '../http/admin-token.js';
import type { Authenticator } from '../http/principal.js';

/** Sign-in with Microsoft Entra ID under /auth, and the authenticators the API accepts, in order. */
export async function createAuthMount(
  deps: HttpDeps,
): Promise<{ mount: Mount; authenticators: Authenticator[] }> {
  void deps;
  const router = express.Router();
  return { mount: { path: '/auth', handler: router }, authenticators: [adminTokenAuthenticator] };
}
