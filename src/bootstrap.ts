import type { Config } from './config.js';
import { createContext } from './domain/context.js';
import type { Logger } from './log.js';
import { issueToken } from './services/credentials.js';
import { ensureTenant } from './services/tenants.js';

/**
 * Container/script bootstrap: makes sure the tenant named by DIRECTORY_BOOTSTRAP_TENANT exists and that the SCIM
 * and admin tokens given in the environment are accepted for it. Idempotent; tokens are stored as hashes only and
 * never logged.
 */
export async function bootstrap(config: Config, logger: Logger): Promise<void> {
  const slug = config.DIRECTORY_BOOTSTRAP_TENANT;
  if (!slug) return;
  const tenant = await ensureTenant(slug, 'bootstrap');
  const ctx = createContext({ tenantId: tenant.id, source: 'bootstrap' });
  if (config.DIRECTORY_BOOTSTRAP_SCIM_TOKEN) {
    await issueToken(ctx, 'scim', { token: config.DIRECTORY_BOOTSTRAP_SCIM_TOKEN, label: 'bootstrap' });
  }
  if (config.DIRECTORY_BOOTSTRAP_ADMIN_TOKEN) {
    await issueToken(ctx, 'admin', { token: config.DIRECTORY_BOOTSTRAP_ADMIN_TOKEN, label: 'bootstrap' });
  }
  logger.info(
    {
      tenant: slug,
      scimToken: config.DIRECTORY_BOOTSTRAP_SCIM_TOKEN ? 'configured' : 'not set',
      adminToken: config.DIRECTORY_BOOTSTRAP_ADMIN_TOKEN ? 'configured' : 'not set',
    },
    'bootstrap tenant ready',
  );
}
