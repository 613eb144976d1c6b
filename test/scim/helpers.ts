import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { buildApp } from '../../src/server.js';
import type { Tenant } from '../../src/domain/types.js';
import { makeTenantWithTokens } from '../helpers/factories.js';

/** The real service (every mount) on a real port: SCIM tests go through HTTP and the real Express app. */
export interface TestServer {
  baseUrl: string;
  close(): Promise<void>;
}

export async function startServer(env: Record<string, string> = {}): Promise<TestServer> {
  let baseUrl = '';
  // Tests send requests as fast as the machine allows, far past a real tenant's budget (CI got 429s from
  // filter-answers.test.ts): the rate limits are raised here, and the tests of the limits set their own.
  const config = parseConfig({
    ...process.env,
    LOG_LEVEL: 'silent',
    NODE_ENV: 'test',
    SCIM_RATE_LIMIT_PER_SECOND: '1000000',
    GRAPHQL_RATE_LIMIT_PER_SECOND: '1000000',
    ...env,
  } as never);
  const built = await buildApp(
    config,
    createLogger((process.env.TEST_LOG_LEVEL as never) ?? 'silent'),
    () => baseUrl,
  );
  const server = http.createServer(built.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    baseUrl,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await built.stop();
    },
  };
}

export interface ScimResponse {
  status: number;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  text: string;
}

export interface CallOptions {
  headers?: Record<string, string>;
  /** Send this string as the body, as is (no JSON encoding). */
  raw?: string;
  /** Leave out the Authorization header. */
  anonymous?: boolean;
}

/** A SCIM client for one tenant, shaped like Entra's requests (application/scim+json, bearer token). */
export class ScimClient {
  constructor(
    readonly base: string,
    readonly token: string,
  ) {}

  async call(method: string, path: string, body?: unknown, opts: CallOptions = {}): Promise<ScimResponse> {
    const headers: Record<string, string> = {
      ...(opts.anonymous ? {} : { authorization: `Bearer ${this.token}` }),
      ...(body !== undefined || opts.raw !== undefined ? { 'content-type': 'application/scim+json' } : {}),
      ...opts.headers,
    };
    const res = await fetch(this.base + path, {
      method,
      headers,
      body: opts.raw ?? (body === undefined ? undefined : JSON.stringify(body)),
    });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.status, headers: res.headers, body: parsed, text };
  }

  get(path: string, opts?: CallOptions) {
    return this.call('GET', path, undefined, opts);
  }
  post(path: string, body: unknown, opts?: CallOptions) {
    return this.call('POST', path, body, opts);
  }
  put(path: string, body: unknown, opts?: CallOptions) {
    return this.call('PUT', path, body, opts);
  }
  patch(path: string, body: unknown, opts?: CallOptions) {
    return this.call('PATCH', path, body, opts);
  }
  delete(path: string, opts?: CallOptions) {
    return this.call('DELETE', path, undefined, opts);
  }

  /** GET /Users?filter=… (the filter URL-encoded as Entra sends it). */
  users(filter?: string, extra = '') {
    return this.get(`/Users?${filter !== undefined ? `filter=${encodeURIComponent(filter)}` : ''}${extra}`);
  }
  groups(filter?: string, extra = '') {
    return this.get(`/Groups?${filter !== undefined ? `filter=${encodeURIComponent(filter)}` : ''}${extra}`);
  }
}

/** A fresh tenant with its SCIM token and a client for its tenant URL. */
export async function scimTenant(
  server: TestServer,
): Promise<{ tenant: Tenant; client: ScimClient; adminToken: string; tenantUrl: string }> {
  const { tenant, scimToken, adminToken } = await makeTenantWithTokens('scim');
  const tenantUrl = `${server.baseUrl}/scim/v2/tenants/${tenant.slug}`;
  return { tenant, client: new ScimClient(tenantUrl, scimToken), adminToken, tenantUrl };
}

export const patchOp = (...operations: unknown[]) => ({
  schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
  Operations: operations,
});

export const coreUser = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const coreGroup = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const enterpriseUser = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const errorSchema = 'urn:ietf:params:scim:api:messages:2.0:Error';
export const listSchema = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
