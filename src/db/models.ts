import mongoose, { Schema } from 'mongoose';

/**
 * Storage schemas and the shape of each collection's documents. Every collection but `tenants` carries
 * `tenantId`, and every unique index starts with it, so tenants never collide and never see each other.
 *
 * Ids are random UUID strings (`_id: String`): SCIM ids are opaque, and any shape of unknown id is a plain miss
 * (404), never a cast error. Field names avoid `.` and a leading `$`. Case-insensitive attributes keep a lower-case
 * copy (`…Lower`) that equalities, ranges and sorts compare on, so that one index answers them on every database.
 * The schemas are also each collection's `$jsonSchema` validator (validator.ts); fields marked `substringSearch`
 * get a substring index on the embedded database (createSearchIndexes).
 */
const opts = { versionKey: false, _id: false } as const;

export type RecordSourceDoc = 'scim' | 'admin' | 'sso';

export interface TenantDoc {
  _id: string;
  slug: string;
  name: string;
  scimEnabled: boolean;
  createdAt: Date;
  updatedAt: Date;
}

const tenantSchema = new Schema<TenantDoc>(
  {
    _id: { type: String, required: true },
    slug: { type: String, required: true },
    name: { type: String, required: true },
    scimEnabled: { type: Boolean, required: true, default: true },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'tenants' },
);
tenantSchema.index({ slug: 1 }, { unique: true });

export interface CredentialDoc {
  _id: string;
  tenantId: string;
  kind: 'scim' | 'admin';
  /** SHA-256 of the token, hex. The token itself is never stored. */
  hash: string;
  label?: string;
  createdAt: Date;
  expiresAt?: Date;
}

const credentialSchema = new Schema<CredentialDoc>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    kind: { type: String, required: true, enum: ['scim', 'admin'] },
    hash: { type: String, required: true },
    label: String,
    createdAt: { type: Date, required: true },
    expiresAt: Date,
  },
  { versionKey: false, collection: 'credentials' },
);
credentialSchema.index({ hash: 1 }, { unique: true });
credentialSchema.index({ tenantId: 1, kind: 1, createdAt: -1 });

export interface EntryDoc {
  value?: string;
  type?: string;
  primary?: boolean;
}

const entrySchema = new Schema<EntryDoc>({ value: String, type: String, primary: Boolean }, opts);

export interface AddressDoc {
  type?: string;
  formatted?: string;
  streetAddress?: string;
  locality?: string;
  region?: string;
  postalCode?: string;
  country?: string;
  primary?: boolean;
}

const addressSchema = new Schema<AddressDoc>(
  {
    type: String,
    formatted: String,
    streetAddress: String,
    locality: String,
    region: String,
    postalCode: String,
    country: String,
    primary: Boolean,
  },
  opts,
);

export interface UserDoc {
  _id: string;
  tenantId: string;
  userName: string;
  userNameLower: string;
  active: boolean;
  givenName?: string;
  givenNameLower?: string;
  familyName?: string;
  familyNameLower?: string;
  displayName?: string;
  displayNameLower?: string;
  emails: EntryDoc[];
  phoneNumbers: EntryDoc[];
  /** Lower-case copies of the entries' values: "some entry's value equals x" is one array-contains lookup. */
  emailsLower: string[];
  phoneNumbersLower: string[];
  addresses: AddressDoc[];
  externalId?: string;
  department?: string;
  departmentLower?: string;
  formattedName?: string;
  middleName?: string;
  honorificPrefix?: string;
  honorificSuffix?: string;
  nickName?: string;
  title?: string;
  titleLower?: string;
  userType?: string;
  preferredLanguage?: string;
  locale?: string;
  timezone?: string;
  profileUrl?: string;
  employeeNumber?: string;
  costCenter?: string;
  organization?: string;
  division?: string;
  /** The manager's user id (same tenant); unset when the manager is deleted. */
  managerId?: string;
  entraObjectId?: string;
  /** Lower-case names and e-mail addresses, for substring search (one trigram index on the embedded database). */
  searchText: string;
  source: RecordSourceDoc;
  createdAt: Date;
  updatedAt: Date;
  version: number;
}

const userSchema = new Schema<UserDoc>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    userName: { type: String, required: true },
    userNameLower: { type: String, required: true },
    active: { type: Boolean, required: true },
    givenName: String,
    givenNameLower: String,
    familyName: String,
    familyNameLower: String,
    displayName: String,
    displayNameLower: String,
    emails: { type: [entrySchema], default: [] },
    phoneNumbers: { type: [entrySchema], default: [] },
    emailsLower: { type: [String], default: [] },
    phoneNumbersLower: { type: [String], default: [] },
    addresses: { type: [addressSchema], default: [] },
    externalId: String,
    department: String,
    departmentLower: String,
    formattedName: String,
    middleName: String,
    honorificPrefix: String,
    honorificSuffix: String,
    nickName: String,
    title: String,
    titleLower: String,
    userType: String,
    preferredLanguage: String,
    locale: String,
    timezone: String,
    profileUrl: String,
    employeeNumber: String,
    costCenter: String,
    organization: String,
    division: String,
    managerId: String,
    entraObjectId: String,
    searchText: { type: String, required: true, substringSearch: true },
    source: { type: String, required: true, enum: ['scim', 'admin', 'sso'] },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
    version: { type: Number, required: true },
  },
  { versionKey: false, collection: 'users' },
);
userSchema.index({ tenantId: 1, userNameLower: 1 }, { unique: true });
userSchema.index({ tenantId: 1, _id: 1 }); // SCIM's pages, a workspace's effective members
userSchema.index({ tenantId: 1, externalId: 1 });
userSchema.index({ tenantId: 1, entraObjectId: 1 });
userSchema.index({ tenantId: 1, emailsLower: 1 });
userSchema.index({ tenantId: 1, phoneNumbersLower: 1 });
userSchema.index({ tenantId: 1, displayNameLower: 1 });
// an org chart: a manager's direct reports by name (GraphQL directReports, SCIM manager.value eq), and the
// GraphQL filters on department and title
userSchema.index({ tenantId: 1, managerId: 1, userNameLower: 1 });
userSchema.index({ tenantId: 1, departmentLower: 1 });
userSchema.index({ tenantId: 1, titleLower: 1 });

export interface GroupDoc {
  _id: string;
  tenantId: string;
  displayName: string;
  displayNameLower: string;
  externalId?: string;
  source: RecordSourceDoc;
  createdAt: Date;
  updatedAt: Date;
  version: number;
}

const groupSchema = new Schema<GroupDoc>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    displayName: { type: String, required: true },
    displayNameLower: { type: String, required: true, substringSearch: true },
    externalId: String,
    source: { type: String, required: true, enum: ['scim', 'admin', 'sso'] },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
    version: { type: Number, required: true },
  },
  { versionKey: false, collection: 'groups' },
);
groupSchema.index({ tenantId: 1, displayNameLower: 1 }, { unique: true });
groupSchema.index({ tenantId: 1, _id: 1 }); // SCIM's pages
groupSchema.index({ tenantId: 1, externalId: 1 });

/**
 * One document per (group, user). `_id` is deterministic (`groupId:userId`): adding is an insert (a duplicate key
 * means "already a member"), removing is a delete. Concurrent adds and removes never lose each other, and a group
 * may have any number of members without any document growing.
 */
export interface MembershipDoc {
  _id: string;
  tenantId: string;
  groupId: string;
  userId: string;
  createdAt: Date;
}

const membershipSchema = new Schema<MembershipDoc>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    groupId: { type: String, required: true },
    userId: { type: String, required: true },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'memberships' },
);
membershipSchema.index({ tenantId: 1, groupId: 1, userId: 1 }, { unique: true });
membershipSchema.index({ tenantId: 1, userId: 1, groupId: 1 });

/**
 * A user or group being deleted: written before the record and its memberships are removed, kept for a while after.
 * The repair sweep (integrity.ts) finishes a delete a crash interrupted and removes memberships that a concurrent
 * member add wrote after the delete removed them.
 */
export interface DeletionDoc {
  _id: string;
  tenantId: string;
  kind: 'user' | 'group';
  targetId: string;
  at: Date;
}

const deletionSchema = new Schema<DeletionDoc>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    kind: { type: String, required: true, enum: ['user', 'group'] },
    targetId: { type: String, required: true },
    at: { type: Date, required: true },
  },
  { versionKey: false, collection: 'deletions' },
);
deletionSchema.index({ at: 1 });

export interface AccessRuleDoc {
  ssoEnabled: boolean;
  ssoConfigurationId?: string;
  allowedGroupIds: string[];
}

const accessRuleSchema = new Schema<AccessRuleDoc>(
  {
    ssoEnabled: { type: Boolean, required: true },
    ssoConfigurationId: String,
    allowedGroupIds: { type: [String], default: [] },
  },
  opts,
);

export interface WorkspaceDoc {
  _id: string;
  tenantId: string;
  name: string;
  nameLower: string;
  description?: string;
  accessOverride?: AccessRuleDoc;
  createdAt: Date;
  updatedAt: Date;
  /** Optimistic concurrency (absent in documents written before it existed: version 0). */
  version?: number;
}

const workspaceSchema = new Schema<WorkspaceDoc>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    name: { type: String, required: true },
    nameLower: { type: String, required: true },
    description: String,
    accessOverride: { type: accessRuleSchema, default: undefined },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
    version: Number,
  },
  { versionKey: false, collection: 'workspaces' },
);
workspaceSchema.index({ tenantId: 1, nameLower: 1 }, { unique: true });

export interface SsoConfigurationDoc {
  _id: string;
  tenantId: string;
  name: string;
  nameLower: string;
  kind: 'ENTRA_SINGLE_TENANT' | 'ENTRA_MULTI_TENANT';
  entraTenantId?: string;
  allowedEntraTenantIds: string[];
  createdAt: Date;
  updatedAt: Date;
  version?: number;
}

const ssoConfigurationSchema = new Schema<SsoConfigurationDoc>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    name: { type: String, required: true },
    nameLower: { type: String, required: true },
    kind: { type: String, required: true, enum: ['ENTRA_SINGLE_TENANT', 'ENTRA_MULTI_TENANT'] },
    entraTenantId: String,
    allowedEntraTenantIds: { type: [String], default: [] },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
    version: Number,
  },
  { versionKey: false, collection: 'ssoconfigurations' },
);
ssoConfigurationSchema.index({ tenantId: 1, nameLower: 1 }, { unique: true });
ssoConfigurationSchema.index({ entraTenantId: 1 });
ssoConfigurationSchema.index({ allowedEntraTenantIds: 1 });

/** One document per tenant (`_id` = tenantId). */
export interface AccessPolicyDoc {
  _id: string;
  tenantId: string;
  mainDashboard: AccessRuleDoc;
  workspaceDefaults: AccessRuleDoc;
  updatedAt: Date;
}

const accessPolicySchema = new Schema<AccessPolicyDoc>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    mainDashboard: { type: accessRuleSchema, required: true },
    workspaceDefaults: { type: accessRuleSchema, required: true },
    updatedAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'accesspolicies' },
);
accessPolicySchema.index({ tenantId: 1 }, { unique: true });

export interface AuditEventDoc {
  _id: string;
  tenantId: string;
  at: Date;
  actorType: string;
  actorId: string;
  source: string;
  requestId: string;
  action: string;
  targetType: string;
  targetId: string;
  changes?: Record<string, unknown>;
}

const auditEventSchema = new Schema<AuditEventDoc>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    at: { type: Date, required: true },
    actorType: { type: String, required: true },
    actorId: { type: String, required: true },
    source: { type: String, required: true },
    requestId: { type: String, required: true },
    action: { type: String, required: true },
    targetType: { type: String, required: true },
    targetId: { type: String, required: true },
    changes: Schema.Types.Mixed,
  },
  { versionKey: false, collection: 'auditevents' },
);
auditEventSchema.index({ tenantId: 1, at: -1, _id: -1 });
auditEventSchema.index({ tenantId: 1, targetId: 1, at: -1 });

export interface ProvisioningLogDoc {
  _id: string;
  tenantId: string;
  at: Date;
  requestId: string;
  method: string;
  path: string;
  operation: string;
  resourceType: 'User' | 'Group' | 'Other';
  resourceId?: string;
  userId?: string;
  groupId?: string;
  status: number;
  outcome: 'SUCCESS' | 'FAILURE';
  error?: string;
  durationMs: number;
}

const provisioningLogSchema = new Schema<ProvisioningLogDoc>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    at: { type: Date, required: true },
    requestId: { type: String, required: true },
    method: { type: String, required: true },
    path: { type: String, required: true },
    operation: { type: String, required: true },
    resourceType: { type: String, required: true, enum: ['User', 'Group', 'Other'] },
    resourceId: String,
    userId: String,
    groupId: String,
    status: { type: Number, required: true },
    outcome: { type: String, required: true, enum: ['SUCCESS', 'FAILURE'] },
    error: String,
    durationMs: { type: Number, required: true },
  },
  { versionKey: false, collection: 'provisioninglogs' },
);
provisioningLogSchema.index({ tenantId: 1, at: -1, _id: -1 });
provisioningLogSchema.index({ tenantId: 1, userId: 1, at: -1 });
provisioningLogSchema.index({ tenantId: 1, groupId: 1, at: -1 });

/** Sign-in sessions, shared by every instance. Expired ones are swept by the store (FerretDB has no TTL index). */
export interface SessionDoc {
  _id: string;
  tenantId?: string;
  expiresAt: Date;
  data: string;
}

const sessionSchema = new Schema<SessionDoc>(
  {
    _id: { type: String, required: true },
    tenantId: String,
    expiresAt: { type: Date, required: true },
    data: { type: String, required: true },
  },
  { versionKey: false, collection: 'sessions' },
);
sessionSchema.index({ expiresAt: 1 });

export const TenantModel = mongoose.model<TenantDoc>('Tenant', tenantSchema);
export const CredentialModel = mongoose.model<CredentialDoc>('Credential', credentialSchema);
export const UserModel = mongoose.model<UserDoc>('User', userSchema);
export const GroupModel = mongoose.model<GroupDoc>('Group', groupSchema);
export const MembershipModel = mongoose.model<MembershipDoc>('Membership', membershipSchema);
export const WorkspaceModel = mongoose.model<WorkspaceDoc>('Workspace', workspaceSchema);
export const SsoConfigurationModel = mongoose.model<SsoConfigurationDoc>(
  'SsoConfiguration',
  ssoConfigurationSchema,
);
export const DeletionModel = mongoose.model<DeletionDoc>('Deletion', deletionSchema);
export const AccessPolicyModel = mongoose.model<AccessPolicyDoc>('AccessPolicy', accessPolicySchema);
export const AuditEventModel = mongoose.model<AuditEventDoc>('AuditEvent', auditEventSchema);
export const ProvisioningLogModel = mongoose.model<ProvisioningLogDoc>(
  'ProvisioningLog',
  provisioningLogSchema,
);
export const SessionModel = mongoose.model<SessionDoc>('Session', sessionSchema);

export const allModels = [
  TenantModel,
  CredentialModel,
  UserModel,
  GroupModel,
  MembershipModel,
  DeletionModel,
  WorkspaceModel,
  SsoConfigurationModel,
  AccessPolicyModel,
  AuditEventModel,
  ProvisioningLogModel,
  SessionModel,
];
