import type { Filter, GroupFilter, UserFilter } from '../domain/filter.js';
import { userAttribute, userAttributeKeys, userExtensions } from './attributes.js';
import { compileElementFilter } from './element-filter.js';
import { invalidFilter } from './errors.js';
import type { ScimFilter, SubAttributeTypes } from './filter-ast.js';
import { parseScimFilter } from './filter-parser.js';
import { splitAttrPath } from './paths.js';
import { groupSchema } from './schema.js';
import type { ResourceKind } from './urns.js';

/**
 * SCIM filters (RFC 7644 §3.4.2.2) → the directory's protocol-neutral Filter, through an allow-list of attribute
 * paths: the attributes schema.ts marks filterable, plus `id` and `meta.created` / `meta.lastModified`. The storage
 * layer turns that into ONE database query (no tenant's records are ever filtered in memory). Anything not in the
 * allow-list, or an operator the attribute's type does not support, is 400 invalidFilter.
 */
type Spec =
  | { type: 'string' | 'boolean' | 'date'; field: string }
  | { type: 'multi'; field: string; subs: SubAttributeTypes }
  | { type: 'members' };

const common: Array<[string, Spec]> = [
  ['id', { type: 'string', field: 'id' }],
  ['meta.created', { type: 'date', field: 'createdAt' }],
  ['meta.lastmodified', { type: 'date', field: 'updatedAt' }],
];

const userSpecs = new Map<string, Spec>(common);
for (const key of userAttributeKeys()) {
  const a = userAttribute(key)!;
  if (a.kind === 'simple' && a.filterable) userSpecs.set(key, { type: a.type, field: a.field });
  if (a.kind === 'entries' && a.filterable)
    userSpecs.set(key, { type: 'multi', field: a.field, subs: a.subs });
}

const extensionPrefixes: Record<ResourceKind, string[]> = {
  User: userExtensions.map((x) => `${x.id.toLowerCase()}:`),
  Group: [],
};

const groupSpecs = new Map<string, Spec>(common);
for (const a of groupSchema.attributes) {
  if (a.filterable) groupSpecs.set(a.name.toLowerCase(), { type: 'string', field: a.field! });
}
groupSpecs.set('members', { type: 'members' });

/** Every attribute path a filter accepts, per resource type (for the discovery consistency test). */
export const filterablePaths: Record<ResourceKind, string[]> = {
  User: [...userSpecs.keys()],
  Group: [...groupSpecs.keys()],
};

export function parseUserFilter(text: string): UserFilter {
  return translate(parseScimFilter(text), 'User') as UserFilter;
}

export function parseGroupFilter(text: string): GroupFilter {
  return translate(parseScimFilter(text), 'Group') as GroupFilter;
}

function resolve(attrPath: string, kind: ResourceKind): { spec: Spec; sub?: string | undefined } {
  const specs = kind === 'User' ? userSpecs : groupSpecs;
  const p = splitAttrPath(attrPath, kind);
  if (p && p.attr !== '') {
    // An extension attribute named without its URN (`manager.value`) is found when no core attribute has the name.
    const keys = [p.key, ...(p.key === p.attr ? extensionPrefixes[kind].map((x) => x + p.attr) : [])];
    for (const key of keys) {
      const whole = specs.get(p.sub === undefined ? key : `${key}.${p.sub}`);
      if (whole) return { spec: whole };
      const head = specs.get(key);
      if (head && p.sub !== undefined && (head.type === 'multi' || head.type === 'members')) {
        return { spec: head, sub: p.sub };
      }
    }
  }
  throw invalidFilter(`filtering on ${attrPath} is not supported`);
}

function translate(f: ScimFilter, kind: ResourceKind): Filter {
  switch (f.op) {
    case 'and':
    case 'or':
      return { kind: f.op, filters: f.filters.map((x) => translate(x, kind)) };
    case 'not':
      return { kind: 'not', filter: translate(f.filter, kind) };
    case 'pr': {
      const { spec, sub } = resolve(f.attrPath, kind);
      if (spec.type === 'members') throw invalidFilter('members pr is not supported');
      if (spec.type === 'multi' && sub !== undefined) {
        return element(spec, { op: 'pr', attrPath: sub });
      }
      return { kind: 'present', field: spec.field };
    }
    case 'valuePath': {
      const { spec, sub } = resolve(f.attrPath, kind);
      if (sub !== undefined) throw invalidFilter(`${f.attrPath}[…] is not a value path`);
      if (spec.type === 'members') return memberFilter(f.filter);
      if (spec.type !== 'multi') throw invalidFilter(`${f.attrPath} is not multi-valued`);
      return element(spec, f.filter);
    }
    case 'compare': {
      const { spec, sub } = resolve(f.attrPath, kind);
      if (spec.type === 'members') {
        if (sub !== undefined && sub !== 'value')
          throw invalidFilter(`filtering on ${f.attrPath} is not supported`);
        return memberFilter({ ...f, attrPath: 'value' });
      }
      if (spec.type === 'multi') {
        // A comparison on a multi-valued attribute applies to its values (§3.4.2.2: emails co "example.com").
        return element(spec, { ...f, attrPath: sub ?? 'value' });
      }
      return { kind: 'compare', field: spec.field, op: f.cmp, value: compareValue(spec.type, f) };
    }
  }
}

function compareValue(
  type: 'string' | 'boolean' | 'date',
  f: Extract<ScimFilter, { op: 'compare' }>,
): string | boolean | Date | null {
  if (type === 'boolean') {
    if (typeof f.value !== 'boolean' || (f.cmp !== 'eq' && f.cmp !== 'ne')) {
      throw invalidFilter(`${f.attrPath} is a boolean: compare it with eq or ne and true or false`);
    }
    return f.value;
  }
  if (type === 'date') {
    if (typeof f.value !== 'string' || ['co', 'sw', 'ew'].includes(f.cmp)) {
      throw invalidFilter(
        `${f.attrPath} is a date-time: use eq, ne, gt, ge, lt or le with a date-time string`,
      );
    }
    const d = new Date(f.value);
    if (Number.isNaN(d.getTime())) throw invalidFilter(`${f.attrPath} needs a date-time value`);
    return d;
  }
  if (typeof f.value === 'boolean') throw invalidFilter(`${f.attrPath} is a string`);
  if (f.value === null && f.cmp !== 'eq' && f.cmp !== 'ne') {
    throw invalidFilter(`${f.cmp} needs a string value`);
  }
  return f.value;
}

function element(spec: Extract<Spec, { type: 'multi' }>, inner: ScimFilter): Filter {
  return { kind: 'element', field: spec.field, filter: compileElementFilter(inner, spec.subs) };
}

/**
 * `members[value eq "<user id>"]` (Entra's membership check: `id eq "<group>" and members[value eq "<user>"]`)
 * becomes hasMember; `or`-ed member ids are accepted. Other member filters are not supported.
 */
function memberFilter(f: ScimFilter): Filter {
  if (f.op === 'or') return { kind: 'or', filters: f.filters.map(memberFilter) };
  if (
    f.op === 'compare' &&
    f.cmp === 'eq' &&
    f.attrPath.toLowerCase() === 'value' &&
    typeof f.value === 'string'
  ) {
    return { kind: 'hasMember', userId: f.value };
  }
  throw invalidFilter('only members[value eq "<id>"] is supported on members');
}
