import type { CompareOp } from '../domain/filter.js';
import { invalidFilter } from './errors.js';
import type { ScimFilter } from './filter-parser.js';

/**
 * Value filters over the entries of ONE resource's multi-valued attribute (RFC 7644 §3.5.2: PATCH paths such as
 * `emails[type eq "work"]`). These select entries inside a single record already read for the update; they never
 * filter a tenant's records (that is filter.ts, translated into a database query).
 */
export type ElementFilter =
  | { kind: 'and' | 'or'; filters: ElementFilter[] }
  | { kind: 'not'; filter: ElementFilter }
  | { kind: 'compare'; sub: string; op: CompareOp; value: string | boolean | null }
  | { kind: 'present'; sub: string };

/** Sub-attributes that may appear in an element filter, with their types (canonical names). */
export type SubAttributeTypes = Record<string, 'string' | 'boolean'>;

export function compileElementFilter(f: ScimFilter, subs: SubAttributeTypes): ElementFilter {
  const sub = (attrPath: string): [string, 'string' | 'boolean'] => {
    const name = Object.keys(subs).find((k) => k.toLowerCase() === attrPath.toLowerCase());
    if (!name) throw invalidFilter(`${attrPath} cannot be used in this value filter`);
    return [name, subs[name]!];
  };
  switch (f.op) {
    case 'and':
    case 'or':
      return { kind: f.op, filters: f.filters.map((x) => compileElementFilter(x, subs)) };
    case 'not':
      return { kind: 'not', filter: compileElementFilter(f.filter, subs) };
    case 'pr':
      return { kind: 'present', sub: sub(f.attrPath)[0] };
    case 'valuePath':
      throw invalidFilter('value filters cannot be nested');
    case 'compare': {
      const [name, type] = sub(f.attrPath);
      if (type === 'boolean' && (typeof f.value !== 'boolean' || (f.cmp !== 'eq' && f.cmp !== 'ne'))) {
        throw invalidFilter(`${name} is a boolean: compare it with eq or ne and true or false`);
      }
      if (type === 'string' && typeof f.value === 'boolean') {
        throw invalidFilter(`${name} is a string`);
      }
      return { kind: 'compare', sub: name, op: f.cmp, value: f.value };
    }
  }
}

/** Does one entry match? Strings compare case-insensitively (caseExact false for every sub-attribute here). */
export function matchesElement(f: ElementFilter, entry: Record<string, unknown>): boolean {
  switch (f.kind) {
    case 'and':
      return f.filters.every((x) => matchesElement(x, entry));
    case 'or':
      return f.filters.some((x) => matchesElement(x, entry));
    case 'not':
      return !matchesElement(f.filter, entry);
    case 'present': {
      const v = entry[f.sub];
      return v !== undefined && v !== null && v !== '';
    }
    case 'compare': {
      const actual = Object.hasOwn(entry, f.sub) ? entry[f.sub] : undefined;
      if (typeof f.value === 'boolean' || f.value === null) {
        const equal = f.value === null ? actual === undefined || actual === null : actual === f.value;
        return f.op === 'eq' ? equal : f.op === 'ne' ? !equal : false;
      }
      const expected = f.value.toLowerCase();
      if (typeof actual !== 'string') return f.op === 'ne';
      const a = actual.toLowerCase();
      switch (f.op) {
        case 'eq':
          return a === expected;
        case 'ne':
          return a !== expected;
        case 'co':
          return a.includes(expected);
        case 'sw':
          return a.startsWith(expected);
        case 'ew':
          return a.endsWith(expected);
        case 'gt':
          return a > expected;
        case 'ge':
          return a >= expected;
        case 'lt':
          return a < expected;
        case 'le':
          return a <= expected;
      }
    }
  }
}
