/** Domain objects: what services return and what every protocol presents. Never raw database documents. */

/** Who wrote a record. Records that Entra provisions (source "scim") are owned by Entra. */
export type RecordSource = 'scim' | 'admin' | 'sso';

export interface Tenant {
  id: string;
  slug: string;
  name: string;
  /** "Enable user synchronization" (SCIM) in the tenant's settings. */
  scimEnabled: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface Email {
  value: string;
  type?: string | undefined;
  primary?: boolean | undefined;
}

export interface PhoneNumber {
  value: string;
  type?: string | undefined;
  primary?: boolean | undefined;
}

/** A postal address (RFC 7643 §4.1.2 addresses): every sub-attribute optional, at least one of the text ones set. */
export interface Address {
  type?: string | undefined;
  formatted?: string | undefined;
  streetAddress?: string | undefined;
  locality?: string | undefined;
  region?: string | undefined;
  postalCode?: string | undefined;
  country?: string | undefined;
  primary?: boolean | undefined;
}

/** The text parts of an address, in the order RFC 7643 §4.1.2 lists them. */
export const addressParts = [
  'formatted',
  'streetAddress',
  'locality',
  'region',
  'postalCode',
  'country',
] as const;

/**
 * The optional text attributes of a user beyond its names (RFC 7643 §4.1.1 and the enterprise extension §4.3), in
 * directory words. `formattedName` is SCIM's name.formatted.
 */
export const userTextFields = [
  'displayName',
  'givenName',
  'familyName',
  'formattedName',
  'middleName',
  'honorificPrefix',
  'honorificSuffix',
  'nickName',
  'title',
  'userType',
  'preferredLanguage',
  'locale',
  'timezone',
  'profileUrl',
  'employeeNumber',
  'costCenter',
  'organization',
  'division',
  'department',
] as const;
export type UserTextField = (typeof userTextFields)[number];

export interface User extends Partial<Record<UserTextField, string | undefined>> {
  id: string;
  tenantId: string;
  /** As given by the writer; uniqueness is case-insensitive. */
  userName: string;
  active: boolean;
  givenName?: string | undefined;
  familyName?: string | undefined;
  displayName?: string | undefined;
  emails: Email[];
  phoneNumbers: PhoneNumber[];
  addresses: Address[];
  externalId?: string | undefined;
  department?: string | undefined;
  /** The id of this user's manager, a user of the same tenant (enterprise extension `manager.value`). */
  managerId?: string | undefined;
  /** Entra object ID (oid), when known (learned at sign-in or set by an admin). */
  entraObjectId?: string | undefined;
  source: RecordSource;
  createdAt: Date;
  updatedAt: Date;
  version: number;
}

/**
 * A user's attributes besides those every read of a user has (id, tenantId, userName). A read for display may ask for
 * some of them only (storage: `attributes`); the user it returns carries those and no others.
 */
export type UserAttribute = Exclude<keyof User, 'id' | 'tenantId' | 'userName'>;

export interface Group {
  id: string;
  tenantId: string;
  displayName: string;
  /** For provisioned groups, Entra's group object ID. */
  externalId?: string | undefined;
  source: RecordSource;
  createdAt: Date;
  updatedAt: Date;
  version: number;
}

export interface Membership {
  groupId: string;
  userId: string;
  createdAt: Date;
}

/** Who is in which group, without when. */
export type MembershipPair = Pick<Membership, 'groupId' | 'userId'>;

/** Who may sign in where: SSO on/off, through which configuration, limited to which Entra group object IDs. */
export interface AccessRule {
  ssoEnabled: boolean;
  ssoConfigurationId?: string | undefined;
  /** Entra group object IDs; empty = no group limit. */
  allowedGroupIds: string[];
}

export interface Workspace {
  id: string;
  tenantId: string;
  name: string;
  description?: string | undefined;
  /** Per-workspace override of the workspace defaults; undefined = the defaults apply. */
  accessOverride?: AccessRule | undefined;
  createdAt: Date;
  updatedAt: Date;
  /** Incremented by every change (optimistic concurrency). */
  version: number;
}

export type SsoConfigurationKind = 'ENTRA_SINGLE_TENANT' | 'ENTRA_MULTI_TENANT';

export interface SsoConfiguration {
  id: string;
  tenantId: string;
  name: string;
  kind: SsoConfigurationKind;
  /** Single-tenant: the customer's Entra tenant ID. */
  entraTenantId?: string | undefined;
  /** Multi-tenant: the Entra tenant IDs allowed to sign in (empty = none). */
  allowedEntraTenantIds: string[];
  createdAt: Date;
  updatedAt: Date;
  /** Incremented by every change (optimistic concurrency). */
  version: number;
}

export interface AccessPolicies {
  tenantId: string;
  /** "Main User Dashboard Access Control". */
  mainDashboard: AccessRule;
  /** "Workspace default settings → Login, registration and SSO". */
  workspaceDefaults: AccessRule;
  updatedAt: Date;
}

export interface AuditEvent {
  id: string;
  tenantId: string;
  at: Date;
  actorType: string;
  actorId: string;
  source: string;
  requestId: string;
  action: string;
  targetType: string;
  targetId: string;
  changes?: Record<string, unknown> | undefined;
}

export type ProvisioningOutcome = 'SUCCESS' | 'FAILURE';

/** One SCIM request as Entra made it, for the admin's provisioning log. */
export interface ProvisioningLogEntry {
  id: string;
  tenantId: string;
  at: Date;
  requestId: string;
  method: string;
  path: string;
  operation: string;
  resourceType: 'User' | 'Group' | 'Other';
  resourceId?: string | undefined;
  userId?: string | undefined;
  groupId?: string | undefined;
  status: number;
  outcome: ProvisioningOutcome;
  error?: string | undefined;
  durationMs: number;
}

export type CredentialKind = 'scim' | 'admin';

export interface Credential {
  id: string;
  tenantId: string;
  kind: CredentialKind;
  label?: string | undefined;
  createdAt: Date;
  /** Set when rotated: the token keeps working until then (grace period). */
  expiresAt?: Date | undefined;
}

/** A page of results with the total when it was computed. */
export interface Page<T> {
  items: T[];
  total: number;
}
