import type { RecordSource } from './types.js';

/** Where a request came from; recorded on every audit event. */
export type Source = 'scim' | 'graphql' | 'sso' | 'cli' | 'bootstrap' | 'system';

/** How a person signed in, as far as their credential says: the SSO configuration, and Entra's groups claim. */
export interface SignInFacts {
  ssoConfigurationId: string;
  /** Entra group object IDs from the token; undefined when absent or overage. */
  tokenGroupIds?: readonly string[] | undefined;
}

/** Who is acting. `id` is a user id, a credential id, or a fixed name for the system. */
export interface Actor {
  type: 'scim' | 'admin-token' | 'user' | 'system';
  id: string;
  /** Set when the actor is a signed-in directory user. */
  userId?: string;
  isAdmin: boolean;
  /** A signed-in user's sign-in, when the credential carries it (their own access decisions use it). */
  signIn?: SignInFacts | undefined;
}

export const systemActor: Actor = { type: 'system', id: 'system', isAdmin: true };

/** The `source` recorded on a user or group this context creates: Entra (SCIM), sign-in, or an administrator. */
export function recordSourceOf(ctx: { source: Source }): RecordSource {
  return ctx.source === 'scim' ? 'scim' : ctx.source === 'sso' ? 'sso' : 'admin';
}
