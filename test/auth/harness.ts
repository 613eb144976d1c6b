import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseConfig, type Config } from '../../src/config.js';
import { type ServiceContext } from '../../src/services/context.js';
import type { SsoConfiguration, Tenant, User } from '../../src/domain/types.js';
import { createLogger } from '../../src/log.js';
import { buildApp } from '../../src/server.js';
import { setMainDashboardAccess } from '../../src/services/access-policies.js';
import { createGroup } from '../../src/services/groups.js';
import { createSsoConfiguration } from '../../src/services/sso.js';
import { createUser } from '../../src/services/users.js';
import { FakeEntra, type NextSignIn } from '../helpers/fake-entra.js';
import { ctxFor, guid, makeTenant } from '../helpers/factories.js';

/**
 * The real app (buildApp) on 127.0.0.1:0 with the fake Entra beside it, a tiny cookie-keeping browser that follows
 * the sign-in redirects by hand, and scenario builders over the services.
 */
export const clientId = '11111111-2222-4333-8444-555555555555';
export const clientSecret = 'fake-client-secret-value';
export const apiAudience = '99999999-8888-4777-8666-555555555555';

export interface Harness {
  url: string;
  publicUrl: string;
  fake: FakeEntra;
  config: Config;
  stop(): Promise<void>;
}

export async function startHarness(opts: { publicUrl?: string } = {}): Promise<Harness> {
  const fake = await FakeEntra.start({ clientId, clientSecret });
  const config = parseConfig({
    NODE_ENV: 'test',
    ENTRA_CLIENT_ID: clientId,
    ENTRA_CLIENT_SECRET: clientSecret,
    ENTRA_METADATA_OVERRIDE_URL: fake.url,
    ENTRA_API_AUDIENCE: apiAudience,
    ...(opts.publicUrl ? { PUBLIC_URL: opts.publicUrl } : {}),
  });
  let url = '';
  const built = await buildApp(config, createLogger(process.env.AUTH_TEST_LOG ?? 'silent'), () =>
    opts.publicUrl ? opts.publicUrl : url,
  );
  const server = http.createServer(built.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    publicUrl: opts.publicUrl ?? url,
    fake,
    config,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await built.stop();
      await fake.stop();
    },
  };
}

/** A browser: keeps the app's cookies and never follows redirects by itself. */
export class Browser {
  readonly cookies = new Map<string, string>();
  /** The raw Set-Cookie headers of the last response. */
  lastSetCookie: string[] = [];

  constructor(private readonly base: string) {}

  async request(pathOrUrl: string, init: RequestInit = {}): Promise<Response> {
    const url = pathOrUrl.startsWith('http') ? pathOrUrl : this.base + pathOrUrl;
    const headers = new Headers(init.headers);
    if (url.startsWith(this.base) && this.cookies.size > 0 && !headers.has('cookie')) {
      headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    }
    const res = await fetch(url, { ...init, headers, redirect: 'manual' });
    this.lastSetCookie = res.headers.getSetCookie();
    if (url.startsWith(this.base)) {
      for (const line of this.lastSetCookie) {
        const [pair] = line.split(';');
        const eq = pair!.indexOf('=');
        const name = pair!.slice(0, eq).trim();
        const value = pair!.slice(eq + 1).trim();
        if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) this.cookies.delete(name);
        else this.cookies.set(name, value);
      }
    }
    return res;
  }

  /**
   * Starts a sign-in at `startPath` and follows it through the fake Entra back to the callback. Returns the
   * callback's response (a redirect to the landing page, or a refusal).
   */
  async signIn(startPath: string, opts: { tamperState?: boolean } = {}): Promise<Response> {
    const start = await this.request(startPath);
    if (start.status !== 302) return start;
    const authorize = await this.request(start.headers.get('location')!);
    if (authorize.status !== 302) throw new Error(`authorize answered ${authorize.status}`);
    const back = new URL(authorize.headers.get('location')!);
    if (opts.tamperState) back.searchParams.set('state', 'forged-' + guid());
    return this.request(back.toString());
  }

  async session(headers: Record<string, string> = {}): Promise<{ status: number; body: SessionBody }> {
    const res = await this.request('/auth/session', { headers });
    return { status: res.status, body: (await res.json()) as SessionBody };
  }
}

export interface DecisionBody {
  allowed: boolean;
  reason: string;
  groupSource: string;
  id?: string;
}
export interface SessionBody {
  via: string;
  error?: string;
  message?: string;
  user: { id: string; userName: string };
  tenant: { slug: string };
  isAdmin: boolean;
  ssoConfigurationId: string;
  access: { mainDashboard: DecisionBody; workspace?: DecisionBody };
}

export interface Scenario {
  tenant: Tenant;
  admin: ServiceContext;
  scim: ServiceContext;
  entraTenantId: string;
  sso: SsoConfiguration;
  /** An allowed Entra group, provisioned by SCIM as a directory group (externalId = its object ID). */
  allowedGroup: string;
  user: User;
  /** The person behind `user` at Entra. */
  person: NextSignIn;
}

/**
 * A tenant with one SSO configuration (single-tenant unless `multiTenant` lists the allowed Entra tenants), the
 * main dashboard limited to one group, and one provisioned user (externalId = mailNickname, as Entra's default
 * mapping sends) whose Entra person is in that group.
 */
export async function scenario(opts: { multiTenant?: boolean } = {}): Promise<Scenario> {
  const tenant = await makeTenant('auth');
  const admin = ctxFor(tenant, 'graphql');
  const scim = ctxFor(tenant, 'scim');
  const entraTenantId = guid();
  const sso = await createSsoConfiguration(
    admin,
    opts.multiTenant
      ? { name: 'Entra (multi-tenant)', kind: 'ENTRA_MULTI_TENANT', allowedEntraTenantIds: [entraTenantId] }
      : { name: 'Entra', kind: 'ENTRA_SINGLE_TENANT', entraTenantId },
  );
  const allowedGroup = guid();
  await setMainDashboardAccess(admin, {
    ssoEnabled: true,
    ssoConfigurationId: sso.id,
    allowedGroupIds: [allowedGroup],
  });
  const user = await createUser(scim, {
    userName: 'Ada.Lovelace@contoso.example',
    externalId: 'ada.lovelace',
  });
  const person: NextSignIn = {
    oid: guid(),
    tid: entraTenantId,
    preferred_username: 'ada.lovelace@CONTOSO.example',
    name: 'Ada Lovelace',
    groups: [guid(), allowedGroup.toUpperCase()],
  };
  return { tenant, admin, scim, entraTenantId, sso, allowedGroup, user, person };
}

/** A SCIM-provisioned directory group for an Entra group object ID, with members. */
export async function provisionGroup(s: Scenario, objectId: string, members: string[]) {
  return createGroup(s.scim, { displayName: `Group ${objectId.slice(0, 8)}`, externalId: objectId, members });
}
