import { InvalidInputError } from '../domain/errors.js';
import type { CompareOp, Filter, FilterValue } from '../domain/filter.js';

type Q = Record<string, unknown>; // a database filter document

/**
 * Translates the protocol-neutral Filter into a database query through an allow-list: a field that is not in the
 * table is an error, never passed through.
 *
 * Case-insensitive strings compare their stored lower-case copy with the lower-cased value (the directory's one
 * definition of "case-insensitive": JavaScript's toLowerCase on both sides), so equalities, ranges and sorts are read
 * from one ordinary index on every database. Substring conditions (co, sw, ew) are literal, escaped regular
 * expressions on that copy; where the resource keeps a search text (every name, lower-cased, in one field with a
 * substring index on the embedded database) the same substring is also required of it — implied by the condition, so
 * the answer is the same, but the search text's index finds the candidates.
 */
export interface FieldSpec {
  /** Storage path. */
  path: string;
  type: 'string' | 'boolean' | 'date' | 'multi';
  /** Compare case-insensitively (RFC 7643 caseExact=false). */
  caseInsensitive?: boolean;
  /** Storage path of the lower-case copy (case-insensitive strings). */
  lowerPath?: string;
  /** Storage path of the resource's search text, which holds the lower-case copy (substring conditions). */
  searchPath?: string;
  /** Sub-field specs for multi-valued fields. */
  sub?: Record<string, FieldSpec>;
  /** Multi-valued fields: top-level path of the lower-case copies of the entries' values (for `eq`). */
  valuesLowerPath?: string;
}

export type FieldTable = Record<string, FieldSpec>;

export function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * `resolve` turns filters that are not plain conditions on fields (membership, value paths) into a query first;
 * anything it leaves is translated here.
 */
export function toMongoFilter(
  filter: Filter,
  table: FieldTable,
  resolve: (f: Filter) => Q | undefined = () => undefined,
): Q {
  const special = resolve(filter);
  if (special) return special;
  switch (filter.kind) {
    case 'and':
      return { $and: filter.filters.map((f) => toMongoFilter(f, table, resolve)) };
    case 'or':
      return { $or: filter.filters.map((f) => toMongoFilter(f, table, resolve)) };
    case 'not':
      return { $nor: [toMongoFilter(filter.filter, table, resolve)] };
    case 'present': {
      const spec = lookup(table, filter.field);
      if (spec.type === 'multi') return { [spec.path]: { $exists: true, $ne: [] } };
      return { [spec.path]: { $exists: true, $nin: [null, ''] } };
    }
    case 'compare':
      return compare(lookup(table, filter.field), filter.op, filter.value);
    case 'element': {
      const spec = lookup(table, filter.field);
      if (spec.type !== 'multi' || !spec.sub)
        throw new InvalidInputError(`${filter.field} is not multi-valued`);
      return { [spec.path]: { $elemMatch: toMongoFilter(filter.filter, spec.sub) } };
    }
    case 'hasMember':
    case 'memberOf':
      throw new InvalidInputError(`membership filters are not supported here`);
  }
}

export function lookup(table: FieldTable, field: string): FieldSpec {
  const spec = Object.hasOwn(table, field) ? table[field] : undefined;
  if (!spec) throw new InvalidInputError(`filtering on ${field} is not supported`, field);
  return spec;
}

/**
 * `{emailsLower: "x"}` for "some entry's value equals x" (case-insensitively) when the field keeps lower-case copies
 * of its values: one array-contains condition instead of a match inside entries.
 */
export function valuesLowerEquality(spec: FieldSpec, op: CompareOp, raw: FilterValue): Q | undefined {
  if (op !== 'eq' || typeof raw !== 'string' || !spec.valuesLowerPath || !spec.sub?.value?.caseInsensitive) {
    return undefined;
  }
  return { [spec.valuesLowerPath]: raw.toLowerCase() };
}

const rangeOps = { gt: '$gt', ge: '$gte', lt: '$lt', le: '$lte' } as const;

function compare(spec: FieldSpec, op: CompareOp, raw: FilterValue): Q {
  if (spec.type === 'multi') {
    // A comparison on a multi-valued attribute applies to its values (RFC 7644 §3.4.2.2: emails co "x").
    const valueSpec = spec.sub?.value;
    if (!valueSpec) throw new InvalidInputError(`cannot compare ${spec.path}`);
    const lowerValue = valuesLowerEquality(spec, op, raw);
    if (lowerValue) return lowerValue;
    return { [spec.path]: { $elemMatch: compare(valueSpec, op, raw) } };
  }
  if (spec.type === 'boolean') {
    if (typeof raw !== 'boolean' || (op !== 'eq' && op !== 'ne')) {
      throw new InvalidInputError(`${spec.path} is a boolean: only eq and ne with true or false`);
    }
    return { [spec.path]: op === 'eq' ? raw : { $ne: raw } };
  }
  if (spec.type === 'date') {
    const d = raw instanceof Date ? raw : typeof raw === 'string' ? new Date(raw) : undefined;
    if (!d || Number.isNaN(d.getTime())) throw new InvalidInputError(`${spec.path} needs a date-time value`);
    const mongoOp = { eq: '$eq', ne: '$ne', ...rangeOps }[op as string];
    if (!mongoOp) throw new InvalidInputError(`operator ${op} is not supported on dates`);
    return { [spec.path]: { [mongoOp]: d } };
  }
  if (raw === null) {
    if (op === 'eq') return { [spec.path]: { $in: [null] } };
    if (op === 'ne') return { [spec.path]: { $nin: [null] } };
    throw new InvalidInputError(`operator ${op} needs a string`);
  }
  if (typeof raw !== 'string') throw new InvalidInputError(`${spec.path} needs a string value`);

  const lower = spec.caseInsensitive ? spec.lowerPath : undefined;
  const path = lower ?? spec.path;
  const value = lower ? raw.toLowerCase() : raw;
  // case-insensitive without a lower-case copy (entries' sub-attributes): a case-insensitive regular expression
  const flags = spec.caseInsensitive && !lower ? 'i' : '';
  const rx = (pattern: string) => ({ $regex: pattern, ...(flags ? { $options: flags } : {}) });
  const substring = (pattern: string): Q => {
    const q: Q = { [path]: rx(pattern) };
    if (lower && spec.searchPath && spec.searchPath !== path)
      q[spec.searchPath] = { $regex: escapeRegex(value) };
    return q;
  };
  switch (op) {
    case 'eq':
      return { [path]: flags ? rx(`^${escapeRegex(value)}$`) : value };
    case 'ne':
      return { [path]: flags ? { $not: new RegExp(`^${escapeRegex(value)}$`, flags) } : { $ne: value } };
    case 'co':
      return substring(escapeRegex(value));
    case 'sw':
      return substring(`^${escapeRegex(value)}`);
    case 'ew':
      return substring(`${escapeRegex(value)}$`);
    default:
      return { [path]: { [rangeOps[op]]: value } };
  }
}
