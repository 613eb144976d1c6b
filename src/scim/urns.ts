/** Schema and message URNs of SCIM 2.0 (RFC 7643 §3, §7, §8.7; RFC 7644 §3.5.2, §3.12, §3.4.2). */
export const urn = {
  user: 'urn:ietf:params:scim:schemas:core:2.0:User',
  group: 'urn:ietf:params:scim:schemas:core:2.0:Group',
  enterpriseUser: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
  listResponse: 'urn:ietf:params:scim:api:messages:2.0:ListResponse',
  patchOp: 'urn:ietf:params:scim:api:messages:2.0:PatchOp',
  searchRequest: 'urn:ietf:params:scim:api:messages:2.0:SearchRequest',
  error: 'urn:ietf:params:scim:api:messages:2.0:Error',
  serviceProviderConfig: 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig',
  resourceType: 'urn:ietf:params:scim:schemas:core:2.0:ResourceType',
  schema: 'urn:ietf:params:scim:schemas:core:2.0:Schema',
} as const;

/** Resource types this facade serves. */
export type ResourceKind = 'User' | 'Group';

/** The schemas a resource type may carry, core first (attribute paths may be prefixed with any of them). */
export const resourceSchemas: Record<ResourceKind, readonly string[]> = {
  User: [urn.user, urn.enterpriseUser],
  Group: [urn.group],
};

export const scimContentType = 'application/scim+json; charset=utf-8';
