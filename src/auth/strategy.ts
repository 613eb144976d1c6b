import { randomBytes } from 'node:crypto';
import { AuthError, CryptoProvider, ServerError } from '@azure/msal-node';
import type { Request } from 'express';
import passport from 'passport';
import type { SsoConfiguration } from '../domain/types.js';
import type { AccessTarget } from '../services/access.js';
import type { Entra } from './entra.js';
import type { PendingSignIn, SessionSignIn } from './session.js';
import { TokenRejectedError, verifyIdToken, type EntraIdentity } from './tokens.js';

/**
 * OpenID Connect authorization code flow with PKCE against Microsoft Entra ID, through msal-node's
 * ConfidentialClientApplication, as a passport strategy.
 *
 * Start (options.start given): PKCE verifier, `state` and `nonce` are kept in the session under `state`, and the
 * browser goes to Entra's authorize endpoint. Callback: the pending sign-in is found by `state` (unknown state =
 * refused), msal-node exchanges the code with the verifier and checks state and nonce, the ID token is verified
 * with jose, and `verify` links the person to the directory and decides access.
 */
export const signInScopes = ['openid', 'profile'];
const pendingTtlMs = 10 * 60_000;
const maxPendingPerSession = 5;

export interface SignInStart {
  tenantId: string;
  target: AccessTarget;
  configuration: SsoConfiguration;
}

/** Why a sign-in was not accepted: `code` and `message` are shown to the person, never token material. */
export interface SignInRefusal {
  code: string;
  message: string;
  status: 400 | 401 | 403;
}

export type SignInVerify = (
  identity: EntraIdentity,
  pending: PendingSignIn,
  req: Request,
) => Promise<SessionSignIn | SignInRefusal>;

export function isRefusal(x: SessionSignIn | SignInRefusal): x is SignInRefusal {
  return 'code' in x;
}

const crypto = new CryptoProvider();

function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

function singleQueryValue(req: Request, name: string): string | undefined {
  const v = (req.query as Record<string, unknown>)[name];
  return typeof v === 'string' && v.length > 0 && v.length <= 4096 ? v : undefined;
}

export class EntraStrategy extends passport.Strategy {
  override name = 'entra';

  constructor(
    private readonly entra: Entra,
    private readonly redirectUri: () => string,
    private readonly verify: SignInVerify,
    private readonly onProtocolError: (detail: Record<string, unknown>) => void,
  ) {
    super();
  }

  override authenticate(req: Request, options?: { start?: SignInStart }): void {
    const done = options?.start ? this.start(req, options.start) : this.callback(req);
    done.catch((err: unknown) => this.error(err));
  }

  private async start(req: Request, start: SignInStart): Promise<void> {
    const { configuration } = start;
    const authorityTenant =
      configuration.kind === 'ENTRA_SINGLE_TENANT' && configuration.entraTenantId
        ? configuration.entraTenantId
        : 'organizations';
    const pkce = await crypto.generatePkceCodes();
    const pending: PendingSignIn = {
      state: randomToken(),
      nonce: randomToken(),
      codeVerifier: pkce.verifier,
      authorityTenant,
      tenantId: start.tenantId,
      ssoConfigurationId: configuration.id,
      target: start.target,
      createdAt: Date.now(),
    };
    const client = await this.entra.client(authorityTenant);
    const url = await client.getAuthCodeUrl({
      scopes: signInScopes,
      redirectUri: this.redirectUri(),
      responseMode: 'query',
      state: pending.state,
      nonce: pending.nonce,
      codeChallenge: pkce.challenge,
      codeChallengeMethod: 'S256',
    });

    const now = Date.now();
    const kept = Object.values(req.session.signIns ?? {})
      .filter((p) => now - p.createdAt < pendingTtlMs)
      .sort((a, b) => a.createdAt - b.createdAt)
      .slice(-(maxPendingPerSession - 1));
    req.session.signIns = Object.fromEntries([...kept, pending].map((p) => [p.state, p]));
    // A session that only carries a pending sign-in lives as long as the sign-in may take.
    if (!req.session.passport?.user) req.session.cookie.maxAge = pendingTtlMs;
    await new Promise<void>((resolve, reject) => req.session.save((err) => (err ? reject(err) : resolve())));
    this.redirect(url);
  }

  private refuse(refusal: SignInRefusal): void {
    this.fail(refusal, refusal.status);
  }

  private async callback(req: Request): Promise<void> {
    const state = singleQueryValue(req, 'state');
    const pending = state ? req.session.signIns?.[state] : undefined;
    if (state && req.session.signIns?.[state]) {
      delete req.session.signIns[state];
    }
    const entraError = singleQueryValue(req, 'error');
    if (entraError) {
      this.onProtocolError({ entraError: entraError.slice(0, 64) });
      return this.refuse({
        code: 'ENTRA_ERROR',
        message: `Microsoft Entra ID did not sign you in (${entraError.slice(0, 64).replace(/[^\w.-]/g, '')})`,
        status: 401,
      });
    }
    if (!pending || !state) {
      return this.refuse({
        code: 'STATE_MISMATCH',
        message: 'this sign-in was not started here or has expired; start again',
        status: 401,
      });
    }
    if (Date.now() - pending.createdAt >= pendingTtlMs) {
      return this.refuse({
        code: 'SIGN_IN_EXPIRED',
        message: 'the sign-in took too long; start again',
        status: 401,
      });
    }
    const code = singleQueryValue(req, 'code');
    if (!code) return this.refuse({ code: 'INVALID_REQUEST', message: 'no authorization code', status: 400 });

    const client = await this.entra.client(pending.authorityTenant);
    let idToken: string;
    try {
      const result = await client.acquireTokenByCode(
        {
          code,
          redirectUri: this.redirectUri(),
          scopes: signInScopes,
          codeVerifier: pending.codeVerifier,
          state: pending.state,
          nonce: pending.nonce,
        },
        // What came back on the redirect: msal-node compares its state with ours, and the ID token's nonce.
        { code, state, nonce: pending.nonce },
      );
      idToken = result.idToken;
      // Nothing is read from msal's token cache: drop what the exchange put there.
      if (result.account) await client.getTokenCache().removeAccount(result.account);
    } catch (err) {
      if (err instanceof AuthError) {
        this.onProtocolError({ msalError: err.errorCode, subError: err.subError });
        if (err.errorCode === 'state_mismatch' || err.errorCode === 'state_not_found') {
          return this.refuse({
            code: 'STATE_MISMATCH',
            message: 'the sign-in state does not match',
            status: 401,
          });
        }
        if (err.errorCode === 'nonce_mismatch') {
          return this.refuse({
            code: 'NONCE_MISMATCH',
            message: 'the sign-in nonce does not match',
            status: 401,
          });
        }
        if (err instanceof ServerError) {
          return this.refuse({
            code: 'SIGN_IN_FAILED',
            message: 'Microsoft Entra ID refused the sign-in; start again',
            status: 401,
          });
        }
      }
      throw err;
    }
    if (!idToken) {
      return this.refuse({ code: 'INVALID_ID_TOKEN', message: 'no ID token was issued', status: 401 });
    }

    let identity: EntraIdentity;
    try {
      identity = await verifyIdToken(this.entra, idToken, { nonce: pending.nonce });
    } catch (err) {
      if (err instanceof TokenRejectedError) {
        this.onProtocolError({ idToken: err.code, detail: err.detail ?? err.message });
        return this.refuse({ code: 'INVALID_ID_TOKEN', message: 'the ID token is not valid', status: 401 });
      }
      throw err;
    }
    const outcome = await this.verify(identity, pending, req);
    if (isRefusal(outcome)) return this.refuse(outcome);
    this.success(outcome);
  }
}
