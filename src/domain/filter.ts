/**
 * A protocol-neutral query spec. SCIM filters (RFC 7644 §3.4.2.2) and GraphQL filter inputs are both translated
 * into this shape; storage translates it into a database query through an allow-list of fields. Nothing ever loads
 * a tenant's records to filter them in memory.
 */
export type CompareOp = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'ge' | 'lt' | 'le';

export type FilterValue = string | number | boolean | Date | null;

export type Filter<F extends string = string> =
  | { kind: 'and'; filters: Filter<F>[] }
  | { kind: 'or'; filters: Filter<F>[] }
  | { kind: 'not'; filter: Filter<F> }
  | { kind: 'compare'; field: F; op: CompareOp; value: FilterValue }
  | { kind: 'present'; field: F }
  /** A multi-valued field whose one element matches all of `filter` (SCIM value paths like emails[type eq "work"]). */
  | { kind: 'element'; field: F; filter: Filter<string> }
  /** Groups only: groups that have this user as a member (SCIM `members[value eq "…"]`). */
  | { kind: 'hasMember'; userId: string }
  /** Users only: users who are members of this group. */
  | { kind: 'memberOf'; groupId: string };

/** Filterable user fields (directory words). */
export const userFilterFields = [
  'id',
  'userName',
  'active',
  'givenName',
  'familyName',
  'displayName',
  'externalId',
  'department',
  'title',
  'managerId',
  'entraObjectId',
  'emails',
  'phoneNumbers',
  'source',
  'createdAt',
  'updatedAt',
] as const;
export type UserFilterField = (typeof userFilterFields)[number];

/** Sub-fields of multi-valued user fields (emails[…], phoneNumbers[…]). */
export const multiValueSubFields = ['value', 'type', 'primary'] as const;

/** Boolean fields (compared with eq/ne and true/false only): users' `active`, and entries' `primary`. */
export const booleanFilterFields: readonly string[] = ['active', 'primary'];

export const groupFilterFields = [
  'id',
  'displayName',
  'externalId',
  'source',
  'createdAt',
  'updatedAt',
] as const;
export type GroupFilterField = (typeof groupFilterFields)[number];

export type UserFilter = Filter<UserFilterField>;
export type GroupFilter = Filter<GroupFilterField>;
