/**
 * The directory's one error vocabulary. Services throw these; each protocol (SCIM, GraphQL, sign-in) has exactly
 * one mapper that turns them into its own shape, and masks anything that is not a DomainError.
 *
 * `message` is public (safe to show a client); `detail` is private and only ever logged.
 */
export type DomainErrorCode =
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'INVALID_INPUT'
  | 'IMMUTABLE'
  | 'FORBIDDEN'
  | 'UNAUTHENTICATED'
  | 'PRECONDITION_FAILED'
  | 'TOO_MANY_REQUESTS'
  | 'TOO_EXPENSIVE'
  | 'UNAVAILABLE'
  | 'FEATURE_DISABLED';

export abstract class DomainError extends Error {
  abstract readonly code: DomainErrorCode;
  readonly detail: unknown;

  constructor(message: string, detail?: unknown) {
    super(message);
    this.name = new.target.name;
    this.detail = detail;
  }
}

export class NotFoundError extends DomainError {
  readonly code = 'NOT_FOUND';
  constructor(
    readonly resource: string,
    readonly id?: string,
  ) {
    super(id === undefined ? `${resource} not found` : `${resource} ${JSON.stringify(id)} not found`);
  }
}

/** A uniqueness rule was broken: another record already holds `value` for `field`. */
export class ConflictError extends DomainError {
  readonly code = 'CONFLICT';
  constructor(
    readonly resource: string,
    readonly field: string,
    message?: string,
  ) {
    super(message ?? `a ${resource} with this ${field} already exists`);
  }
}

/** Input that breaks a rule of the directory: `path` names the offending field (directory words). */
export class InvalidInputError extends DomainError {
  readonly code = 'INVALID_INPUT';
  constructor(
    message: string,
    readonly path?: string,
  ) {
    super(message);
  }
}

/** An attempt to change a field that may not be changed by this caller (read-only, or owned by Entra). */
export class ImmutableFieldError extends DomainError {
  readonly code = 'IMMUTABLE';
  constructor(
    readonly path: string,
    message?: string,
  ) {
    super(message ?? `${path} cannot be changed`);
  }
}

export class ForbiddenError extends DomainError {
  readonly code = 'FORBIDDEN';
}

export class UnauthenticatedError extends DomainError {
  readonly code = 'UNAUTHENTICATED';
}

export class PreconditionFailedError extends DomainError {
  readonly code = 'PRECONDITION_FAILED';
}

export class TooManyRequestsError extends DomainError {
  readonly code = 'TOO_MANY_REQUESTS';
  constructor(
    readonly retryAfterSeconds: number,
    message = 'too many requests',
  ) {
    super(message);
  }
}

/** A query that would cost more than its time budget (a filter or search to narrow). */
export class TooExpensiveError extends DomainError {
  readonly code = 'TOO_EXPENSIVE';
}

/** The database cannot be reached for now (restarting, or gone): retry later. `detail` holds the cause. */
export class UnavailableError extends DomainError {
  readonly code = 'UNAVAILABLE';
  readonly retryAfterSeconds = 2;
}

/** A tenant feature (SCIM user synchronisation, SSO) is switched off. */
export class FeatureDisabledError extends DomainError {
  readonly code = 'FEATURE_DISABLED';
}

export function isDomainError(err: unknown): err is DomainError {
  return err instanceof DomainError;
}
