type Q = Record<string, unknown>; // a database filter document
import { InvalidInputError } from '../domain/errors.js';
import type { CompareOp, Filter, FilterValue } from '../domain/filter.js';

/**
 * Translates the protocol-neutral Filter into a database query through an allow-list: a field that is not in the
 * table is an error, never passed through. Case-insensitive fields with a stored lower-case copy compare on that
 * copy (index-friendly); other case-insensitive strings use an anchored, escaped, case-insensitive regex.
 */
export interface FieldSpec {
  /** Storage path. */
  path: string;
  type: 'string' | 'boolean' | 'date' | 'multi';
  /** Compare case-insensitively (RFC 7643 caseExact=false). */
  caseInsensitive?: boolean;
  /** Storage path of a lower-case copy to compare on instead (for caseInsensitive strings). */
  lowerPath?: string;
  /** Sub-field specs for multi-valued fields. */
  sub?: Record<string, FieldSpec>;
  /** Multi-valued fields: top-level path of the lower-case copies of the entries' values (for `eq`). */
  valuesLowerPath?: string;
}

export type FieldTable = Record<string, FieldSpec>;

export function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

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

function lookup(table: FieldTable, field: string): FieldSpec {
  const spec = Object.hasOwn(table, field) ? table[field] : undefined;
  if (!spec) throw new InvalidInputError(`filtering on ${field} is not supported`, field);
  return spec;
}

/**
 * `{emailsLower: "x"}` for "some entry's value equals x" (case-insensitively) when the field keeps lower-case copies
 * of its values: a top-level equality (an index on MongoDB, pushed down by FerretDB) instead of a match inside entries.
 */
export function valuesLowerEquality(spec: FieldSpec, op: CompareOp, raw: FilterValue): Q | undefined {
  if (op !== 'eq' || typeof raw !== 'string' || !spec.valuesLowerPath || !spec.sub?.value?.caseInsensitive) {
    return undefined;
  }
  return { [spec.valuesLowerPath]: raw.toLowerCase() };
}

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
    const mongoOp = { eq: '$eq', ne: '$ne', gt: '$gt', ge: '$gte', lt: '$lt', le: '$lte' }[op as string];
    if (!mongoOp) throw new InvalidInputError(`operator ${op} is not supported on dates`);
    return { [spec.path]: { [mongoOp]: d } };
  }
  if (raw === null) {
    if (op === 'eq') return { [spec.path]: { $in: [null] } };
    if (op === 'ne') return { [spec.path]: { $nin: [null] } };
    throw new InvalidInputError(`operator ${op} needs a string`);
  }
  if (typeof raw !== 'string') throw new InvalidInputError(`${spec.path} needs a string value`);

  const useLower = spec.caseInsensitive && spec.lowerPath;
  const path = useLower ? spec.lowerPath! : spec.path;
  const value = useLower ? raw.toLowerCase() : raw;
  const flags = spec.caseInsensitive && !useLower ? 'i' : '';
  const rx = (pattern: string) => ({ $regex: pattern, ...(flags ? { $options: flags } : {}) });
  switch (op) {
    case 'eq':
      return { [path]: flags ? rx(`^${escapeRegex(value)}$`) : value };
    case 'ne':
      return { [path]: flags ? { $not: new RegExp(`^${escapeRegex(value)}$`, flags) } : { $ne: value } };
    case 'co':
      return { [path]: rx(escapeRegex(value)) };
    case 'sw':
      return { [path]: rx(`^${escapeRegex(value)}`) };
    case 'ew':
      return { [path]: rx(`${escapeRegex(value)}$`) };
    case 'gt':
      return { [path]: { $gt: value } };
    case 'ge':
      return { [path]: { $gte: value } };
    case 'lt':
      return { [path]: { $lt: value } };
    case 'le':
      return { [path]: { $lte: value } };
  }
}
