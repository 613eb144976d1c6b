import { invalidValue } from './errors.js';
import { urn } from './urns.js';

/**
 * Pagination and the list response (RFC 7644 §3.4.2.4, §3.4.2). startIndex is 1-based: below 1 it is 1. count
 * below 0 is 0; above the advertised maximum (ServiceProviderConfig filter.maxResults) it is the maximum; absent,
 * it is the maximum. Values that are not integers are 400 invalidValue.
 */
export interface Page {
  startIndex: number;
  count: number;
}

/** Past this, an offset names nothing a tenant could hold; clamped so the database never sees a huge skip. */
const maxStartIndex = 1_000_000_000;

export function pageFrom(startIndex: unknown, count: unknown, maxPageSize: number): Page {
  const start = integer(startIndex, 'startIndex') ?? 1;
  const c = integer(count, 'count') ?? maxPageSize;
  return {
    startIndex: Math.min(Math.max(1, start), maxStartIndex),
    count: Math.min(Math.max(0, c), maxPageSize),
  };
}

function integer(v: unknown, name: string): number | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*[-+]?\d+\s*$/.test(v) ? Number(v) : NaN;
  if (!Number.isFinite(n) || !Number.isInteger(n)) throw invalidValue(`${name} must be an integer`);
  return n;
}

export function listResponse(resources: unknown[], totalResults: number, page: Page) {
  return {
    schemas: [urn.listResponse],
    totalResults,
    startIndex: page.startIndex,
    itemsPerPage: resources.length,
    Resources: resources,
  };
}
