import { allSchemas, servedAttribute, type SchemaDef } from './schema.js';
import { urn } from './urns.js';

/**
 * Service provider configuration and discovery (RFC 7644 §4; RFC 7643 §5, §6, §7). Describes exactly what this
 * facade does: PATCH yes; bulk, sort, ETags and password changes no; filters yes with the page-size cap as
 * maxResults; one bearer-token scheme. The schemas come from schema.ts, which the filter and PATCH allow-lists are
 * tested against.
 */
export function serviceProviderConfig(base: string, maxPageSize: number) {
  return {
    schemas: [urn.serviceProviderConfig],
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: maxPageSize },
    changePassword: { supported: false },
    sort: { supported: false },
    etag: { supported: false },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'OAuth Bearer Token',
        description: "Authentication with the tenant's SCIM secret token in an Authorization: Bearer header.",
        specUri: 'https://www.rfc-editor.org/info/rfc6750',
        primary: true,
      },
    ],
    meta: {
      resourceType: 'ServiceProviderConfig',
      location: `${base}/ServiceProviderConfig`,
    },
  };
}

const resourceTypeDefs = [
  {
    id: 'User',
    name: 'User',
    endpoint: '/Users',
    description: 'User account',
    schema: urn.user,
    schemaExtensions: [{ schema: urn.enterpriseUser, required: false }],
  },
  { id: 'Group', name: 'Group', endpoint: '/Groups', description: 'Group', schema: urn.group },
];

export function resourceTypes(base: string) {
  return resourceTypeDefs.map((t) => ({
    schemas: [urn.resourceType],
    ...t,
    meta: { resourceType: 'ResourceType', location: `${base}/ResourceTypes/${t.id}` },
  }));
}

export function schemas(base: string) {
  return allSchemas.map((s: SchemaDef) => ({
    schemas: [urn.schema],
    id: s.id,
    name: s.name,
    description: s.description,
    attributes: s.attributes.map(servedAttribute),
    meta: { resourceType: 'Schema', location: `${base}/Schemas/${s.id}` },
  }));
}
