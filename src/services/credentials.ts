import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { ServiceContext } from '../domain/context.js';
import { FeatureDisabledError, InvalidInputError, UnauthenticatedError } from '../domain/errors.js';
import type { Credential, CredentialKind, Tenant } from '../domain/types.js';
import { globalRepositories, tenantRepositories } from '../db/repositories.js';
import { recordAudit } from './audit.js';

/**
 * Secret tokens: the SCIM "Secret Token" Entra sends, and admin tokens for the GraphQL API and scripts.
 * Stored only as SHA-256 hashes (the tokens are 256-bit random, so a slow hash adds nothing); compared in constant
 * time; shown once at issue.
 */
const prefixes: Record<CredentialKind, string> = { scim: 'dscim_', admin: 'dadm_' };

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function generateToken(kind: CredentialKind): string {
  return prefixes[kind] + randomBytes(32).toString('base64url');
}

/**
 * Issues a new token of `kind` (or stores `token` when given, for bootstrap). With `graceSeconds`, earlier tokens
 * of the same kind keep working for that long (so Entra can be updated without an outage); without it, they stop
 * at once (0) or are kept (undefined, "add another").
 */
export async function issueToken(
  ctx: ServiceContext,
  kind: CredentialKind,
  opts: { token?: string; label?: string; previousTokensGraceSeconds?: number } = {},
): Promise<{ token: string; credential: Credential }> {
  const grace = opts.previousTokensGraceSeconds;
  if (grace !== undefined && (!Number.isInteger(grace) || grace < 0 || grace > 30 * 24 * 3600)) {
    throw new InvalidInputError(
      'the grace period must be between 0 seconds and 30 days',
      'gracePeriodSeconds',
    );
  }
  if (opts.token !== undefined && opts.token.length < 16) {
    throw new InvalidInputError('a token must have at least 16 characters', 'token');
  }
  const token = opts.token ?? generateToken(kind);
  const repos = tenantRepositories(ctx.tenantId);
  const hash = hashToken(token);
  const existing = await globalRepositories.credentials.findByHash(hash);
  let credential: Credential;
  if (existing) {
    if (existing.tenantId !== ctx.tenantId || existing.kind !== kind) {
      throw new InvalidInputError('this token cannot be used', 'token');
    }
    credential = existing;
  } else {
    credential = await repos.credentials.insert({
      id: randomUUID(),
      kind,
      hash,
      label: opts.label,
      createdAt: new Date(),
    });
  }
  if (grace !== undefined) {
    const now = new Date();
    await repos.credentials.expireAll(kind, new Date(now.getTime() + grace * 1000), credential.id);
    await repos.credentials.deleteExpired(kind, now);
  }
  invalidateCredentialCache();
  recordAudit(
    ctx,
    `credential.${kind}.issue`,
    { type: 'credential', id: credential.id },
    {
      previousTokensGraceSeconds: grace,
    },
  );
  return { token, credential: stripHash(credential) };
}

export async function listCredentials(ctx: ServiceContext, kind: CredentialKind): Promise<Credential[]> {
  const now = Date.now();
  const all = await tenantRepositories(ctx.tenantId).credentials.list(kind);
  return all.filter((c) => !c.expiresAt || c.expiresAt.getTime() > now);
}

function stripHash(c: Credential & { hash?: string }): Credential {
  const { hash, ...rest } = c;
  void hash;
  return rest;
}

export interface VerifiedCredential {
  tenant: Tenant;
  credential: Credential;
}

/**
 * A short-lived cache of verified tokens (by hash), so that a SCIM request does not spend two database round trips
 * on authentication. Changes made through this process invalidate it at once; other instances see a rotation,
 * expiry or switch-off within `cacheTtlMs`.
 */
const cacheTtlMs = 5_000;
const cache = new Map<string, { at: number; value: VerifiedCredential }>();

export function invalidateCredentialCache(): void {
  cache.clear();
}

/** Resolves a presented token to its tenant; throws UnauthenticatedError for anything but a live token. */
export async function verifyToken(token: string, kind: CredentialKind): Promise<VerifiedCredential> {
  if (typeof token !== 'string' || token.length < 16 || token.length > 512) {
    throw new UnauthenticatedError('invalid token');
  }
  const hash = hashToken(token);
  const now = Date.now();
  let hit = cache.get(hash);
  if (!hit || now - hit.at > cacheTtlMs) {
    const stored = await globalRepositories.credentials.findByHash(hash);
    const tenant = stored ? await globalRepositories.tenants.findById(stored.tenantId) : undefined;
    if (!stored || !tenant || !constantTimeEqualHex(stored.hash, hash)) {
      cache.delete(hash);
      throw new UnauthenticatedError('invalid token');
    }
    hit = { at: now, value: { tenant, credential: stripHash(stored) } };
    if (cache.size > 10_000) cache.clear();
    cache.set(hash, hit);
  }
  const { credential } = hit.value;
  if (credential.kind !== kind || (credential.expiresAt && credential.expiresAt.getTime() <= now)) {
    throw new UnauthenticatedError('invalid token');
  }
  return hit.value;
}

function constantTimeEqualHex(a: string, b: string): boolean {
  const ba = Buffer.from(a, 'hex');
  const bb = Buffer.from(b, 'hex');
  return ba.length === bb.length && timingSafeEqual(ba, bb);
}

/**
 * Access to one tenant's SCIM endpoint: the token must be a live SCIM token of THAT tenant (UnauthenticatedError
 * otherwise, without saying which part failed), and the tenant's user synchronisation must be enabled
 * (FeatureDisabledError otherwise; its private detail names the tenant, for the tenant's logs). Costs no database
 * round trip while the token is cached.
 */
export async function authenticateScim(
  token: string | undefined,
  tenantSlug: string,
): Promise<VerifiedCredential> {
  if (!token) throw new UnauthenticatedError('a SCIM secret token is required');
  const verified = await verifyToken(token, 'scim');
  if (verified.tenant.slug !== tenantSlug) throw new UnauthenticatedError('invalid token');
  if (!verified.tenant.scimEnabled) {
    throw new FeatureDisabledError(
      'user synchronization (SCIM) is disabled for this tenant; enable it in the tenant settings',
      { tenantId: verified.tenant.id },
    );
  }
  return verified;
}
