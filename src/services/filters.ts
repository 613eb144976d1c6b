import { InvalidInputError } from '../domain/errors.js';
import { booleanFilterFields, type Filter, type GroupFilter, type UserFilter } from '../domain/filter.js';
import { textProblem } from './validate.js';

/**
 * Every filter a protocol hands the services passes here before it reaches storage, so that every filter the
 * protocols accept answers with records or a client error, never a server error (issue 12, item 4):
 * - every compared string and id must be fit to store (textProblem: no U+0000, no lone surrogate), else
 *   InvalidInputError at `filter` (SCIM: 400 invalidFilter; GraphQL: BAD_USER_INPUT);
 * - `present` on a boolean field (`active`, an entry's `primary`) becomes `eq true or eq false`: the same records,
 *   in a shape storage answers (a boolean field is never the empty string it tests `present` with).
 */
export function checkedUserFilter(f: UserFilter | undefined): UserFilter | undefined {
  return f === undefined ? undefined : (checked(f) as UserFilter);
}

export function checkedGroupFilter(f: GroupFilter | undefined): GroupFilter | undefined {
  return f === undefined ? undefined : (checked(f) as GroupFilter);
}

function checked(f: Filter<string>): Filter<string> {
  switch (f.kind) {
    case 'and':
    case 'or':
      return { kind: f.kind, filters: f.filters.map(checked) };
    case 'not':
      return { kind: 'not', filter: checked(f.filter) };
    case 'element':
      return { kind: 'element', field: f.field, filter: checked(f.filter) };
    case 'present':
      if (!booleanFilterFields.includes(f.field)) return f;
      return {
        kind: 'or',
        filters: [true, false].map((value) => ({ kind: 'compare', field: f.field, op: 'eq', value })),
      };
    case 'compare':
      if (typeof f.value === 'string') fit(f.value, f.field);
      return f;
    case 'hasMember':
      fit(f.userId, 'members');
      return f;
    case 'memberOf':
      fit(f.groupId, 'memberOf');
      return f;
  }
}

function fit(value: string, field: string): void {
  const problem = textProblem(value);
  if (problem) throw new InvalidInputError(`the filter's value for ${field} ${problem}`, 'filter');
}
