import { InvalidInputError } from './errors.js';
import type { Filter } from './filter.js';

/** The sub-attributes an entry filter may name (emails[…], phoneNumbers[…]), with their types. */
export type EntryFields = Record<string, { path: string; type: 'string' | 'boolean' | 'date' | 'multi' }>;

/**
 * Does one entry of a multi-valued attribute ({value, type, primary}) match an entry filter? The directory's one
 * evaluator for value filters, used by storage (which never matches inside arrays of documents in the database)
 * and by SCIM PATCH paths (`emails[type eq "work"]`). Strings compare case-insensitively (every entry
 * sub-attribute is caseExact=false), with JavaScript's toLowerCase on both sides — as the database queries do.
 */
export function matchesEntry(
  f: Filter<string>,
  entry: Record<string, unknown>,
  fields: EntryFields,
): boolean {
  const spec = (name: string) => {
    const s = Object.hasOwn(fields, name) ? fields[name] : undefined;
    if (!s) throw new InvalidInputError(`filtering on ${name} is not supported`, name);
    return s;
  };
  switch (f.kind) {
    case 'and':
      return f.filters.every((x) => matchesEntry(x, entry, fields));
    case 'or':
      return f.filters.some((x) => matchesEntry(x, entry, fields));
    case 'not':
      return !matchesEntry(f.filter, entry, fields);
    case 'present': {
      const v = entry[spec(f.field).path];
      return v !== undefined && v !== null && v !== '';
    }
    case 'compare': {
      const s = spec(f.field);
      const actual = Object.hasOwn(entry, s.path) ? entry[s.path] : undefined;
      if (s.type === 'boolean') {
        if (typeof f.value !== 'boolean' || (f.op !== 'eq' && f.op !== 'ne')) {
          throw new InvalidInputError(`${f.field} is a boolean: only eq and ne with true or false`);
        }
        return (actual === f.value) === (f.op === 'eq');
      }
      if (f.value === null) {
        const absent = actual === undefined || actual === null;
        if (f.op !== 'eq' && f.op !== 'ne') throw new InvalidInputError(`operator ${f.op} needs a string`);
        return absent === (f.op === 'eq');
      }
      if (typeof f.value !== 'string') throw new InvalidInputError(`${f.field} needs a string value`);
      if (typeof actual !== 'string') return f.op === 'ne';
      const a = actual.toLowerCase();
      const v = f.value.toLowerCase();
      switch (f.op) {
        case 'eq':
          return a === v;
        case 'ne':
          return a !== v;
        case 'co':
          return a.includes(v);
        case 'sw':
          return a.startsWith(v);
        case 'ew':
          return a.endsWith(v);
        case 'gt':
          return a > v;
        case 'ge':
          return a >= v;
        case 'lt':
          return a < v;
        case 'le':
          return a <= v;
      }
      return false;
    }
    default:
      throw new InvalidInputError('this filter cannot be used inside a value path');
  }
}
