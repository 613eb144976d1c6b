import type { Page } from '../domain/types.js';

/**
 * An offset page (SCIM startIndex/count) with its total. The total is counted only when the page is full; a short
 * page that starts a list (or has items) is its own total, so a lookup matching 0 or 1 record costs one command.
 */
export async function offsetPage<T, F>(
  repo: {
    list(filter: F | undefined, opts: { skip: number; limit: number }): Promise<T[]>;
    count(filter: F | undefined): Promise<number>;
  },
  opts: { filter?: F | undefined; skip: number; limit: number },
): Promise<Page<T>> {
  const items = opts.limit === 0 ? [] : await repo.list(opts.filter, { skip: opts.skip, limit: opts.limit });
  const total =
    items.length < opts.limit && (items.length > 0 || opts.skip === 0)
      ? opts.skip + items.length
      : await repo.count(opts.filter);
  return { items, total };
}
