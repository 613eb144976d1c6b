import type {
  Credential,
  Group,
  ProvisioningLogEntry,
  Tenant,
  User,
  Workspace,
  AccessRule,
} from '../domain/types.js';
import type { AccessDecision, AccessPolicySource } from '../services/access.js';

/**
 * Parent shapes handed to field resolvers for the GraphQL types that are not domain objects themselves (codegen
 * `mappers` in codegen.yml point here). Domain types (User, Group, …) are mapped directly.
 */
export interface PageInfoShape {
  hasNextPage: boolean;
  endCursor: string | null;
}

export interface Edge<T> {
  cursor: string;
  node: T;
}

export interface Connection<T, E extends Edge<T> = Edge<T>> {
  edges: E[];
  pageInfo: PageInfoShape;
  /** Counts every match (all pages); called only when the client asks for totalCount. */
  count?: () => Promise<number>;
}

export type UserEdgeParent = Edge<User>;
export type GroupEdgeParent = Edge<Group>;
export type WorkspaceEdgeParent = Edge<Workspace>;
export type ProvisioningLogEdgeParent = Edge<ProvisioningLogEntry>;
export interface GroupMemberEdgeParent extends Edge<User> {
  addedAt: Date;
}

export type UserConnectionParent = Connection<User>;
export type GroupConnectionParent = Connection<Group>;
export type WorkspaceConnectionParent = Connection<Workspace>;
export type EffectiveMemberConnectionParent = Connection<User>;
export type ProvisioningLogConnectionParent = Connection<ProvisioningLogEntry>;
export type GroupMemberConnectionParent = Connection<User, GroupMemberEdgeParent>;

export interface AccessExplanationParent {
  decision: AccessDecision;
  user: User;
  /** Set when the target is a workspace. */
  workspaceId?: string | undefined;
}

export interface EffectiveAccessParent {
  policy: AccessPolicySource;
  rule: AccessRule;
}

/** An Entra group object ID from an access rule. */
export interface AllowedGroupParent {
  objectId: string;
}

export interface ScimSettingsParent {
  tenant: Tenant;
}

export interface IssuedScimTokenParent {
  token: string;
  credential: Credential;
  tenant: Tenant;
}
