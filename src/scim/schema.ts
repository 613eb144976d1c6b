import { urn } from './urns.js';

/**
 * The attributes this directory stores, described with the characteristics of RFC 7643 §2.2 / §7. Served as-is by
 * /Schemas (discovery.ts), so what Entra discovers is exactly what the filter, PATCH and presenters support: a test
 * checks every attribute path they accept against these definitions.
 *
 * Truthful characteristics: userName and group displayName are unique per tenant and compared case-insensitively
 * (stored as given); externalId and ids compare exactly; e-mail and phone entries compare case-insensitively.
 */
export interface AttributeDef {
  name: string;
  type: 'string' | 'boolean' | 'complex' | 'reference' | 'dateTime';
  multiValued: boolean;
  description: string;
  required: boolean;
  caseExact: boolean;
  mutability: 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';
  returned: 'always' | 'never' | 'default' | 'request';
  uniqueness: 'none' | 'server' | 'global';
  canonicalValues?: string[];
  referenceTypes?: string[];
  subAttributes?: AttributeDef[];
}

export interface SchemaDef {
  id: string;
  name: string;
  description: string;
  attributes: AttributeDef[];
}

function attr(
  name: string,
  description: string,
  more: Partial<Omit<AttributeDef, 'name' | 'description'>> = {},
): AttributeDef {
  return {
    name,
    type: 'string',
    multiValued: false,
    description,
    required: false,
    caseExact: false,
    mutability: 'readWrite',
    returned: 'default',
    uniqueness: 'none',
    ...more,
  };
}

const externalId = attr(
  'externalId',
  'An identifier for the resource as defined by the provisioning client (Entra ID). Compared exactly.',
  { caseExact: true },
);

function typedEntries(name: string, description: string, types: string[]): AttributeDef {
  return attr(name, description, {
    type: 'complex',
    multiValued: true,
    subAttributes: [
      attr('value', `The ${name} value, stored as sent.`),
      attr('type', 'A label for the entry; at most one entry of each type is expected.', {
        canonicalValues: types,
      }),
      attr('primary', 'Whether this is the primary entry; at most one entry is primary.', {
        type: 'boolean',
      }),
    ],
  });
}

export const userSchema: SchemaDef = {
  id: urn.user,
  name: 'User',
  description: 'User account',
  attributes: [
    attr('userName', 'Unique identifier for the user within the tenant, typically the user principal name.', {
      required: true,
      uniqueness: 'server',
    }),
    attr('name', "The components of the user's name.", {
      type: 'complex',
      subAttributes: [attr('givenName', 'Given (first) name.'), attr('familyName', 'Family (last) name.')],
    }),
    attr('displayName', 'The name of the user, suitable for display.'),
    attr('active', "The user's administrative status; inactive users stay readable until deleted.", {
      type: 'boolean',
    }),
    typedEntries('emails', 'E-mail addresses of the user.', ['work', 'home', 'other']),
    typedEntries('phoneNumbers', 'Phone numbers of the user.', [
      'work',
      'home',
      'mobile',
      'fax',
      'pager',
      'other',
    ]),
    externalId,
  ],
};

export const enterpriseUserSchema: SchemaDef = {
  id: urn.enterpriseUser,
  name: 'EnterpriseUser',
  description: 'Enterprise user',
  attributes: [attr('department', 'Name of a department.')],
};

export const groupSchema: SchemaDef = {
  id: urn.group,
  name: 'Group',
  description: 'Group',
  attributes: [
    attr('displayName', 'A human-readable name for the group, unique within the tenant.', {
      required: true,
      uniqueness: 'server',
    }),
    attr('members', 'Users that are members of the group.', {
      type: 'complex',
      multiValued: true,
      subAttributes: [
        attr('value', 'The id of a member user.', { mutability: 'immutable', caseExact: true }),
        attr('$ref', 'The URI of the member user.', {
          type: 'reference',
          referenceTypes: ['User'],
          mutability: 'immutable',
          caseExact: true,
        }),
        attr('display', "The member's display name (displayName, or userName when it has none).", {
          mutability: 'readOnly',
        }),
      ],
    }),
    externalId,
  ],
};

export const allSchemas: SchemaDef[] = [userSchema, enterpriseUserSchema, groupSchema];
