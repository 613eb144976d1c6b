import { InvalidInputError } from '../domain/errors.js';
import type { Connection, Edge } from './models.js';

/**
 * Cursor pagination (Relay connections). Cursors are opaque to clients: base64url of a small JSON array holding the
 * keyset position (e.g. [sortKey, id]). Every page is fetched with one extra row to know whether another follows.
 */
export const maxPageSize = 100;

export function pageSize(first: number | null | undefined, path = 'first'): number {
  const n = first ?? 50;
  if (!Number.isInteger(n) || n < 0 || n > maxPageSize) {
    throw new InvalidInputError(`${path} must be between 0 and ${maxPageSize}`, path);
  }
  return n;
}

/**
 * How many parts each connection field's cursor has (what its resolver in resolvers/connections.ts decodes), for the
 * check made before execution (preflight.ts). Keyed by `ParentType.field`.
 */
export const cursorParts: Readonly<Record<string, number>> = {
  'Query.users': 2,
  'Query.groups': 2,
  'Query.workspaces': 2,
  'Query.provisioningLog': 2,
  'User.groups': 1,
  'Group.members': 1,
  'Workspace.effectiveMembers': 1,
};

export function encodeCursor(parts: readonly string[]): string {
  return Buffer.from(JSON.stringify(parts), 'utf8').toString('base64url');
}

/**
 * An edge at keyset position `position`. Its cursor is encoded when read: most queries ask for nodes only (a page
 * of 100 users with their groups has 600 edges and needs no cursor but pageInfo's).
 */
export function edge<T, X extends object = object>(
  node: T,
  position: readonly string[],
  extra?: X,
): Edge<T> & X {
  return {
    ...(extra as X),
    node,
    get cursor() {
      return encodeCursor(position);
    },
  };
}

/** Decodes a cursor made by encodeCursor with `arity` parts; anything else is a client error. */
export function decodeCursor(
  cursor: string | null | undefined,
  arity: number,
  path = 'after',
): string[] | undefined {
  if (cursor === null || cursor === undefined || cursor === '') return undefined;
  let parts: unknown;
  try {
    parts = cursor.length <= 2048 ? JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) : undefined;
  } catch {
    parts = undefined;
  }
  if (!Array.isArray(parts) || parts.length !== arity || !parts.every((p) => typeof p === 'string')) {
    throw new InvalidInputError('invalid cursor', path);
  }
  return parts as string[];
}

/** A keyset position [key, id] for services that page by (sort key, id). */
export function keysetAfter(cursor: string | null | undefined): { key: string; id: string } | undefined {
  const parts = decodeCursor(cursor, 2);
  return parts ? { key: parts[0]!, id: parts[1]! } : undefined;
}

/** The single id of an id-ordered cursor. */
export function idAfter(cursor: string | null | undefined): string | undefined {
  return decodeCursor(cursor, 1)?.[0];
}

/**
 * Builds a connection from `rows` fetched with limit `size + 1`: the extra row only says that a next page exists.
 */
export function connection<R, T = R, E extends Edge<T> = Edge<T>>(
  rows: readonly R[],
  size: number,
  toEdge: (row: R) => E,
  count?: () => Promise<number>,
): Connection<T, E> {
  const edges = rows.slice(0, size).map(toEdge);
  return {
    edges,
    pageInfo: {
      hasNextPage: rows.length > size,
      endCursor: edges.length > 0 ? edges[edges.length - 1]!.cursor : null,
    },
    ...(count ? { count } : {}),
  };
}
