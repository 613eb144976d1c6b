import express from 'express';
import type { HttpDeps, Mount } from '../http/app.js';

/** SCIM 2.0: {PUBLIC_URL}/scim/v2/tenants/{tenantSlug}/… */
export function createScimMount(deps: HttpDeps): Mount {
  void deps;
  const router = express.Router();
  return { path: '/scim/v2', handler: router };
}
