import type { NextFunction, Request, Response } from 'express';
import { isDomainError, TooManyRequestsError, type DomainErrorCode } from '../domain/errors.js';
import type { Logger } from '../log.js';
import { requestId } from '../http/principal.js';

/**
 * The sign-in face's one error mapper. A refusal carries a public code and message, sent as JSON or, to a browser,
 * as a small page; never a token, a code or a stack. Anything unexpected is logged and leaves as a generic 500.
 */
export interface Refusal {
  code: string;
  message: string;
  status: number;
}

const statusByCode: Record<DomainErrorCode, number> = {
  NOT_FOUND: 404,
  CONFLICT: 409,
  INVALID_INPUT: 400,
  IMMUTABLE: 400,
  FORBIDDEN: 403,
  UNAUTHENTICATED: 401,
  PRECONDITION_FAILED: 412,
  TOO_MANY_REQUESTS: 429,
  TOO_EXPENSIVE: 400,
  UNAVAILABLE: 503,
  FEATURE_DISABLED: 403,
};

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const titles: Record<number, string> = {
  400: 'Sign-in request not understood',
  401: 'Sign-in failed',
  403: 'Access refused',
  404: 'Not found',
};

export function sendRefusal(req: Request, res: Response, refusal: Refusal): void {
  res.status(refusal.status).set('Cache-Control', 'no-store');
  if (req.accepts(['json', 'html']) === 'html') {
    const title = titles[refusal.status] ?? 'Sign-in problem';
    res
      .type('html')
      .send(
        `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head>` +
          `<body><h1>${title}</h1><p>${escapeHtml(refusal.message)}</p>` +
          `<p><small>Reason: ${escapeHtml(refusal.code)}</small></p></body></html>`,
      );
    return;
  }
  res.json({ error: refusal.code, message: refusal.message });
}

export function authErrorHandler(logger: Logger) {
  return (err: unknown, req: Request, res: Response, next: NextFunction): void => {
    // too late to answer (e.g. the session could not be saved after the redirect went out): the app's last
    // resort logs it and ends the connection
    if (res.headersSent) return next(err);
    if (isDomainError(err)) {
      if (err instanceof TooManyRequestsError) {
        res.set('Retry-After', String(Math.max(1, Math.ceil(err.retryAfterSeconds))));
      }
      sendRefusal(req, res, { code: err.code, message: err.message, status: statusByCode[err.code] ?? 400 });
      return;
    }
    logger.error({ err, reqId: requestId(req) }, 'sign-in error');
    sendRefusal(req, res, { code: 'INTERNAL', message: 'internal error', status: 500 });
  };
}
