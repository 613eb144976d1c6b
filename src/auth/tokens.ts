import { decodeJwt, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import type { Entra } from './entra.js';
import { entraTenantIdOf, objectIdOf, tokenGroupIdsOf, userNamesOf } from './entra-claims.js';

/**
 * Verification of Entra tokens with jose: msal-node only decodes the ID token it receives, and never sees the
 * access tokens sent to our API. Signature against the issuing tenant's keys, issuer
 * `https://login.microsoftonline.com/{tid}/v2.0`, audience, lifetime, RS256 only.
 */

/** A token that must not be accepted. `code` is public; the jose detail is for logs only. */
export class TokenRejectedError extends Error {
  constructor(
    readonly code: 'INVALID_TOKEN' | 'TOKEN_EXPIRED',
    message: string,
    readonly detail?: string,
  ) {
    super(message);
  }
}

/** Who signed in, as an ID token or an access token says. */
export interface EntraIdentity {
  entraTenantId: string;
  objectId: string;
  userNames: string[];
  displayName?: string | undefined;
  /** undefined: no `groups` claim, or the overage marker instead. */
  tokenGroupIds?: string[] | undefined;
}

const clockToleranceSeconds = 120;

/** The token's claims before verification: only to learn which tenant's keys and issuer to verify against. */
export function peekClaims(raw: string): JWTPayload {
  try {
    return decodeJwt(raw);
  } catch {
    throw new TokenRejectedError('INVALID_TOKEN', 'the token is malformed');
  }
}

async function verify(
  entra: Entra,
  raw: string,
  entraTenantId: string,
  audience: string,
): Promise<JWTPayload> {
  try {
    const { payload } = await jwtVerify(raw, entra.keys(entraTenantId), {
      issuer: entra.issuer(entraTenantId),
      audience,
      algorithms: ['RS256'],
      clockTolerance: clockToleranceSeconds,
      requiredClaims: ['exp', 'iat', 'tid', 'oid'],
    });
    if (entraTenantIdOf(payload) !== entraTenantId) {
      throw new TokenRejectedError('INVALID_TOKEN', 'the token names another tenant');
    }
    return payload;
  } catch (err) {
    if (err instanceof TokenRejectedError) throw err;
    if (err instanceof joseErrors.JWTExpired) {
      throw new TokenRejectedError('TOKEN_EXPIRED', 'the token has expired', err.code);
    }
    // Timeouts fetching the keys are our problem, not the token's: let them surface as server errors.
    if (err instanceof joseErrors.JOSEError && !(err instanceof joseErrors.JWKSTimeout)) {
      throw new TokenRejectedError('INVALID_TOKEN', 'the token is not valid', `${err.code}: ${err.message}`);
    }
    throw err;
  }
}

function identityOf(claims: JWTPayload, entraTenantId: string): EntraIdentity {
  const objectId = objectIdOf(claims);
  if (!objectId) throw new TokenRejectedError('INVALID_TOKEN', 'the token has no object ID');
  return {
    entraTenantId,
    objectId,
    userNames: userNamesOf(claims),
    displayName: typeof claims.name === 'string' ? claims.name : undefined,
    tokenGroupIds: tokenGroupIdsOf(claims),
  };
}

/**
 * An ID token from the code exchange: issued for our client ID, by the tenant it names, carrying the nonce we
 * sent (msal-node compares it too; checked again here on the verified claims).
 */
export async function verifyIdToken(
  entra: Entra,
  raw: string,
  expected: { nonce: string },
): Promise<EntraIdentity> {
  const tid = entraTenantIdOf(peekClaims(raw));
  if (!tid) throw new TokenRejectedError('INVALID_TOKEN', 'the ID token has no tenant');
  const claims = await verify(entra, raw, tid, entra.clientId);
  if (claims.nonce !== expected.nonce) throw new TokenRejectedError('INVALID_TOKEN', 'nonce mismatch');
  return identityOf(claims, tid);
}

/**
 * An access token for our API (v2.0 format: the app registration must set `requestedAccessTokenVersion: 2`).
 * The caller has already checked that `tid` belongs to a directory tenant, so keys are fetched only for tenants
 * we know.
 */
export async function verifyAccessToken(
  entra: Entra,
  raw: string,
  entraTenantId: string,
  audience: string,
): Promise<{ identity: EntraIdentity; claims: JWTPayload }> {
  const claims = await verify(entra, raw, entraTenantId, audience);
  return { identity: identityOf(claims, entraTenantId), claims };
}
