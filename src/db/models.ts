import mongoose, { Schema } from 'mongoose';

/**
 * Storage schemas. Only the db folder imports mongoose. Every collection but `tenants` carries `tenantId`, and
 * every unique index starts with it, so tenants never collide and never see each other.
 *
 * Ids are random UUID strings (`_id: String`): SCIM ids are opaque, and any shape of unknown id is a plain miss
 * (404), never a cast error. Field names avoid `.` and a leading `$` (FerretDB rejects them).
 */
const opts = { versionKey: false, _id: false } as const;

const tenantSchema = new Schema(
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

const credentialSchema = new Schema(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    kind: { type: String, required: true, enum: ['scim', 'admin'] },
    /** SHA-256 of the token, hex. The token itself is never stored. */
    hash: { type: String, required: true },
    label: String,
    createdAt: { type: Date, required: true },
    expiresAt: Date,
  },
  { versionKey: false, collection: 'credentials' },
);
credentialSchema.index({ hash: 1 }, { unique: true });
credentialSchema.index({ tenantId: 1, kind: 1 });

const emailSchema = new Schema({ value: String, type: String, primary: Boolean }, opts);
const phoneSchema = new Schema({ value: String, type: String, primary: Boolean }, opts);

const userSchema = new Schema(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    userName: { type: String, required: true },
    /** Lower-case copy of userName: the case-insensitive unique key and the equality used by lookups. */
    userNameLower: { type: String, required: true },
    active: { type: Boolean, required: true },
    givenName: String,
    familyName: String,
    displayName: String,
    emails: { type: [emailSchema], default: [] },
    phoneNumbers: { type: [phoneSchema], default: [] },
    /** Lower-case copies of the entries' values: equality lookups (`emails[type eq "work"].value eq …`) on a
     * top-level array, which MongoDB indexes (multikey) and FerretDB pushes down, unlike paths inside entries. */
    emailsLower: { type: [String], default: [] },
    phoneNumbersLower: { type: [String], default: [] },
    externalId: String,
    department: String,
    entraObjectId: String,
    source: { type: String, required: true, enum: ['scim', 'admin', 'sso'] },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
    version: { type: Number, required: true },
  },
  { versionKey: false, collection: 'users' },
);
userSchema.index({ tenantId: 1, userNameLower: 1 }, { unique: true });
userSchema.index({ tenantId: 1, externalId: 1 });
userSchema.index({ tenantId: 1, entraObjectId: 1 });
userSchema.index({ tenantId: 1, emailsLower: 1 });
userSchema.index({ tenantId: 1, phoneNumbersLower: 1 });

const groupSchema = new Schema(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    displayName: { type: String, required: true },
    displayNameLower: { type: String, required: true },
    externalId: String,
    source: { type: String, required: true, enum: ['scim', 'admin', 'sso'] },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
    version: { type: Number, required: true },
  },
  { versionKey: false, collection: 'groups' },
);
groupSchema.index({ tenantId: 1, displayNameLower: 1 }, { unique: true });
groupSchema.index({ tenantId: 1, externalId: 1 });

/**
 * One document per (group, user). `_id` is deterministic (`groupId:userId`): adding is an insert (a duplicate key
 * means "already a member"), removing is a delete. Concurrent adds and removes never lose each other, and a group
 * may have any number of members without any document growing.
 */
const membershipSchema = new Schema(
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
membershipSchema.index({ tenantId: 1, userId: 1 });

/**
 * One small document per user, `_id` "<tenantId>/<userId>": which users exist, answerable for a batch of ids in one
 * command whose statements are each a lone `_id` equality (see users.missingIds). The `_id` carries the tenant, so
 * every database answers each statement without reading users: MongoDB from its primary key, FerretDB inside SQLite
 * or PostgreSQL over these small rows — where a batch lookup on users (`$in`) makes FerretDB read and decode every
 * user of the tenant. An index of the users, never the truth: a missing reference is restored from users.
 */
const userRefSchema = new Schema(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    userId: { type: String, required: true },
  },
  { versionKey: false, collection: 'userrefs' },
);
userRefSchema.index({ tenantId: 1 });

const accessRuleSchema = new Schema(
  {
    ssoEnabled: { type: Boolean, required: true },
    ssoConfigurationId: String,
    allowedGroupIds: { type: [String], default: [] },
  },
  opts,
);

const workspaceSchema = new Schema(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    name: { type: String, required: true },
    nameLower: { type: String, required: true },
    description: String,
    accessOverride: { type: accessRuleSchema, default: undefined },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'workspaces' },
);
workspaceSchema.index({ tenantId: 1, nameLower: 1 }, { unique: true });

const ssoConfigurationSchema = new Schema(
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
  },
  { versionKey: false, collection: 'ssoconfigurations' },
);
ssoConfigurationSchema.index({ tenantId: 1, nameLower: 1 }, { unique: true });

/** One document per tenant (`_id` = tenantId). */
const accessPolicySchema = new Schema(
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

const auditEventSchema = new Schema(
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
auditEventSchema.index({ tenantId: 1, at: -1 });
auditEventSchema.index({ tenantId: 1, targetId: 1, at: -1 });

const provisioningLogSchema = new Schema(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    at: { type: Date, required: true },
    requestId: { type: String, required: true },
    method: { type: String, required: true },
    path: { type: String, required: true },
    operation: { type: String, required: true },
    resourceType: { type: String, required: true },
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
provisioningLogSchema.index({ tenantId: 1, at: -1 });

/** Sign-in sessions, shared by every instance. Expired ones are swept by the store (FerretDB has no TTL index). */
const sessionSchema = new Schema(
  {
    _id: { type: String, required: true },
    tenantId: String,
    expiresAt: { type: Date, required: true },
    data: { type: String, required: true },
  },
  { versionKey: false, collection: 'sessions' },
);
sessionSchema.index({ expiresAt: 1 });

export const TenantModel = mongoose.model('Tenant', tenantSchema);
export const CredentialModel = mongoose.model('Credential', credentialSchema);
export const UserModel = mongoose.model('User', userSchema);
export const UserRefModel = mongoose.model('UserRef', userRefSchema);
export const GroupModel = mongoose.model('Group', groupSchema);
export const MembershipModel = mongoose.model('Membership', membershipSchema);
export const WorkspaceModel = mongoose.model('Workspace', workspaceSchema);
export const SsoConfigurationModel = mongoose.model('SsoConfiguration', ssoConfigurationSchema);
export const AccessPolicyModel = mongoose.model('AccessPolicy', accessPolicySchema);
export const AuditEventModel = mongoose.model('AuditEvent', auditEventSchema);
export const ProvisioningLogModel = mongoose.model('ProvisioningLog', provisioningLogSchema);
export const SessionModel = mongoose.model('Session', sessionSchema);

export const allModels = [
  TenantModel,
  CredentialModel,
  UserModel,
  UserRefModel,
  GroupModel,
  MembershipModel,
  WorkspaceModel,
  SsoConfigurationModel,
  AccessPolicyModel,
  AuditEventModel,
  ProvisioningLogModel,
  SessionModel,
];
