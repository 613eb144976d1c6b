import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { parseConfig } from '../../src/config.js';
import type { Tenant, User } from '../../src/domain/types.js';
import { adminTokenAuthenticator } from '../../src/http/admin-token.js';
import { createApp, type HttpDeps } from '../../src/http/app.js';
import type { Authenticator, Principal } from '../../src/http/principal.js';
import { createGraphqlMount } from '../../src/graphql/mount.js';
import { createLogger } from '../../src/log.js';
import { buildApp } from '../../src/server.js';
import { getUser } from '../../src/services/users.js';
import { ctxFor } from '../helpers/factories.js';

/**
 * A real service over real HTTP for the GraphQL tests. By default the application exactly as `buildApp` builds it
 * (every mount, the real authenticators). With `testAuthenticators`, an app with only the GraphQL mount whose
 * authenticators are those, then the admin-token one: tests use this for member (non-admin) principals, whose
 * session/access-token authenticators belong to the sign-in engineer.
 */
/** Parsed JSON from a response: tests navigate it freely and assert on what they find. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Data = any;

export interface TestServer {
  url: string;
  logs: Record<string, unknown>[];
  close(): Promise<void>;
}

export async function startServer(opts: { testAuthenticators?: Authenticator[] } = {}): Promise<TestServer> {
  // Rate limits far above what tests send (test/scim/helpers.ts); test/http/limits.test.ts tests the limits.
  const config = parseConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    SCIM_RATE_LIMIT_PER_SECOND: '1000000',
    GRAPHQL_RATE_LIMIT_PER_SECOND: '1000000',
  });
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString().split('\n')) if (line.trim()) logs.push(JSON.parse(line));
      cb();
    },
  });
  const logger = createLogger('info', sink);
  let url = '';
  const publicUrl = () => url;
  let app: http.RequestListener;
  let stop: () => Promise<void>;
  if (opts.testAuthenticators) {
    const deps: HttpDeps = { config, logger, publicUrl };
    const mount = await createGraphqlMount(deps, [...opts.testAuthenticators, adminTokenAuthenticator]);
    app = createApp(deps, [mount]);
    stop = async () => mount.stop?.();
  } else {
    const built = await buildApp(config, logger, publicUrl);
    app = built.app;
    stop = built.stop;
  }
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    logs,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await stop();
    },
  };
}

export interface GqlResponse<D = Record<string, Data>> {
  status: number;
  headers: Headers;
  data?: D | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, Data> }[];
}

/** POSTs a GraphQL operation as a client would. `auth` is a bearer token or extra headers. */
export async function gql<D = Record<string, Data>>(
  server: { url: string },
  auth: string | Record<string, string> | undefined,
  query: string,
  variables?: Record<string, unknown>,
): Promise<GqlResponse<D>> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (typeof auth === 'string') headers.authorization = `Bearer ${auth}`;
  else if (auth) Object.assign(headers, auth);
  const res = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: D; errors?: GqlResponse['errors'] };
  return { status: res.status, headers: res.headers, ...body };
}

/** Asserts success and returns data. */
export async function ok<D = Record<string, Data>>(
  server: { url: string },
  auth: string | Record<string, string> | undefined,
  query: string,
  variables?: Record<string, unknown>,
): Promise<D> {
  const res = await gql<D>(server, auth, query, variables);
  if (res.errors?.length || res.status !== 200) {
    throw new Error(`GraphQL failed (HTTP ${res.status}): ${JSON.stringify(res.errors)}`);
  }
  return res.data as D;
}

/** The first error's code, for error-case assertions. */
export function codeOf(res: GqlResponse): string | undefined {
  return res.errors?.[0]?.extensions?.code as string | undefined;
}

/**
 * Test-only authenticator: `X-Test-Member: <tenantId>:<userId>[:<ssoConfigurationId>[:<group,group>]]` is a signed-in
 * directory user who is not an admin (what a session or an Entra access token yields).
 */
export const testMemberAuthenticator: Authenticator = async (req) => {
  const h = req.headers['x-test-member'];
  if (typeof h !== 'string') return undefined;
  const [tenantId, userId, ssoConfigurationId, groups] = h.split(':');
  const user = await getUser(ctxFor({ id: tenantId! } as Tenant), userId!);
  const principal: Principal = {
    tenantId: tenantId!,
    kind: 'session',
    actor: { type: 'user', id: userId!, userId, isAdmin: false },
    user,
    ...(ssoConfigurationId ? { ssoConfigurationId } : {}),
    ...(groups !== undefined ? { tokenGroupIds: groups ? groups.split(',') : [] } : {}),
  };
  return principal;
};

export function memberHeader(
  tenant: Tenant,
  user: User,
  signIn?: { ssoConfigurationId: string; groups?: string[] },
): Record<string, string> {
  const parts = [tenant.id, user.id];
  if (signIn) parts.push(signIn.ssoConfigurationId, ...(signIn.groups ? [signIn.groups.join(',')] : []));
  return { 'x-test-member': parts.join(':') };
}
