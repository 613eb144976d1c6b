import { ConfidentialClientApplication, LogLevel } from '@azure/msal-node';
import { createRemoteJWKSet, type JWTVerifyGetKey } from 'jose';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';

/**
 * Where Microsoft Entra ID lives for this service, and the per-authority clients and key sets.
 *
 * Authorities and issuers always name the real host (ENTRA_AUTHORITY_HOST): msal-node refuses `http://`
 * authorities. Requests this service makes itself (OpenID metadata, signing keys) go to the same paths under
 * ENTRA_METADATA_OVERRIDE_URL when that is set (tests: a local provider); msal-node then receives the metadata as
 * `authorityMetadata` instead of fetching it, and never reaches the internet. Production leaves it unset.
 */
export class Entra {
  readonly host: string;
  private readonly networkBase: string;
  private readonly clients = new Map<string, Promise<ConfidentialClientApplication>>();
  private readonly keySets = new Map<string, JWTVerifyGetKey>();

  constructor(
    private readonly config: Config,
    private readonly logger: Logger,
  ) {
    this.host = config.ENTRA_AUTHORITY_HOST.replace(/\/+$/, '');
    this.networkBase = (config.ENTRA_METADATA_OVERRIDE_URL ?? this.host).replace(/\/+$/, '');
  }

  /** Sign-in needs the service's app registration. */
  get signInConfigured(): boolean {
    return Boolean(this.config.ENTRA_CLIENT_ID && this.config.ENTRA_CLIENT_SECRET);
  }

  get clientId(): string {
    return this.config.ENTRA_CLIENT_ID ?? '';
  }

  /** `https://login.microsoftonline.com/{tenant}` where tenant is an Entra tenant ID or `organizations`. */
  authority(tenant: string): string {
    return `${this.host}/${tenant}`;
  }

  /** The `iss` of v2.0 ID and access tokens issued by an Entra tenant. */
  issuer(entraTenantId: string): string {
    return `${this.host}/${entraTenantId}/v2.0`;
  }

  /** Entra's sign-out page (front-channel), returning to `postLogoutRedirectUri`. */
  logoutUrl(tenant: string, postLogoutRedirectUri: string): string {
    const u = new URL(`${this.authority(tenant)}/oauth2/v2.0/logout`);
    u.searchParams.set('post_logout_redirect_uri', postLogoutRedirectUri);
    return u.toString();
  }

  /** Signing keys of an Entra tenant (`{authority}/discovery/v2.0/keys`), fetched on demand and cached by jose. */
  keys(entraTenantId: string): JWTVerifyGetKey {
    let set = this.keySets.get(entraTenantId);
    if (!set) {
      if (this.keySets.size >= 1000) this.keySets.delete(this.keySets.keys().next().value!);
      set = createRemoteJWKSet(new URL(`${this.networkBase}/${entraTenantId}/discovery/v2.0/keys`), {
        timeoutDuration: 5000,
        cooldownDuration: 30_000,
        cacheMaxAge: 3_600_000,
      });
      this.keySets.set(entraTenantId, set);
    }
    return set;
  }

  /** The msal-node client for one authority (built once; a failed build is retried on the next call). */
  client(tenant: string): Promise<ConfidentialClientApplication> {
    let c = this.clients.get(tenant);
    if (!c) {
      if (this.clients.size >= 1000) this.clients.delete(this.clients.keys().next().value!);
      c = this.buildClient(tenant);
      c.catch(() => this.clients.delete(tenant));
      this.clients.set(tenant, c);
    }
    return c;
  }

  private async buildClient(tenant: string): Promise<ConfidentialClientApplication> {
    let authorityMetadata: string | undefined;
    if (this.config.ENTRA_METADATA_OVERRIDE_URL) {
      const res = await fetch(`${this.networkBase}/${tenant}/v2.0/.well-known/openid-configuration`, {
        signal: AbortSignal.timeout(5000),
      });
      if (!res.ok) throw new Error(`OpenID metadata for ${tenant}: HTTP ${res.status}`);
      authorityMetadata = await res.text();
    }
    const logger = this.logger;
    return new ConfidentialClientApplication({
      auth: {
        clientId: this.clientId,
        clientSecret: this.config.ENTRA_CLIENT_SECRET ?? '',
        authority: this.authority(tenant),
        ...(authorityMetadata ? { authorityMetadata } : {}),
      },
      system: {
        loggerOptions: {
          piiLoggingEnabled: false,
          logLevel: LogLevel.Warning,
          loggerCallback(level, message) {
            if (level <= LogLevel.Warning) logger.warn({ msal: message }, 'msal');
          },
        },
      },
    });
  }
}
