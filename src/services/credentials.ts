import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { type ServiceContext } from './context.js';
import {
  FeatureDisabledError,
  InvalidInputError,
  NotFoundError,
  UnauthenticatedError,
} from '../domain/errors.js';
import type { Credential, CredentialKind, Tenant } from '../domain/types.js';
import { RecentReads } from '../db/recent-reads.js';
import { tenantStorage, credentialLookup } from '../db/storage.js';
import { recordAudit } from './audit.js';
import { assertMayRead } from './read-policy.js';
import { requiredText } from './validate.js';

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

/** How long earlier tokens keep working after a new one is issued, unless the issuer says otherwise. */
export const defaultGraceSeconds = 24 * 3600;
const maxGraceSeconds = 30 * 24 * 3600;
const maxLifetimeSeconds = 5 * 366 * 24 * 3600;

/**
 * Issues a new token of `kind` (shown once, stored as a hash). Issuing rotates (issue 12): every earlier live token
 * of that kind stops working after `previousTokensGraceSeconds` (default 24 hours, so Entra can be given the new
 * token without an outage; 0 = at once) — there is no "add another and keep the old ones for ever". With
 * `expiresInSeconds` the new token itself stops working then.
 */
export async function issueToken(
  ctx: ServiceContext,
  kind: CredentialKind,
  opts: { label?: string; previousTokensGraceSeconds?: number; expiresInSeconds?: number } = {},
): Promise<{ token: string; credential: Credential }> {
  const grace = opts.previousTokensGraceSeconds ?? defaultGraceSeconds;
  if (!Number.isInteger(grace) || grace < 0 || grace > maxGraceSeconds) {
    throw new InvalidInputError(
      'the grace period must be between 0 seconds and 30 days',
      'gracePeriodSeconds',
    );
  }
  const lifetime = opts.expiresInSeconds;
  if (
    lifetime !== undefined &&
    (!Number.isInteger(lifetime) || lifetime < 1 || lifetime > maxLifetimeSeconds)
  ) {
    throw new InvalidInputError(
      'a token expires between 1 second and 5 years after issue',
      'expiresInSeconds',
    );
  }
  if (opts.label !== undefined) requiredText(opts.label, 'label', 100);
  const token = generateToken(kind);
  const repos = ctx.db;
  const now = new Date();
  const credential = await repos.credentials.insert({
    id: randomUUID(),
    kind,
    hash: hashToken(token),
    label: opts.label,
    createdAt: now,
    expiresAt: lifetime === undefined ? undefined : new Date(now.getTime() + lifetime * 1000),
  });
  // Retired tokens are kept (hash and dates only): a retired bootstrap token is recognised as such (seedBootstrapToken).
  await repos.credentials.expireAll(kind, new Date(now.getTime() + grace * 1000), credential.id);
  invalidateCredentialCache();
  recordAudit(
    ctx,
    `credential.${kind}.issue`,
    { type: 'credential', id: credential.id },
    { previousTokensGraceSeconds: grace, expiresAt: credential.expiresAt },
  );
  return { token, credential: stripHash(credential) };
}

/** What became of a bootstrap token at start-up (seedBootstrapToken). */
export type BootstrapTokenOutcome =
  /** The tenant had no token of this kind: this one is stored. */
  | 'stored'
  /** It is a live token of the tenant already: nothing to do. */
  | 'current'
  /** The tenant retired it (rotation, revocation or expiry): it stays retired. */
  | 'retired'
  /** The tenant has tokens of this kind already and this is none of them: not stored. */
  | 'ignored';

/**
 * A token from the environment (DIRECTORY_BOOTSTRAP_SCIM_TOKEN / _ADMIN_TOKEN), given at every start. It seeds the
 * tenant's FIRST token of its kind and is accepted only while it is one of the tenant's live tokens: once a rotation
 * (`token issue`, `issueScimToken`), a revocation or its expiry has retired it, a restart with the same variable
 * does not bring it back (issue 12: it answered 401, then 200 after a restart). A different token in the variable
 * while the tenant already has tokens of that kind is not stored either: issue new tokens with the CLI or GraphQL.
 */
export async function seedBootstrapToken(
  ctx: ServiceContext,
  kind: CredentialKind,
  token: string,
): Promise<BootstrapTokenOutcome> {
  if (token.length < 16) throw new InvalidInputError('a token must have at least 16 characters', 'token');
  const hash = hashToken(token);
  const known = async (): Promise<BootstrapTokenOutcome | undefined> => {
    const existing = await credentialLookup.findByHash(hash);
    if (!existing) return undefined;
    if (existing.tenantId !== ctx.tenantId || existing.kind !== kind) {
      throw new InvalidInputError('this token cannot be used', 'token');
    }
    return isLive(existing, Date.now()) ? 'current' : 'retired';
  };
  const before = await known();
  if (before) return before;
  const repos = ctx.db;
  if ((await repos.credentials.list(kind)).length > 0) return 'ignored';
  const credential = { id: randomUUID(), kind, hash, label: 'bootstrap', createdAt: new Date() };
  try {
    await repos.credentials.insert(credential);
  } catch (err) {
    // Another instance starting at the same time stored it first (the hash is unique).
    const raced = await known();
    if (raced) return raced;
    throw err;
  }
  invalidateCredentialCache();
  recordAudit(ctx, `credential.${kind}.bootstrap`, { type: 'credential', id: credential.id });
  return 'stored';
}

function isLive(c: Pick<Credential, 'expiresAt'>, now: number): boolean {
  return !c.expiresAt || c.expiresAt.getTime() > now;
}

/** A token's metadata (never the token) and whether it still works. */
export interface TokenInfo extends Credential {
  live: boolean;
}

/**
 * The tenant's tokens, newest first: live ones (including those in a rotation's grace period), and with
 * `includeRetired` those that no longer work. Admins only (read-policy.ts).
 */
export async function listTokens(
  ctx: ServiceContext,
  opts: { kind?: CredentialKind | undefined; includeRetired?: boolean | undefined } = {},
): Promise<TokenInfo[]> {
  assertMayRead(ctx, 'tokens');
  const repo = ctx.db.credentials;
  const kinds: CredentialKind[] = opts.kind ? [opts.kind] : ['scim', 'admin'];
  const now = Date.now();
  const all = (await Promise.all(kinds.map((k) => repo.list(k)))).flat();
  return all
    .map((c) => ({ ...stripHash(c), live: isLive(c, now) }))
    .filter((c) => opts.includeRetired || c.live)
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
}

/** Live tokens of one kind (what ScimSettings.tokens shows). */
export async function listCredentials(ctx: ServiceContext, kind: CredentialKind): Promise<Credential[]> {
  return listTokens(ctx, { kind });
}

/** Revokes one token of the tenant at once (idempotent: a retired token stays as it is). */
export async function revokeToken(ctx: ServiceContext, id: string): Promise<TokenInfo> {
  const found = (await listTokens(ctx, { includeRetired: true })).find((c) => c.id === id);
  if (!found) throw new NotFoundError('token', id);
  const now = new Date();
  await ctx.db.credentials.expire(id, now);
  invalidateCredentialCache();
  recordAudit(ctx, `credential.${found.kind}.revoke`, { type: 'credential', id });
  return found.live ? { ...found, expiresAt: now, live: false } : found;
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
 * on authentication (db/recent-reads.ts: requests that come while a token is being verified wait for that
 * verification). Changes made through this process invalidate it at once, a verification running then included;
 * other instances see a rotation, expiry or switch-off within `cacheTtlMs`.
 */
const cacheTtlMs = 5_000;
const verifiedTokens = new RecentReads<VerifiedCredential>(cacheTtlMs, 10_000);

export function invalidateCredentialCache(): void {
  verifiedTokens.clear();
}

/** Resolves a presented token to its tenant; throws UnauthenticatedError for anything but a live token. */
export async function verifyToken(token: string, kind: CredentialKind): Promise<VerifiedCredential> {
  if (typeof token !== 'string' || token.length < 16 || token.length > 512) {
    throw new UnauthenticatedError('invalid token');
  }
  const hash = hashToken(token);
  const [hit] = await verifiedTokens.getMany([hash], async () => {
    const stored = await credentialLookup.findByHash(hash);
    const tenant = stored ? await tenantStorage.findById(stored.tenantId) : undefined;
    return stored && tenant && constantTimeEqualHex(stored.hash, hash)
      ? new Map([[hash, { tenant, credential: stripHash(stored) }]])
      : new Map<string, VerifiedCredential>();
  });
  if (!hit) throw new UnauthenticatedError('invalid token');
  const now = Date.now();
  const { credential } = hit;
  if (credential.kind !== kind || (credential.expiresAt && credential.expiresAt.getTime() <= now)) {
    throw new UnauthenticatedError('invalid token');
  }
  return hit;
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
