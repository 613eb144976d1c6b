import type { Filter } from '../domain/filter.js';
import { matchesEntry, type EntryFields } from '../domain/entry-filter.js';
import { invalidFilter } from './errors.js';
import type { ScimFilter, SubAttributeTypes } from './filter-ast.js';

/**
 * Value filters over the entries of a multi-valued attribute (RFC 7644 §3.4.2.2 valFilter: `emails[type eq
 * "work"]`). Compiled into the directory's protocol-neutral Filter over the entry's sub-attributes (canonical names,
 * types checked), which storage uses to find users (filter.ts → `element`) and which PATCH uses to select entries
 * of the one user it read — both evaluated by the directory's one entry evaluator (domain/entry-filter.ts).
 */
export function compileElementFilter(f: ScimFilter, subs: SubAttributeTypes): Filter<string> {
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
      return { kind: 'present', field: sub(f.attrPath)[0] };
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
      return { kind: 'compare', field: name, op: f.cmp, value: f.value };
    }
  }
}

/** The entry fields of a set of sub-attributes, for the shared evaluator (entry keys are the canonical names). */
export function entryFields(subs: SubAttributeTypes): EntryFields {
  return Object.fromEntries(Object.entries(subs).map(([name, type]) => [name, { path: name, type }]));
}

/** Does one entry match a compiled value filter? */
export function matchesElement(
  f: Filter<string>,
  entry: Record<string, unknown>,
  subs: SubAttributeTypes,
): boolean {
  return matchesEntry(f, entry, entryFields(subs));
}
