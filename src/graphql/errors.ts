import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import {
  ConflictError,
  ImmutableFieldError,
  InvalidInputError,
  NotFoundError,
  TooManyRequestsError,
  UnavailableError,
  isDomainError,
  type DomainError,
  type DomainErrorCode,
} from '../domain/errors.js';
import type { ErrorCode } from '../generated/graphql.js';

/**
 * The one mapper from the directory's errors to GraphQL errors (`extensions.code`, documented by `enum ErrorCode`
 * in schema/schema.graphql). Domain errors keep their public message; errors that GraphQL itself raises for bad
 * requests keep theirs; anything else is masked as INTERNAL_SERVER_ERROR (and logged by the plugin in mount.ts).
 */
const codes: Record<DomainErrorCode, ErrorCode> = {
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  INVALID_INPUT: 'BAD_USER_INPUT',
  IMMUTABLE: 'IMMUTABLE_FIELD',
  FORBIDDEN: 'FORBIDDEN',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  PRECONDITION_FAILED: 'PRECONDITION_FAILED',
  TOO_MANY_REQUESTS: 'TOO_MANY_REQUESTS',
  TOO_EXPENSIVE: 'BAD_USER_INPUT',
  UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  FEATURE_DISABLED: 'FEATURE_DISABLED',
};

/** Codes raised by graphql-js, Apollo Server and graphql-armor for requests the client got wrong. */
const clientErrorCodes = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'PERSISTED_QUERY_NOT_FOUND',
  'UNAUTHENTICATED',
  // Refusals made while building the context, before any resolver (authenticate.ts): limits.
  'TOO_MANY_REQUESTS',
]);

export const maskedMessage = 'Internal server error';

export function domainExtensions(err: DomainError): Record<string, unknown> {
  const extensions: Record<string, unknown> = { code: codes[err.code] };
  if (err instanceof ConflictError) extensions.field = err.field;
  if (err instanceof InvalidInputError && err.path !== undefined) extensions.path = err.path;
  if (err instanceof ImmutableFieldError) extensions.field = err.path;
  if (err instanceof NotFoundError) extensions.resource = err.resource;
  if (err instanceof TooManyRequestsError || err instanceof UnavailableError) {
    extensions.retryAfterSeconds = err.retryAfterSeconds;
  }
  return extensions;
}

/** A GraphQL error for a domain error, with the HTTP status it deserves when it fails the whole request. */
export function toGraphQLError(err: DomainError): GraphQLError {
  const extensions = domainExtensions(err);
  if (err.code === 'UNAUTHENTICATED') extensions.http = { status: 401 };
  if (err instanceof TooManyRequestsError || err instanceof UnavailableError) {
    const retry = String(Math.max(1, Math.ceil(err.retryAfterSeconds)));
    const status = err instanceof UnavailableError ? 503 : 429;
    extensions.http = { status, headers: new Map([['retry-after', retry]]) };
  }
  return new GraphQLError(err.message, { extensions });
}

/**
 * True when the error is one we expected (a domain error, or a client mistake GraphQL reported); false for anything
 * that must be masked and logged.
 */
export function isExpectedError(error: unknown): boolean {
  const original = unwrapResolverError(error);
  if (isDomainError(original)) return true;
  // Errors GraphQL raised itself (parse, validation, coercion, limits) carry a code; internal ones do not.
  if (original instanceof GraphQLError) {
    return clientErrorCodes.has(String(original.extensions?.code ?? ''));
  }
  return false;
}

/** Apollo's `formatError`: the only place error responses are shaped. */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  if (isDomainError(original)) {
    return {
      message: original.message,
      ...(formatted.locations ? { locations: formatted.locations } : {}),
      ...(formatted.path ? { path: formatted.path } : {}),
      extensions: domainExtensions(original),
    };
  }
  if (isExpectedError(error)) {
    const { stacktrace, ...extensions } = formatted.extensions ?? {};
    void stacktrace;
    return { ...formatted, extensions };
  }
  return {
    message: maskedMessage,
    ...(formatted.locations ? { locations: formatted.locations } : {}),
    ...(formatted.path ? { path: formatted.path } : {}),
    extensions: { code: 'INTERNAL_SERVER_ERROR' satisfies ErrorCode },
  };
}
