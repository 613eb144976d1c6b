import { InvalidInputError } from '../../domain/errors.js';
import { invalidFilter, invalidSyntax, invalidValue } from '../errors.js';

/** Query parameters of a list request (RFC 7644 §3.4.2), from the URL or from a search body (§3.4.3). */
export interface ListParams {
  filter?: string | undefined;
  startindex?: string | number | undefined;
  count?: string | number | undefined;
  attributes?: string | undefined;
  excludedattributes?: string | undefined;
}

/**
 * POST …/.search (§3.4.3): `{"schemas":[…SearchRequest], "filter", "startIndex", "count", "attributes",
 * "excludedAttributes"}`; attribute lists may be arrays or comma-separated strings.
 */
export function searchParams(body: unknown): ListParams {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw invalidSyntax('a search request body must be a JSON object');
  }
  const f = new Map(Object.entries(body).map(([k, v]) => [k.toLowerCase(), v]));
  const str = (name: string): string | undefined => {
    const v = f.get(name);
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') throw invalidValue(`${name} must be a string`);
    return v;
  };
  const list = (name: string): string | undefined => {
    const v = f.get(name);
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v.join(',');
    return str(name);
  };
  const num = (name: string): number | string | undefined => {
    const v = f.get(name);
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' && typeof v !== 'string') throw invalidValue(`${name} must be an integer`);
    return v;
  };
  return {
    filter: str('filter'),
    startindex: num('startindex'),
    count: num('count'),
    attributes: list('attributes'),
    excludedattributes: list('excludedattributes'),
  };
}

/** A filter the storage layer still refuses (a value its field cannot hold) is the client's filter error. */
export async function asFilterError<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof InvalidInputError) throw invalidFilter(err.message);
    throw err;
  }
}
