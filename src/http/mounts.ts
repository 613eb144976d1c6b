import { createAuthMount } from '../auth/mount.js';
import { createGraphqlMount } from '../graphql/mount.js';
import { createScimMount } from '../scim/mount.js';
import type { HttpDeps, Mount } from './app.js';

/** The protocol faces of the service, in mount order. */
export async function createMounts(deps: HttpDeps): Promise<Mount[]> {
  const auth = await createAuthMount(deps);
  return [createScimMount(deps), auth.mount, await createGraphqlMount(deps, auth.authenticators)];
}
