import type { Config } from './config.js';
import { createContext } from './services/context.js';
import type { CredentialKind } from './domain/types.js';
import type { Logger } from './log.js';
import { seedBootstrapToken, type BootstrapTokenOutcome } from './services/credentials.js';
import { ensureTenant } from './services/tenants.js';

/**
 * Container/script bootstrap: makes sure the tenant named by DIRECTORY_BOOTSTRAP_TENANT exists and seeds its first
 * SCIM and admin tokens from the environment. Idempotent; tokens are stored as hashes only and never logged. A
 * bootstrap token works only while it is one of the tenant's live tokens: once rotated away, revoked or expired it
 * stays retired across restarts (services/credentials.ts seedBootstrapToken; README, "The directory command").
 */
export async function bootstrap(config: Config, logger: Logger): Promise<void> {
  const slug = config.DIRECTORY_BOOTSTRAP_TENANT;
  if (!slug) return;
  const tenant = await ensureTenant(slug, 'bootstrap');
  const ctx = createContext({ tenantId: tenant.id, source: 'bootstrap' });
  const seed = async (kind: CredentialKind, token: string | undefined): Promise<string> => {
    if (!token) return 'not set';
    const outcome = await seedBootstrapToken(ctx, kind, token);
    if (outcome === 'retired' || outcome === 'ignored') {
      logger.warn({ tenant: slug, kind }, notAccepted[outcome]);
    }
    return outcome;
  };
  const scimToken = await seed('scim', config.DIRECTORY_BOOTSTRAP_SCIM_TOKEN);
  const adminToken = await seed('admin', config.DIRECTORY_BOOTSTRAP_ADMIN_TOKEN);
  logger.info({ tenant: slug, scimToken, adminToken }, 'bootstrap tenant ready');
}

const notAccepted: Record<Extract<BootstrapTokenOutcome, 'retired' | 'ignored'>, string> = {
  retired:
    'the bootstrap token was retired (rotated, revoked or expired) and is not accepted: remove it from the environment',
  ignored:
    'the tenant already has tokens of this kind, so the bootstrap token was not stored: issue new ones with `directory token issue`',
};
