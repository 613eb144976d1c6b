import type { GroupFilter, UserFilter, UserFilterField } from '../domain/filter.js';
import {
  userTextFields,
  type Address,
  type CredentialKind,
  type Email,
  type PhoneNumber,
  type RecordSource,
} from '../domain/types.js';
import type { AccessRuleInput as ServiceAccessRuleInput } from '../services/access-policies.js';
import type { UserChanges, UserInput } from '../services/users.js';
import type {
  AccessRuleInput,
  AddressInput,
  CreateUserInput,
  EmailInput,
  GroupFilter as GqlGroupFilter,
  InputMaybe,
  PhoneNumberInput,
  RecordSource as GqlRecordSource,
  TokenKind,
  UpdateUserInput,
  UserFilter as GqlUserFilter,
} from '../generated/graphql.js';

/**
 * GraphQL inputs → the services' directory words. GraphQL distinguishes an omitted field (undefined: leave as is)
 * from an explicit null (clear); services take undefined for "clear" inside a changes object, so only the keys the
 * client sent are copied.
 */
export const recordSources: Record<RecordSource, GqlRecordSource> = {
  scim: 'SCIM',
  admin: 'ADMIN',
  sso: 'SSO',
};
const fromGqlSource: Record<GqlRecordSource, RecordSource> = { SCIM: 'scim', ADMIN: 'admin', SSO: 'sso' };
export const tokenKinds: Record<TokenKind, CredentialKind> = { SCIM: 'scim', ADMIN: 'admin' };

/** null/undefined → undefined. */
export function opt<T>(v: InputMaybe<T> | undefined): T | undefined {
  return v === null ? undefined : v;
}

/** Copies only the keys present in `input`, nulls becoming undefined (clear). */
function presentKeys<T extends object>(input: T): { [K in keyof T]?: Exclude<T[K], null> } {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(input)) out[k] = v === null ? undefined : v;
  return out as { [K in keyof T]?: Exclude<T[K], null> };
}

function multi<T extends Email | PhoneNumber>(
  items: InputMaybe<readonly (EmailInput | PhoneNumberInput)[]> | undefined,
): T[] | undefined {
  if (items === null || items === undefined) return undefined;
  return items.map(
    (i) =>
      ({
        value: i.value,
        ...(i.type !== null && i.type !== undefined ? { type: i.type } : {}),
        ...(i.primary !== null && i.primary !== undefined ? { primary: i.primary } : {}),
      }) as T,
  );
}

function addresses(items: InputMaybe<readonly AddressInput[]> | undefined): Address[] | undefined {
  if (items === null || items === undefined) return undefined;
  return items.map((a) => presentKeys(a) as Address);
}

export function userInput(input: CreateUserInput): UserInput {
  return {
    ...Object.fromEntries(userTextFields.map((f) => [f, opt(input[f])])),
    userName: input.userName,
    active: opt(input.active),
    emails: multi<Email>(input.emails),
    phoneNumbers: multi<PhoneNumber>(input.phoneNumbers),
    addresses: addresses(input.addresses),
    externalId: opt(input.externalId),
    managerId: opt(input.managerId),
    entraObjectId: opt(input.entraObjectId),
  };
}

export function userChanges(input: UpdateUserInput): UserChanges {
  const { emails, phoneNumbers, addresses: addressList, active, ...rest } = input;
  const changes: UserChanges = presentKeys(rest);
  // `active: null` cannot mean "clear": it is treated as omitted.
  if (active !== null && active !== undefined) changes.active = active;
  if (emails !== undefined) changes.emails = multi<Email>(emails) ?? [];
  if (phoneNumbers !== undefined) changes.phoneNumbers = multi<PhoneNumber>(phoneNumbers) ?? [];
  if (addressList !== undefined) changes.addresses = addresses(addressList) ?? [];
  return changes;
}

export function accessRuleInput(input: AccessRuleInput): ServiceAccessRuleInput {
  return {
    ssoEnabled: opt(input.ssoEnabled),
    // null clears the configuration; omitted keeps it.
    ssoConfigurationId: input.ssoConfigurationId,
    allowedGroupIds: opt(input.allowedGroupIds),
  };
}

export { presentKeys };

export function userFilter(f: InputMaybe<GqlUserFilter> | undefined): UserFilter | undefined {
  const parts: UserFilter[] = [];
  const eq = (field: UserFilterField, value: string | boolean) =>
    parts.push({ kind: 'compare', field, op: 'eq', value });
  if (f) {
    if (f.active !== null && f.active !== undefined) eq('active', f.active);
    if (f.userName) eq('userName', f.userName);
    if (f.externalId) eq('externalId', f.externalId);
    if (f.entraObjectId) eq('entraObjectId', f.entraObjectId);
    if (f.department) eq('department', f.department);
    if (f.title) eq('title', f.title);
    if (f.managerId) eq('managerId', f.managerId);
    if (f.source) eq('source', fromGqlSource[f.source]);
    if (f.memberOf) parts.push({ kind: 'memberOf', groupId: f.memberOf });
  }
  return combine(parts);
}

export function groupFilter(f: InputMaybe<GqlGroupFilter> | undefined): GroupFilter | undefined {
  const parts: GroupFilter[] = [];
  if (f) {
    if (f.displayName) parts.push({ kind: 'compare', field: 'displayName', op: 'eq', value: f.displayName });
    if (f.externalId) parts.push({ kind: 'compare', field: 'externalId', op: 'eq', value: f.externalId });
    if (f.source) parts.push({ kind: 'compare', field: 'source', op: 'eq', value: fromGqlSource[f.source] });
    if (f.hasMember) parts.push({ kind: 'hasMember', userId: f.hasMember });
  }
  return combine(parts);
}

function combine<F extends UserFilter | GroupFilter>(parts: F[]): F | undefined {
  if (parts.length === 0) return undefined;
  if (parts.length === 1) return parts[0];
  return { kind: 'and', filters: parts } as unknown as F;
}
