import type { Request } from 'express';
import { UnauthenticatedError } from '../domain/errors.js';
import { verifyToken } from '../services/credentials.js';
import type { Authenticator } from './principal.js';

/** The bearer token of `Authorization: Bearer <token>`, if any. */
export function bearerToken(req: Request): string | undefined {
  const h = req.headers.authorization;
  if (typeof h !== 'string') return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m?.[1];
}

export const adminTokenAuthenticator: Authenticator = async (req) => {
  const token = bearerToken(req);
  // A JWT (header.payload.signature) is an Entra access token, for the access-token authenticator.
  if (!token || isJwtShaped(token)) return undefined;
  try {
    const { tenant, credential } = await verifyToken(token, 'admin');
    return {
      tenantId: tenant.id,
      kind: 'admin-token',
      actor: { type: 'admin-token', id: credential.id, isAdmin: true },
    };
  } catch {
    throw new UnauthenticatedError('invalid admin token');
  }
};

export function isJwtShaped(token: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token);
}
