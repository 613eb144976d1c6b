import { createHash, randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';

/**
 * A local OpenID provider that behaves like Microsoft Entra ID's v2.0 endpoints, for tests without the internet:
 *
 *   GET  /{tenant}/v2.0/.well-known/openid-configuration
 *   GET  /{tenant}/oauth2/v2.0/authorize   (code flow; PKCE S256 required; 302 to redirect_uri with code + state)
 *   POST /{tenant}/oauth2/v2.0/token       (client secret + PKCE verifier; id_token, access_token, client_info)
 *   GET  /{tenant}/discovery/v2.0/keys
 *
 * Tokens are RS256 with Entra's claims (`oid`, `tid`, `preferred_username`, `groups` or the overage marker, `scp`),
 * and `iss` names the real host (https://login.microsoftonline.com/{tid}/v2.0), as the service expects.
 */
export const entraHost = 'https://login.microsoftonline.com';

export interface FakeEntraUser {
  oid: string;
  tid: string;
  preferred_username?: string;
  name?: string;
  /** Group object IDs for the `groups` claim; omitted = no claim. */
  groups?: string[];
  /** Send the overage marker (`_claim_names`/`_claim_sources`) instead of `groups`. */
  overage?: boolean;
}

export interface NextSignIn extends FakeEntraUser {
  /** Claims that replace the ID token's (a wrong nonce, audience, issuer…). */
  idTokenClaims?: Record<string, unknown>;
  /** Sign the ID token with a key that is not published. */
  foreignKey?: boolean;
  /** Fail the authorize step with this OAuth error (e.g. access_denied). */
  authorizeError?: string;
}

export interface AccessTokenOptions extends FakeEntraUser {
  aud: string;
  scp?: string;
  roles?: string[];
  /** Seconds from now; negative = already expired. Default 3600. */
  expiresIn?: number;
  foreignKey?: boolean;
  claims?: Record<string, unknown>;
}

interface IssuedCode {
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  nonce: string | undefined;
  user: NextSignIn;
  issuedAt: number;
}

const b64url = (buf: Buffer) => buf.toString('base64url');

export class FakeEntra {
  url = '';
  /** Paths requested, in order (no query strings): lets tests see what was called. */
  readonly requests: string[] = [];
  private server!: http.Server;
  private key!: CryptoKey;
  private foreign!: CryptoKey;
  private jwk!: JWK;
  private readonly kid = randomUUID();
  private readonly codes = new Map<string, IssuedCode>();
  private next: NextSignIn | undefined;

  private constructor(
    readonly clientId: string,
    readonly clientSecret: string,
  ) {}

  static async start(opts: { clientId: string; clientSecret: string }): Promise<FakeEntra> {
    const f = new FakeEntra(opts.clientId, opts.clientSecret);
    const pair = await generateKeyPair('RS256', { extractable: true });
    f.key = pair.privateKey;
    f.jwk = { ...(await exportJWK(pair.publicKey)), kid: f.kid, use: 'sig', alg: 'RS256' };
    f.foreign = (await generateKeyPair('RS256')).privateKey;
    f.server = http.createServer((req, res) => {
      f.handle(req, res).catch((err: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' }).end(String(err));
      });
    });
    await new Promise<void>((resolve) => f.server.listen(0, '127.0.0.1', resolve));
    f.url = `http://127.0.0.1:${(f.server.address() as AddressInfo).port}`;
    return f;
  }

  /** The person who signs in at the next authorize request. */
  signInAs(user: NextSignIn): void {
    this.next = user;
  }

  async mintAccessToken(o: AccessTokenOptions): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const exp = now + (o.expiresIn ?? 3600);
    const claims: JWTPayload = {
      aud: o.aud,
      iss: `${entraHost}/${o.tid}/v2.0`,
      iat: Math.min(now, exp - 60),
      nbf: Math.min(now, exp - 60),
      exp,
      azp: randomUUID(),
      azpacr: '1',
      name: o.name ?? 'Test User',
      oid: o.oid,
      preferred_username: o.preferred_username,
      rh: '0.fake.',
      sub: b64url(randomBytes(16)),
      tid: o.tid,
      uti: b64url(randomBytes(12)),
      ver: '2.0',
      ...(o.scp !== undefined ? { scp: o.scp } : {}),
      ...(o.roles ? { roles: o.roles } : {}),
      ...groupClaims(o),
      ...o.claims,
    };
    return this.sign(claims, o.foreignKey);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private sign(claims: JWTPayload, foreignKey = false): Promise<string> {
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: this.kid, typ: 'JWT' })
      .sign(foreignKey ? this.foreign : this.key);
  }

  private metadata(tenant: string) {
    const base = `${this.url}/${tenant}`;
    // Common authorities issue for the signed-in person's tenant: Entra templates the issuer.
    const issuerTenant = /^[0-9a-f-]{36}$/i.test(tenant) ? tenant : '{tenantid}';
    return {
      token_endpoint: `${base}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: `${base}/discovery/v2.0/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: `${entraHost}/${issuerTenant}/v2.0`,
      request_uri_parameter_supported: false,
      userinfo_endpoint: 'https://graph.microsoft.com/oidc/userinfo',
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      claims_supported: [
        'sub',
        'iss',
        'aud',
        'exp',
        'iat',
        'nonce',
        'name',
        'oid',
        'tid',
        'preferred_username',
      ],
      tenant_region_scope: 'EU',
      cloud_instance_name: 'microsoftonline.com',
      cloud_graph_host_name: 'graph.windows.net',
      msgraph_host: 'graph.microsoft.com',
    };
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const u = new URL(req.url ?? '/', this.url);
    this.requests.push(u.pathname);
    const m =
      /^\/([^/]+)\/(v2\.0\/\.well-known\/openid-configuration|oauth2\/v2\.0\/authorize|oauth2\/v2\.0\/token|discovery\/v2\.0\/keys)$/.exec(
        u.pathname,
      );
    if (!m) return json(res, 404, { error: 'not_found' });
    const [, tenant, what] = m as unknown as [string, string, string];
    if (what.endsWith('openid-configuration')) return json(res, 200, this.metadata(tenant));
    if (what.endsWith('keys')) return json(res, 200, { keys: [this.jwk] });
    if (what.endsWith('authorize')) return this.authorize(u, res);
    if (req.method !== 'POST') return json(res, 405, { error: 'invalid_request' });
    return this.token(tenant, req, res);
  }

  private authorize(u: URL, res: http.ServerResponse): void {
    const q = u.searchParams;
    const redirectUri = q.get('redirect_uri');
    if (q.get('client_id') !== this.clientId || !redirectUri) {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('AADSTS700016: unknown application');
      return;
    }
    const back = new URL(redirectUri);
    const state = q.get('state');
    if (state !== null) back.searchParams.set('state', state);
    const user = this.next;
    this.next = undefined;
    if (user?.authorizeError || !user) {
      back.searchParams.set('error', user?.authorizeError ?? 'login_required');
      back.searchParams.set('error_description', 'AADSTS50058: the user did not sign in');
    } else if (
      q.get('response_type') !== 'code' ||
      q.get('code_challenge_method') !== 'S256' ||
      !q.get('code_challenge')
    ) {
      back.searchParams.set('error', 'invalid_request');
      back.searchParams.set('error_description', 'AADSTS9002325: PKCE (S256) is required');
    } else {
      const code = b64url(randomBytes(32));
      this.codes.set(code, {
        clientId: this.clientId,
        redirectUri,
        codeChallenge: q.get('code_challenge')!,
        nonce: q.get('nonce') ?? undefined,
        user,
        issuedAt: Date.now(),
      });
      back.searchParams.set('code', code);
      if (q.get('client_info') === '1') back.searchParams.set('client_info', clientInfo(user));
    }
    res.writeHead(302, { location: back.toString() }).end();
  }

  private async token(tenant: string, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
    const fail = (status: number, error: string, description: string) =>
      json(res, status, {
        error,
        error_description: description,
        error_codes: [70008],
        timestamp: new Date().toISOString(),
        trace_id: randomUUID(),
        correlation_id: randomUUID(),
      });
    if (body.get('client_id') !== this.clientId || body.get('client_secret') !== this.clientSecret) {
      return fail(401, 'invalid_client', 'AADSTS7000215: Invalid client secret provided.');
    }
    if (body.get('grant_type') !== 'authorization_code') {
      return fail(400, 'unsupported_grant_type', 'AADSTS70003: unsupported grant type');
    }
    const code = body.get('code') ?? '';
    const issued = this.codes.get(code);
    this.codes.delete(code);
    if (!issued || Date.now() - issued.issuedAt > 600_000) {
      return fail(400, 'invalid_grant', 'AADSTS70008: the authorization code is invalid or has expired.');
    }
    if (body.get('redirect_uri') !== issued.redirectUri) {
      return fail(400, 'invalid_grant', 'AADSTS50148: redirect_uri does not match the authorize request.');
    }
    const verifier = body.get('code_verifier') ?? '';
    if (b64url(createHash('sha256').update(verifier).digest()) !== issued.codeChallenge) {
      return fail(400, 'invalid_grant', 'AADSTS501481: the code_verifier does not match the code_challenge.');
    }
    const user = issued.user;
    const now = Math.floor(Date.now() / 1000);
    const idClaims: JWTPayload = {
      ver: '2.0',
      iss: `${entraHost}/${user.tid}/v2.0`,
      sub: b64url(createHash('sha256').update(`${user.oid}:${this.clientId}`).digest()),
      aud: this.clientId,
      exp: now + 3600,
      iat: now,
      nbf: now,
      name: user.name ?? 'Test User',
      preferred_username: user.preferred_username,
      oid: user.oid,
      tid: user.tid,
      ...(issued.nonce ? { nonce: issued.nonce } : {}),
      aio: b64url(randomBytes(24)),
      rh: '0.fake.',
      uti: b64url(randomBytes(12)),
      ...groupClaims(user),
      ...user.idTokenClaims,
    };
    void tenant;
    return json(res, 200, {
      token_type: 'Bearer',
      scope: 'openid profile email User.Read',
      expires_in: 3599,
      ext_expires_in: 3599,
      access_token: await this.mintAccessToken({ ...user, aud: '00000003-0000-0000-c000-000000000000' }),
      refresh_token: b64url(randomBytes(48)),
      id_token: await this.sign(idClaims, user.foreignKey),
      client_info: clientInfo(user),
    });
  }
}

/** `groups`, or Entra's overage marker when the person is in more groups than a JWT may carry (200). */
function groupClaims(user: FakeEntraUser): JWTPayload {
  if (user.overage) {
    return {
      _claim_names: { groups: 'src1' },
      _claim_sources: {
        src1: { endpoint: `https://graph.microsoft.com/v1.0/users/${user.oid}/getMemberObjects` },
      },
    };
  }
  return user.groups ? { groups: user.groups } : {};
}

/** Entra's `client_info`: base64url JSON of the home account's object ID and tenant ID. */
function clientInfo(user: FakeEntraUser): string {
  return b64url(Buffer.from(JSON.stringify({ uid: user.oid, utid: user.tid })));
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}
