import { urn } from './urns.js';

/**
 * THE attribute model of this SCIM facade: every attribute the directory stores, described with the
 * characteristics of RFC 7643 §2.2 / §7, and bound to the directory field that holds it. Everything else is derived
 * from these definitions (attributes.ts): /Schemas (discovery.ts, bindings left out), the filter allow-list
 * (filter.ts), the PATCH paths (patch-*.ts), create/replace parsing (input.ts) and the resources (presenters.ts).
 * Adding an attribute here adds it everywhere; an attribute not here is refused in a PATCH path (invalidPath) and
 * ignored in a POST/PUT body (entra-quirks.ts, quirk 9).
 *
 * Truthful characteristics: userName and group displayName are unique per tenant and compared case-insensitively
 * (stored as given); externalId and ids compare exactly; every other string compares case-insensitively.
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
  /**
   * Binding (not served): the directory field that holds a single-valued attribute, or the list that holds a
   * multi-valued one. A sub-attribute of a multi-valued attribute is the entry key of the same name.
   */
  field?: string;
  /** Binding (not served): filters may name this attribute (it has an index or a lower-case copy). */
  filterable?: boolean;
  /** Binding (not served): `$ref` of a reference, computed from the sibling `value`; never written. */
  computed?: 'location';
}

/** The RFC characteristics of an attribute, without the bindings (what /Schemas serves). */
export const rfcKeys = [
  'name',
  'type',
  'multiValued',
  'description',
  'required',
  'caseExact',
  'mutability',
  'returned',
  'uniqueness',
  'canonicalValues',
  'referenceTypes',
  'subAttributes',
] as const;

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
    field: name,
    ...more,
  };
}

const externalId = attr(
  'externalId',
  'An identifier for the resource as defined by the provisioning client (Entra ID). Compared exactly.',
  { caseExact: true, filterable: true },
);

const typeOf = (name: string, types: string[]) =>
  attr('type', `A label for the ${name} entry; at most one entry of each type is expected.`, {
    canonicalValues: types,
  });
const primaryOf = (name: string) =>
  attr('primary', `Whether this is the primary ${name} entry; at most one entry is primary.`, {
    type: 'boolean',
  });

/** emails and phoneNumbers: entries with a value, a type and a primary flag, matched by value. */
function valueEntries(name: string, description: string, types: string[]): AttributeDef {
  return attr(name, description, {
    type: 'complex',
    multiValued: true,
    filterable: true,
    subAttributes: [
      attr('value', `The ${name} value, stored as sent.`),
      typeOf(name, types),
      primaryOf(name),
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
      filterable: true,
    }),
    attr('name', "The components of the user's name.", {
      type: 'complex',
      field: undefined,
      subAttributes: [
        attr('formatted', 'The full name, formatted for display.', { field: 'formattedName' }),
        attr('familyName', 'Family (last) name.', { filterable: true }),
        attr('givenName', 'Given (first) name.', { filterable: true }),
        attr('middleName', 'Middle name(s).'),
        attr('honorificPrefix', 'Honorific prefix(es), e.g. "Ms.".'),
        attr('honorificSuffix', 'Honorific suffix(es), e.g. "III".'),
      ],
    }),
    attr('displayName', 'The name of the user, suitable for display.', { filterable: true }),
    attr('nickName', 'The casual way to address the user.'),
    attr('profileUrl', "A URL of the user's online profile.", {
      type: 'reference',
      referenceTypes: ['external'],
    }),
    attr('title', 'The user\'s title, e.g. "Vice President".', { filterable: true }),
    attr('userType', 'The relationship between the organization and the user, e.g. "Employee".'),
    attr(
      'preferredLanguage',
      'Preferred written or spoken language (RFC 7231 Accept-Language), e.g. "en-US".',
    ),
    attr('locale', 'Default location for localizing currency, dates and numbers, e.g. "en-US".'),
    attr('timezone', 'Time zone in IANA format, e.g. "Europe/Helsinki".'),
    attr('active', "The user's administrative status; inactive users stay readable until deleted.", {
      type: 'boolean',
      filterable: true,
    }),
    valueEntries('emails', 'E-mail addresses of the user.', ['work', 'home', 'other']),
    valueEntries('phoneNumbers', 'Phone numbers of the user.', [
      'work',
      'home',
      'mobile',
      'fax',
      'pager',
      'other',
    ]),
    attr('addresses', 'Physical mailing addresses of the user; an entry of each type at most is expected.', {
      type: 'complex',
      multiValued: true,
      subAttributes: [
        attr('formatted', 'The full mailing address, formatted for display.'),
        attr('streetAddress', 'Street address.'),
        attr('locality', 'City or locality.'),
        attr('region', 'State or region.'),
        attr('postalCode', 'Zip or postal code.'),
        attr('country', 'Country name (ISO 3166-1 alpha-2 expected, stored as sent).'),
        typeOf('address', ['work', 'home', 'other']),
        primaryOf('address'),
      ],
    }),
    externalId,
  ],
};

export const enterpriseUserSchema: SchemaDef = {
  id: urn.enterpriseUser,
  name: 'EnterpriseUser',
  description: 'Enterprise user',
  attributes: [
    attr('employeeNumber', 'Identifier assigned to the person by the organization.'),
    attr('costCenter', 'Name of a cost center.'),
    attr('organization', 'Name of an organization.'),
    attr('division', 'Name of a division.'),
    attr('department', 'Name of a department.', { filterable: true }),
    attr('manager', "The user's manager: another user of this directory.", {
      type: 'complex',
      field: undefined,
      subAttributes: [
        attr('value', "The id of the manager's User resource (an unknown id is refused).", {
          field: 'managerId',
          caseExact: true,
          filterable: true,
        }),
        attr('$ref', "The URI of the manager's User resource.", {
          type: 'reference',
          referenceTypes: ['User'],
          mutability: 'readOnly',
          caseExact: true,
          field: undefined,
          computed: 'location',
        }),
      ],
    }),
  ],
};

export const groupSchema: SchemaDef = {
  id: urn.group,
  name: 'Group',
  description: 'Group',
  attributes: [
    attr('displayName', 'A human-readable name for the group, unique within the tenant.', {
      required: true,
      uniqueness: 'server',
      filterable: true,
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

/** An attribute as /Schemas serves it: the RFC characteristics only, sub-attributes likewise. */
export function servedAttribute(a: AttributeDef): Partial<AttributeDef> {
  const out: Record<string, unknown> = {};
  for (const k of rfcKeys) {
    if (a[k] === undefined) continue;
    out[k] = k === 'subAttributes' ? a.subAttributes!.map(servedAttribute) : a[k];
  }
  return out as Partial<AttributeDef>;
}
