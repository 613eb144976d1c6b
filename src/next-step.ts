import type { Tenant } from './domain/types.js';
import { scimTenantUrl } from './http/urls.js';

/**
 * What to do after start-up, printed once the service listens: the SCIM Tenant URL of each tenant (what Entra's
 * provisioning is given), or the commands that create a tenant and its SCIM token when there is none yet.
 */
export function nextStepHint(publicUrl: string, tenants: readonly Pick<Tenant, 'slug'>[]): string {
  const lines: string[] = [];
  if (tenants.length === 0) {
    lines.push(
      'next step: create a tenant and issue its SCIM Secret Token (printed once; store it now):',
      '  npx directory tenant create contoso --name "Contoso Ltd"',
      '  npx directory token issue contoso --kind scim',
    );
  } else {
    const shown = tenants.slice(0, 20);
    lines.push(
      'next step: in Microsoft Entra ID (Enterprise applications → your app → Provisioning), give each tenant its',
      'Tenant URL and a SCIM Secret Token (npx directory token issue <tenant> --kind scim), then Test Connection:',
      ...shown.map((t) => `  Tenant URL (${t.slug}): ${scimTenantUrl(publicUrl, t.slug)}`),
    );
    if (tenants.length > shown.length)
      lines.push(`  … and ${tenants.length - shown.length} more (npx directory tenant list)`);
  }
  if (!publicUrl.startsWith('https://'))
    lines.push(
      "Entra calls the Tenant URL from Microsoft's cloud over public HTTPS: put the service behind a TLS reverse",
      'proxy and set PUBLIC_URL=https://… (docs/entra.md).',
    );
  return lines.map((l) => `[directory] ${l}`).join('\n');
}
