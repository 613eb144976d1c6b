import { InvalidInputError } from '../domain/errors.js';
import type { Email, PhoneNumber } from '../domain/types.js';

/** Field rules shared by every writer of the directory. Paths are directory field names. */
export const limits = {
  shortText: 256,
  longText: 1024,
  multiValued: 20,
} as const;

/**
 * What makes a string unfit to store or compare, or undefined when it is fine. U+0000: PostgreSQL (the embedded
 * database's storage) can neither hold nor compare it, and BSON regular expressions cannot contain it. A lone UTF-16
 * surrogate (JSON.parse turns `"\ud800"` into one) is not text: encoded to UTF-8 it would become U+FFFD, so two
 * different names would be stored as the same one. Such strings are refused, never rewritten (issue 12).
 */
export function textProblem(s: string): string | undefined {
  if (s.includes('\u0000')) return 'contains U+0000 (NUL)';
  if (!(s as string & { isWellFormed(): boolean }).isWellFormed()) {
    return 'contains a lone UTF-16 surrogate (not a Unicode character)';
  }
  return undefined;
}

/**
 * The first string in `value` (a string, or any depth of arrays and plain objects) with a textProblem, and where it
 * is (`path`, then `.key` / `[i]`). Every input string of every protocol goes through this one check.
 */
export function findUnfitText(value: unknown, path: string): { path: string; problem: string } | undefined {
  if (typeof value === 'string') {
    const problem = textProblem(value);
    return problem ? { path, problem } : undefined;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findUnfitText(value[i], `${path}[${i}]`);
      if (found) return found;
    }
    return undefined;
  }
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const found = findUnfitText(v, path === '' ? k : `${path}.${k}`);
      if (found) return found;
    }
  }
  return undefined;
}

/** Throws InvalidInputError naming the path of the first unfit string in `value` (see textProblem). */
export function assertFitText(value: unknown, path: string): void {
  const found = findUnfitText(value, path);
  if (found) throw new InvalidInputError(`${found.path} ${found.problem}`, found.path);
}

export function requiredText(value: unknown, path: string, max: number = limits.shortText): string {
  if (typeof value !== 'string' || value.trim() === '')
    throw new InvalidInputError(`${path} is required`, path);
  if (value.length > max) throw new InvalidInputError(`${path} has at most ${max} characters`, path);
  assertFitText(value, path);
  if (/[\u0000-\u001f\u007f]/.test(value))
    throw new InvalidInputError(`${path} contains control characters`, path);
  return value;
}

export function optionalText(
  value: unknown,
  path: string,
  max: number = limits.longText,
): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new InvalidInputError(`${path} must be a string`, path);
  if (value.length > max) throw new InvalidInputError(`${path} has at most ${max} characters`, path);
  assertFitText(value, path);
  return value;
}

export function optionalBoolean(value: unknown, path: string): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw new InvalidInputError(`${path} must be a boolean`, path);
  return value;
}

/** Emails and phone numbers: a value each, an optional type, at most one primary. */
export function multiValued<T extends Email | PhoneNumber>(value: unknown, path: string): T[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new InvalidInputError(`${path} must be a list`, path);
  if (value.length > limits.multiValued) {
    throw new InvalidInputError(`${path} has at most ${limits.multiValued} entries`, path);
  }
  const out = value.map((item: unknown, i) => {
    if (!item || typeof item !== 'object')
      throw new InvalidInputError(`${path}[${i}] must be an object`, path);
    const o = item as Record<string, unknown>;
    const entry: Record<string, unknown> = { value: requiredText(o.value, `${path}.value`) };
    const type = optionalText(o.type, `${path}.type`, 64);
    if (type !== undefined) entry.type = type;
    const primary = optionalBoolean(o.primary, `${path}.primary`);
    if (primary !== undefined) entry.primary = primary;
    return entry as unknown as T;
  });
  if (out.filter((e) => e.primary === true).length > 1) {
    throw new InvalidInputError(`${path}: at most one entry may be primary`, path);
  }
  return out;
}

const uuidLike = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Entra object IDs (users, groups, tenants) are GUIDs; stored lower-case. */
export function entraId(value: unknown, path: string): string {
  if (typeof value !== 'string' || !uuidLike.test(value.trim())) {
    throw new InvalidInputError(`${path} must be an Entra object ID (a GUID)`, path);
  }
  return value.trim().toLowerCase();
}

export function entraIds(values: unknown, path: string): string[] {
  if (!Array.isArray(values)) throw new InvalidInputError(`${path} must be a list`, path);
  if (values.length > 500) throw new InvalidInputError(`${path} has at most 500 entries`, path);
  return [...new Set(values.map((v) => entraId(v, path)))];
}

/** A search term (a substring of names): trimmed, at most 256 characters, fit to store. Empty means no search. */
export function searchTerm(value: string | null | undefined): string | undefined {
  const term = value?.trim();
  if (!term) return undefined;
  if (term.length > 256) throw new InvalidInputError('search has at most 256 characters', 'search');
  assertFitText(term, 'search');
  return term;
}
