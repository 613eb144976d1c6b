import { Kind, type FieldNode, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';
import type { UserAttribute } from '../domain/types.js';
import type { User as UserType } from '../generated/graphql.js';

/**
 * What a query shows of the records a connection returns, so that a page reads those attributes only (a users page
 * that shows names does not read and decode every user's whole record: about a quarter of the page's CPU, service
 * and database together).
 */

/**
 * The User attributes each field of the GraphQL User type reads (besides id, tenantId and userName, which every read
 * of a user has), or 'all' when it needs the whole user. A field added to the schema fails to compile until it is
 * listed here.
 */
const userFieldNeeds = {
  id: [],
  userName: [],
  active: ['active'],
  givenName: ['givenName'],
  familyName: ['familyName'],
  formattedName: ['formattedName'],
  middleName: ['middleName'],
  honorificPrefix: ['honorificPrefix'],
  honorificSuffix: ['honorificSuffix'],
  displayName: ['displayName'],
  nickName: ['nickName'],
  title: ['title'],
  userType: ['userType'],
  preferredLanguage: ['preferredLanguage'],
  locale: ['locale'],
  timezone: ['timezone'],
  profileUrl: ['profileUrl'],
  emails: ['emails'],
  phoneNumbers: ['phoneNumbers'],
  addresses: ['addresses'],
  externalId: ['externalId'],
  employeeNumber: ['employeeNumber'],
  costCenter: ['costCenter'],
  organization: ['organization'],
  division: ['division'],
  department: ['department'],
  manager: ['managerId'],
  directReports: [],
  entraObjectId: ['entraObjectId'],
  source: ['source'],
  provisioned: ['source'],
  createdAt: ['createdAt'],
  updatedAt: ['updatedAt'],
  groups: [],
  // an access decision reads the user as a whole (services/access-decision.ts)
  access: 'all',
} as const satisfies Record<Exclude<keyof UserType, '__typename'>, readonly UserAttribute[] | 'all'>;

/**
 * The attributes to read for the users of a connection field (`users`, `effectiveMembers`): what its `nodes` and
 * `edges { node }` select, or undefined (the whole user) when a selected field needs it.
 */
export function userAttributesShown(info: GraphQLResolveInfo): UserAttribute[] | undefined {
  const selected = [...selectedFields(info, ['nodes']), ...selectedFields(info, ['edges', 'node'])];
  const attributes = new Set<UserAttribute>();
  for (const name of selected) {
    if (name === '__typename') continue;
    const needs = (userFieldNeeds as Record<string, readonly UserAttribute[] | 'all' | undefined>)[name];
    if (needs === undefined || needs === 'all') return undefined;
    for (const a of needs) attributes.add(a);
  }
  return [...attributes];
}

/**
 * The names of the fields selected on the objects at `path` below the resolver's field, through fragments. A field
 * under @skip or @include counts as selected (reading more than shown is safe; less is not).
 */
function selectedFields(info: GraphQLResolveInfo, path: readonly string[]): string[] {
  let sets: SelectionSetNode[] = info.fieldNodes.flatMap((f) => (f.selectionSet ? [f.selectionSet] : []));
  for (const name of path) {
    sets = sets.flatMap((s) =>
      fieldsOf(s, info)
        .filter((f) => f.name.value === name)
        .flatMap((f) => (f.selectionSet ? [f.selectionSet] : [])),
    );
  }
  return sets.flatMap((s) => fieldsOf(s, info).map((f) => f.name.value));
}

function fieldsOf(set: SelectionSetNode, info: GraphQLResolveInfo): FieldNode[] {
  return set.selections.flatMap((sel) => {
    if (sel.kind === Kind.FIELD) return [sel];
    if (sel.kind === Kind.INLINE_FRAGMENT) return fieldsOf(sel.selectionSet, info);
    const fragment = info.fragments[sel.name.value];
    return fragment ? fieldsOf(fragment.selectionSet, info) : [];
  });
}
