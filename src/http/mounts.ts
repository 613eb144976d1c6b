import { createAuthMount } from '../auth/mount.js';
import { createGraphqlMount } from '../graphql/mount.js';
import { createScimMount } from '../scim/mount.js';
import type { HttpDeps, Mount } from './app.js';
import { createRequestLimits } from './limits.js';

/** The protocol faces of the service, in mount order. They share one set of request limits. */
export async function createMounts(base: HttpDeps): Promise<Mount[]> {
  const deps = { ...base, limits: base.limits ?? createRequestLimits(base.config) };
  const auth = await createAuthMount(deps);
  return [createScimMount(deps), auth.mount, await createGraphqlMount(deps, auth.authenticators)];
}
