import type { Config } from '../config.js';
import { AddressGuard, RateLimiter } from './rate-limit.js';

/** The request limits every mount of one app shares (created once per app in mounts.ts). */
export interface RequestLimits {
  /** Per client address: requests without a valid credential, on SCIM, GraphQL and /auth. */
  unauthenticated: AddressGuard;
  /** Per principal (tenant + credential or user): GraphQL operations. */
  graphql: RateLimiter;
}

export function createRequestLimits(config: Config): RequestLimits {
  return {
    unauthenticated: new AddressGuard(config.UNAUTHENTICATED_RATE_LIMIT_PER_MINUTE),
    graphql: new RateLimiter(
      config.GRAPHQL_RATE_LIMIT_PER_SECOND,
      config.GRAPHQL_RATE_LIMIT_PER_SECOND * 2,
      'too many GraphQL requests for this principal',
    ),
  };
}
