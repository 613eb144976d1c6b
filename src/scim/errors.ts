import {
  ConflictError,
  ImmutableFieldError,
  InvalidInputError,
  NotFoundError,
  TooManyRequestsError,
  UnavailableError,
  isDomainError,
} from '../domain/errors.js';
import { urn } from './urns.js';

/**
 * SCIM errors (RFC 7644 §3.12). This file is the ONE place where anything thrown while serving a SCIM request
 * becomes a SCIM error response: protocol errors raised by the SCIM layer itself (ScimError), the directory's
 * DomainErrors, the body parser's errors, and everything else (→ 500 with a generic detail; the caller logs it).
 */
export type ScimType =
  | 'invalidFilter'
  | 'tooMany'
  | 'uniqueness'
  | 'mutability'
  | 'invalidSyntax'
  | 'invalidPath'
  | 'noTarget'
  | 'invalidValue'
  | 'invalidVers'
  | 'sensitive';

/** A protocol error detected by the SCIM layer (bad filter, bad PATCH path, bad JSON shape…). */
export class ScimError extends Error {
  constructor(
    readonly status: number,
    readonly scimType: ScimType | undefined,
    detail: string,
  ) {
    super(detail);
    this.name = 'ScimError';
  }
}

export const invalidFilter = (detail: string) => new ScimError(400, 'invalidFilter', detail);
export const invalidPath = (detail: string) => new ScimError(400, 'invalidPath', detail);
export const invalidValue = (detail: string) => new ScimError(400, 'invalidValue', detail);
export const invalidSyntax = (detail: string) => new ScimError(400, 'invalidSyntax', detail);
export const noTarget = (detail: string) => new ScimError(400, 'noTarget', detail);
export const mutability = (detail: string) => new ScimError(400, 'mutability', detail);

export interface ScimErrorResponse {
  status: number;
  headers: Record<string, string>;
  body: { schemas: string[]; status: string; scimType?: ScimType; detail: string };
  /** True when the error was not expected: the caller logs it (the response says nothing about it). */
  unexpected: boolean;
}

function response(
  status: number,
  detail: string,
  scimType?: ScimType,
  headers: Record<string, string> = {},
): ScimErrorResponse {
  return {
    status,
    headers,
    body: { schemas: [urn.error], status: String(status), ...(scimType ? { scimType } : {}), detail },
    unexpected: false,
  };
}

/** Body-parser errors carry a `type` (raw-body / body-parser conventions). */
function bodyParserError(err: unknown): ScimErrorResponse | undefined {
  const type = (err as { type?: unknown })?.type;
  if (typeof type !== 'string') return undefined;
  switch (type) {
    case 'entity.parse.failed':
      return response(400, 'the request body is not valid JSON', 'invalidSyntax');
    case 'entity.too.large':
      return response(413, 'the request body is too large');
    case 'encoding.invalid':
      return response(400, 'the request body is not valid UTF-8', 'invalidValue');
    case 'charset.unsupported':
    case 'encoding.unsupported':
      return response(415, 'unsupported request body encoding');
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
    case 'stream.not.readable':
      return response(400, 'the request body could not be read', 'invalidSyntax');
    default:
      return undefined;
  }
}

export function toScimError(err: unknown): ScimErrorResponse {
  if (err instanceof ScimError) return response(err.status, err.message, err.scimType);
  if (isDomainError(err)) {
    switch (err.code) {
      case 'NOT_FOUND':
        return response(404, (err as NotFoundError).message);
      case 'CONFLICT':
        return response(409, (err as ConflictError).message, 'uniqueness');
      case 'INVALID_INPUT':
        return response(400, (err as InvalidInputError).message, 'invalidValue');
      case 'IMMUTABLE':
        return response(400, (err as ImmutableFieldError).message, 'mutability');
      case 'PRECONDITION_FAILED':
        return response(412, err.message);
      case 'FORBIDDEN':
      case 'FEATURE_DISABLED':
        return response(403, err.message);
      case 'UNAUTHENTICATED':
        // RFC 6750 §3: a bearer-protected resource names its scheme; no detail about which part failed.
        return response(401, 'authentication failed: a valid SCIM secret token is required', undefined, {
          'WWW-Authenticate': 'Bearer realm="scim"',
        });
      case 'TOO_EXPENSIVE':
        // RFC 7644 §3.12: "tooMany" — the filter yields too many results (here: costs too much) to process
        return response(400, err.message, 'tooMany');
      case 'UNAVAILABLE':
        return response(503, err.message, undefined, {
          'Retry-After': String((err as UnavailableError).retryAfterSeconds),
        });
      case 'TOO_MANY_REQUESTS': {
        const retry = Math.max(1, Math.ceil((err as TooManyRequestsError).retryAfterSeconds));
        return response(429, `${err.message}; retry later`, undefined, {
          'Retry-After': String(retry),
        });
      }
    }
  }
  const parsed = bodyParserError(err);
  if (parsed) return parsed;
  // Express could not decode a path parameter (a malformed %-escape): such an id names no resource.
  if (err instanceof URIError) return response(404, 'resource not found');
  const status = (err as { status?: unknown })?.status;
  if (typeof status === 'number' && status >= 400 && status < 500) return response(status, 'bad request');
  return { ...response(500, 'internal server error'), unexpected: true };
}
