import { isIP } from 'node:net';
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
  PORT: z.coerce
    .number({ error: 'a port number from 0 to 65535 (0 picks a free one)' })
    .int('a port number from 0 to 65535 (0 picks a free one)')
    .min(0, 'a port number from 0 to 65535 (0 picks a free one)')
    .max(65535, 'a port number from 0 to 65535 (0 picks a free one)')
    .default(4000),
  /**
   * The address to listen on. An IP address (or `localhost`), not a host name: a name can stand for several
   * addresses, and a misspelt one would only fail when the database is already open.
   */
  HOST: z
    .string()
    .trim()
    .refine(
      (v) => isIP(v) !== 0 || v === 'localhost',
      'an IP address of this machine to listen on: 127.0.0.1 (this machine only), 0.0.0.0 (every interface, e.g. in a container), :: or localhost',
    )
    .default('127.0.0.1'),
  PUBLIC_URL: optionalString.pipe(z.url().optional()),
  MONGODB_URI: optionalString.pipe(
    z
      .string()
      .regex(
        /^mongodb(\+srv)?:\/\/[^/?#\s]+/,
        'a MongoDB connection string: mongodb://host:27017/directory or mongodb+srv://cluster.example.net/directory',
      )
      .optional(),
  ),
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
  /** Largest request body, in the syntax Express's body parser reads (`bytes`): a number of bytes or kb/mb/gb. */
  BODY_LIMIT: z
    .string()
    .trim()
    .regex(/^\d+(\.\d+)?\s*(b|kb|mb|gb)?$/i, 'a size such as 1mb, 512kb or 1048576 (bytes)')
    .default('1mb'),
  /**
   * Bearer token that GET /metrics requires (Prometheus `authorization: credentials`). Unset: /metrics is off. The
   * endpoint shows tenant slugs and traffic, so it is never open to anyone who can reach the service.
   */
  METRICS_TOKEN: optionalString.pipe(z.string().min(16, 'at least 16 characters').optional()),
  /** On SIGTERM/SIGINT: how long in-flight requests may take to finish before their connections are closed. */
  SHUTDOWN_TIMEOUT_SECONDS: z.coerce
    .number({ error: 'a number of seconds' })
    .min(0, 'a number of seconds')
    .max(600, 'at most 600 seconds')
    .default(10),
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
  /**
   * The maintenance sweep (services/maintenance.ts): how often it runs, in seconds (0: never, e.g. on all but one of
   * several instances). Each run repairs memberships (finishes interrupted deletes, removes memberships whose user or
   * group is gone) and enforces the provisioning log's retention.
   */
  MAINTENANCE_INTERVAL_SECONDS: z.coerce
    .number({ error: 'a number of seconds (0 turns the sweep off)' })
    .int('a whole number of seconds (0 turns the sweep off)')
    .min(0, 'a number of seconds (0 turns the sweep off)')
    .max(86_400, 'at most 86400 (a day)')
    .default(300),
  /**
   * How long, in milliseconds, a group read to be shown (GraphQL's groups of a user) may be served from this
   * instance's memory instead of the database. Changes made through this instance are seen at once; changes made
   * by another instance sharing the database (or by the CLI) within this time. Memberships and access decisions are
   * always read from the database. 0: groups are always read.
   */
  GROUP_READ_CACHE_MS: z.coerce
    .number({ error: 'a number of milliseconds (0 turns the cache off)' })
    .int('a whole number of milliseconds (0 turns the cache off)')
    .min(0, 'a number of milliseconds (0 turns the cache off)')
    .max(60_000, 'at most 60000 (a minute)')
    .default(1000),
  /** Memberships the sweep checks per run, in turn through all of them (the full scan's batch). */
  MAINTENANCE_MEMBERSHIP_SCAN_BATCH: z.coerce.number().int().min(1).max(1_000_000).default(5_000),
  /** How long a deletion is remembered (and replayed by the sweep after a restart), in hours. */
  DELETION_RECORD_RETENTION_HOURS: z.coerce
    .number()
    .min(1)
    .max(24 * 365)
    .default(24),
  /** Provisioning log retention: entries older than this many days are removed. */
  PROVISIONING_LOG_RETENTION_DAYS: z.coerce.number().min(1).max(3650).default(30),
  /** Provisioning log retention: each tenant keeps at most this many entries (its newest). */
  PROVISIONING_LOG_MAX_ENTRIES_PER_TENANT: z.coerce.number().int().min(100).max(100_000_000).default(100_000),
});

export type Config = z.infer<typeof schema>;

export class ConfigError extends Error {}

/** A configuration error found after parsing (a port in use, a database that cannot be reached), in the same form. */
export function configError(variable: string, message: string): ConfigError {
  return new ConfigError(`invalid configuration:\n  ${variable}: ${message}`);
}

/**
 * Parses the environment. `serve`: the configuration of the HTTP service itself, which in production needs a
 * SESSION_SECRET to sign cookies; the `directory` command and the build scripts do not serve, and do not need one.
 */
export function parseConfig(env: NodeJS.ProcessEnv = process.env, opts: { serve?: boolean } = {}): Config {
  const result = schema.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const cfg = result.data;
  if (opts.serve && cfg.NODE_ENV === 'production' && !cfg.SESSION_SECRET) {
    throw configError('SESSION_SECRET', 'required when NODE_ENV=production (e.g. openssl rand -base64 48)');
  }
  if (cfg.HTTP_HEADERS_TIMEOUT_MS > cfg.HTTP_REQUEST_TIMEOUT_MS) {
    throw new ConfigError(
      'invalid configuration:\n  HTTP_HEADERS_TIMEOUT_MS: at most HTTP_REQUEST_TIMEOUT_MS',
    );
  }
  if (cfg.DIRECTORY_BOOTSTRAP_SCIM_TOKEN && !cfg.DIRECTORY_BOOTSTRAP_TENANT) {
    throw configError('DIRECTORY_BOOTSTRAP_TENANT', 'required with DIRECTORY_BOOTSTRAP_SCIM_TOKEN');
  }
  if (cfg.DIRECTORY_BOOTSTRAP_ADMIN_TOKEN && !cfg.DIRECTORY_BOOTSTRAP_TENANT) {
    throw configError('DIRECTORY_BOOTSTRAP_TENANT', 'required with DIRECTORY_BOOTSTRAP_ADMIN_TOKEN');
  }
  return cfg;
}
