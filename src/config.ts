import { z } from 'zod';

/**
 * Configuration, parsed once at start-up. Nothing else reads process.env. A bad value stops the process with a
 * message that names the variable.
 */
const optionalString = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  HOST: z.string().default('127.0.0.1'),
  PUBLIC_URL: optionalString.pipe(z.url().optional()),
  MONGODB_URI: optionalString,
  DATA_DIR: z.string().default('./.data'),
  /** The embedded database keeps its data in this PostgreSQL database instead of SQLite files in DATA_DIR. */
  EMBEDDED_POSTGRESQL_URL: optionalString.pipe(
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'a postgres:// or postgresql:// URL')
      .optional(),
  ),
  /** Where the zero-config database binary is built (go build output). */
  FERRETDB_BIN_DIR: z.string().default('./.cache/ferretdb'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DIRECTORY_BOOTSTRAP_TENANT: optionalString.pipe(
    z
      .string()
      .regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, 'lower-case letters, digits and dashes')
      .optional(),
  ),
  DIRECTORY_BOOTSTRAP_SCIM_TOKEN: optionalString.pipe(
    z.string().min(16, 'at least 16 characters').optional(),
  ),
  DIRECTORY_BOOTSTRAP_ADMIN_TOKEN: optionalString.pipe(
    z.string().min(16, 'at least 16 characters').optional(),
  ),
  /** Secret that signs session cookies. Required in production; generated per process otherwise. */
  SESSION_SECRET: optionalString.pipe(z.string().min(32, 'at least 32 characters').optional()),
  /** The service's own Entra app registration (used by every tenant's SSO configurations). */
  ENTRA_CLIENT_ID: optionalString,
  ENTRA_CLIENT_SECRET: optionalString,
  /** Authority host; only tests point this elsewhere (see the README). */
  ENTRA_AUTHORITY_HOST: z.url().default('https://login.microsoftonline.com'),
  /** Testing only: a local OpenID provider's base URL that serves Entra-shaped metadata/keys/endpoints. */
  ENTRA_METADATA_OVERRIDE_URL: optionalString.pipe(z.url().optional()),
  /** App ID URI / client ID that access tokens from the workspace app must be issued for. */
  ENTRA_API_AUDIENCE: optionalString,
  /** Delegated scope (`scp`) an access token must carry, or the app role (`roles`) that stands in for it. */
  ENTRA_API_SCOPE: z.string().min(1).default('Directory.Read'),
  ENTRA_API_ROLE: z.string().min(1).default('Directory.Read.All'),
  /** Express "trust proxy": which proxies' X-Forwarded-* headers to believe (loopback, a CIDR list, or a hop count). */
  TRUST_PROXY: z.string().default('loopback'),
  SCIM_RATE_LIMIT_PER_SECOND: z.coerce.number().int().min(1).default(200),
  SCIM_MAX_PAGE_SIZE: z.coerce.number().int().min(1).max(1000).default(200),
  BODY_LIMIT: z.string().default('1mb'),
  /** Per client address: requests a minute without a valid credential (SCIM, GraphQL, /auth); 429 beyond. */
  UNAUTHENTICATED_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(120),
  /** Per principal: GraphQL operations a second (bursts up to twice that); 429 beyond. */
  GRAPHQL_RATE_LIMIT_PER_SECOND: z.coerce.number().int().min(1).default(200),
  /** HTTP server: time to receive a request's headers, and the whole request. */
  HTTP_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(100).default(20_000),
  HTTP_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).default(60_000),
  /** HTTP server: how long a keep-alive connection may wait for its next request. */
  HTTP_KEEP_ALIVE_TIMEOUT_MS: z.coerce.number().int().min(100).default(5_000),
  /** HTTP server: a connection with no request in progress and no traffic for this long is closed. */
  HTTP_IDLE_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
});

export type Config = z.infer<typeof schema>;

export class ConfigError extends Error {}

export function parseConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const result = schema.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const cfg = result.data;
  if (cfg.NODE_ENV === 'production' && !cfg.SESSION_SECRET) {
    throw new ConfigError('invalid configuration:\n  SESSION_SECRET: required when NODE_ENV=production');
  }
  if (cfg.HTTP_HEADERS_TIMEOUT_MS > cfg.HTTP_REQUEST_TIMEOUT_MS) {
    throw new ConfigError(
      'invalid configuration:\n  HTTP_HEADERS_TIMEOUT_MS: at most HTTP_REQUEST_TIMEOUT_MS',
    );
  }
  if (cfg.DIRECTORY_BOOTSTRAP_SCIM_TOKEN && !cfg.DIRECTORY_BOOTSTRAP_TENANT) {
    throw new ConfigError(
      'invalid configuration:\n  DIRECTORY_BOOTSTRAP_TENANT: required with DIRECTORY_BOOTSTRAP_SCIM_TOKEN',
    );
  }
  if (cfg.DIRECTORY_BOOTSTRAP_ADMIN_TOKEN && !cfg.DIRECTORY_BOOTSTRAP_TENANT) {
    throw new ConfigError(
      'invalid configuration:\n  DIRECTORY_BOOTSTRAP_TENANT: required with DIRECTORY_BOOTSTRAP_ADMIN_TOKEN',
    );
  }
  return cfg;
}
