/**
 * Storage schemas, one file per collection, and the shape of each collection's documents. Every collection but `tenants` carries
 * `tenantId`, and every unique index starts with it, so tenants never collide and never see each other.
 *
 * Ids are random UUID strings (`_id: String`): SCIM ids are opaque, and any shape of unknown id is a plain miss
 * (404), never a cast error. Field names avoid `.` and a leading `$`. Case-insensitive attributes keep a lower-case
 * copy (`…Lower`) that equalities, ranges and sorts compare on, so that one index answers them on every database.
 * The schemas are also each collection's `$jsonSchema` validator (validator.ts); fields marked `substringSearch`
 * get a substring index on the embedded database (createSearchIndexes).
 */
import { TenantModel } from './tenants.js';
import { CredentialModel } from './credentials.js';
import { UserModel } from './users.js';
import { GroupModel } from './groups.js';
import { MembershipModel } from './memberships.js';
import { DeletionModel } from './deletions.js';
import { WorkspaceModel } from './workspaces.js';
import { SsoConfigurationModel } from './sso-configurations.js';
import { AccessPolicyModel } from './access-policies.js';
import { AuditEventModel } from './audit-events.js';
import { ProvisioningLogModel } from './provisioning-logs.js';
import { SessionModel } from './sessions.js';

export * from './shared.js';
export * from './tenants.js';
export * from './credentials.js';
export * from './users.js';
export * from './groups.js';
export * from './memberships.js';
export * from './deletions.js';
export * from './workspaces.js';
export * from './sso-configurations.js';
export * from './access-policies.js';
export * from './audit-events.js';
export * from './provisioning-logs.js';
export * from './sessions.js';

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
