/** What the storage modules share: read options, page options, document clean-up. */

/**
 * Time budget of a read (`maxTimeMS`): a query that cannot be answered from an index within it (a broad substring
 * search, say) stops there and is refused as too expensive (errors.ts), instead of holding a database connection
 * that other requests, of this and every other tenant, are waiting for.
 */
export const budget = 3000;

/**
 * Batch size for a read of at most `n` documents, so it comes back in one round trip: without it the server's
 * first batch is 101 documents (then getMore), and a limit equal to the batch size leaves a cursor to kill.
 */
export function oneBatch(n: number): number {
  return Math.min(Math.max(n + 1, 2), 100_000);
}

export interface ListOptions {
  skip?: number | undefined;
  limit: number;
  /** Keyset pagination: only records after this one in the sort order (by name: the unique lower-case name). */
  after?: { key: string; id: string } | undefined;
  sort?: 'name' | 'id';
  /** A substring of the record's names (case-insensitive). */
  search?: string | undefined;
}

/** The membership reads other modules resolve filters with. */
export interface MembershipLookup {
  userIdsOfGroup(groupId: string, limit: number): Promise<string[]>;
  groupIdsOfUser(userId: string): Promise<string[]>;
}

/**
 * A copy without the undefined values (the driver would store them as null). A copy, not `delete`: an object that
 * loses properties becomes a slow dictionary for V8, and records built here are read field by field (GraphQL).
 */
export function clean<T extends object>(o: T): T {
  const out = {} as T;
  for (const k in o) if (o[k] !== undefined) out[k] = o[k];
  return out;
}

/** The filter of a version-conditioned write; version 0 is a document written before versions existed. */
export function versionIs(expected: number): Record<string, unknown> {
  return expected === 0 ? { version: { $in: [null, 0] } } : { version: expected };
}
