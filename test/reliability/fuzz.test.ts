import { expect } from 'chai';
import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import type { Tenant } from '../../src/domain/types.js';
import { tenantStorage } from '../../src/db/storage.js';
import { ctxFor } from '../helpers/factories.js';
import { scimTenant, startServer, type ScimClient, type TestServer } from '../scim/helpers.js';

/**
 * Issue 12, "Done when": the fuzz suite. fast-check (seeded: FUZZ_SEED, printed) generates SCIM requests — Entra-like
 * and hostile: every method on every path, filters from the RFC 7644 grammar and beyond it, PATCH operations, bodies
 * of any JSON, non-JSON and odd media types, duplicate and unknown query parameters, control characters, lone
 * surrogates, no token, a wrong token, another tenant's token — and GraphQL operations (queries, mutations, malformed
 * documents, wrong variables, subscriptions), sent one at a time through real HTTP to the whole application. Every
 * response: no 5xx, no internal detail (stack frames, source paths, driver and database error text); every refused
 * request (4xx, or GraphQL errors): the tenant's state — users, groups, memberships, workspaces, SSO configurations,
 * access policies, tokens, settings — is exactly as before. The figures are printed (README, Reliability).
 */
const SCIM_REQUESTS = Number(process.env.FUZZ_SCIM_REQUESTS ?? 5000);
const GRAPHQL_OPERATIONS = Number(process.env.FUZZ_GRAPHQL_OPERATIONS ?? 1000);
const SEED = Number(process.env.FUZZ_SEED ?? 20261201);

/** What a response must never show: stack frames, source locations, driver, database and runtime error text. */
const internal =
  /\bat [\w.<>]+ \(|\.(ts|js):\d+|node_modules|Mongo(Server|Network)?Error|mongoose|ferret|postgres|SQLSTATE|E11000|\bpgx?\b|TypeError|ReferenceError|RangeError|Cannot read propert|is not a function|undefined is not|Unexpected token|Maximum call stack/i;

// ---- snapshot of a tenant's whole state, through the storage layer (not through the interfaces under test) ----

/**
 * `scim`: what a SCIM request can change (users, groups, memberships; the rest is checked by the GraphQL run), read
 * in three commands, since a snapshot follows every write the fuzzer sends.
 */
async function snapshot(
  tenant: Tenant,
  scope: 'scim' | 'all',
): Promise<{ text: string; userIds: string[]; groupIds: string[] }> {
  const db = ctxFor(tenant).db;
  const [users, groups] = await Promise.all([
    db.users.list(undefined, { limit: 100_000, sort: 'id' }),
    db.groups.list(undefined, { limit: 100_000, sort: 'id' }),
  ]);
  const memberships = await db.memberships.listByUsers(users.map((u) => u.id));
  const state: Record<string, unknown> = {
    users,
    groups,
    memberships: memberships.map((m) => `${m.groupId}:${m.userId}`).sort(),
  };
  if (scope === 'all') {
    Object.assign(state, {
      counts: [...(await db.memberships.countByGroups(groups.map((g) => g.id))).entries()].sort(),
      tenant: await tenantStorage.findById(tenant.id),
      workspaces: await db.workspaces.list({ limit: 100_000 }),
      sso: await db.ssoConfigurations.list(),
      policies: (await db.accessPolicies.get()) ?? null,
      tokens: [...(await db.credentials.list('scim')), ...(await db.credentials.list('admin'))].map((c) => ({
        ...c,
        lastUsedAt: undefined, // a refused request may still be authenticated by a token it names
      })),
    });
  }
  return {
    text: JSON.stringify(state),
    userIds: users.map((u) => u.id),
    groupIds: groups.map((g) => g.id),
  };
}

// ---- SCIM request generator ----

/** Strings with what breaks naive code: control characters, U+0000, lone surrogates, quotes, regex and URL syntax. */
const nasty = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 8 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    'a\u0000b',
    '\u0001\u001f\u007f',
    '\ud800',
    'x\udc00y',
    '😀',
    '"',
    '\\',
    '\\"',
    '.*',
    '(',
    '%',
    '%00',
    '&',
    '=',
    '?',
    '#',
    '/',
    '$where',
    '{"$gt":""}',
    '__proto__',
    'constructor',
    'null',
    'true',
    '0',
    '-1',
    '1e309',
    'a'.repeat(300),
    '\u202e',
    'ı',
    'ǅ',
  ),
);
/** Placeholders resolved when the request is sent: ids of records that exist at that moment. */
const ID = '@@ID@@';
const GID = '@@GID@@';
const idish = fc.oneof(fc.constant(ID), fc.constant(GID), fc.uuid(), nasty);

const userAttrs = [
  'userName',
  'displayName',
  'active',
  'externalId',
  'id',
  'name.givenName',
  'name.familyName',
  'emails',
  'emails.value',
  'emails.type',
  'emails.primary',
  'emails[type eq "work"].value',
  'phoneNumbers',
  'phoneNumbers.value',
  'title',
  'meta.created',
  'meta.lastModified',
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department',
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager',
  'members',
  'members.value',
  'nickName',
  'x',
];
const attr = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...userAttrs) },
  { weight: 1, arbitrary: nasty },
);
const filterValue = fc.oneof(
  nasty.map((s) => JSON.stringify(s)),
  fc.constantFrom(
    'true',
    'false',
    'null',
    '1',
    '-0',
    '2021-01-01T00:00:00Z',
    'bare',
    '"\\u0000"',
    '"\\ud800"',
  ),
  idish.map((s) => JSON.stringify(s)),
);
const op = fc.constantFrom('eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le', 'EQ', 'Eq', 'xx');
const filter: fc.Arbitrary<string> = fc.letrec<{ f: string }>((tie) => ({
  f: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.tuple(attr, op, filterValue).map(([a, o, v]) => `${a} ${o} ${v}`),
    attr.map((a) => `${a} pr`),
    filterValue.map((v) => `members[value eq ${v}]`),
    fc.tuple(attr, attr, op, filterValue).map(([a, b, o, v]) => `${a}[${b} ${o} ${v}]`),
    fc.tuple(tie('f'), fc.constantFrom('and', 'or', 'AND'), tie('f')).map(([x, c, y]) => `${x} ${c} ${y}`),
    tie('f').map((x) => `not (${x})`),
    tie('f').map((x) => `(${x})`),
    nasty,
  ),
})).f;

const queryParam = fc.oneof(
  filter.map((f) => ['filter', f]),
  fc
    .tuple(
      fc.constantFrom('attributes', 'excludedAttributes', 'Attributes'),
      fc.array(attr, { maxLength: 3 }),
    )
    .map(([k, a]) => [k, a.join(',')]),
  fc
    .tuple(
      fc.constantFrom('startIndex', 'count', 'COUNT'),
      fc.oneof(
        fc.integer({ min: -5, max: 300 }).map(String),
        fc.constantFrom('1e9', '0x10', '', 'NaN', '99999999999999999999'),
        nasty,
      ),
    )
    .map(([k, v]) => [k, v]),
  fc.tuple(fc.constantFrom('sortBy', 'sortOrder'), attr).map(([k, v]) => [k, v]),
  fc.tuple(nasty, nasty).map(([k, v]) => [k, v]),
) as fc.Arbitrary<[string, string]>;

const email = fc.record(
  {
    value: fc.oneof(nasty, fc.emailAddress()),
    type: fc.oneof(fc.constantFrom('work', 'home', 'other'), nasty),
    primary: fc.oneof(fc.boolean(), fc.constantFrom('True', 'false', 1, null)),
  },
  { requiredKeys: [] },
);
const anyJson = fc.jsonValue({ maxDepth: 3 });
const userBody = fc.record(
  {
    schemas: fc.oneof(
      fc.constant(['urn:ietf:params:scim:schemas:core:2.0:User']),
      fc.array(nasty, { maxLength: 2 }),
      anyJson,
    ),
    userName: fc.oneof(
      { weight: 4, arbitrary: fc.uuid().map((u) => `fz-${u}@contoso.example`) },
      { weight: 2, arbitrary: nasty },
      { weight: 1, arbitrary: anyJson },
    ),
    active: fc.oneof(fc.boolean(), fc.constantFrom('True', 'False', 'true', null, 0, 1, 'yes', [])),
    displayName: fc.oneof(nasty, anyJson),
    externalId: fc.oneof(fc.uuid(), nasty),
    name: fc.oneof(fc.record({ givenName: nasty, familyName: nasty }, { requiredKeys: [] }), anyJson),
    emails: fc.oneof(fc.array(email, { maxLength: 3 }), anyJson),
    phoneNumbers: fc.oneof(fc.array(fc.record({ value: nasty, type: nasty }), { maxLength: 2 }), anyJson),
    'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': fc.oneof(
      fc.record(
        { department: nasty, manager: fc.oneof(fc.record({ value: idish }), anyJson) },
        { requiredKeys: [] },
      ),
      anyJson,
    ),
    id: idish,
    meta: anyJson,
    [`${'__proto__'}`]: anyJson,
    unknown: anyJson,
  },
  { requiredKeys: [] },
);
const memberList = fc.array(
  fc.oneof(fc.record({ value: idish }), fc.record({ value: idish, $ref: nasty }), anyJson),
  {
    maxLength: 4,
  },
);
const groupBody = fc.record(
  {
    schemas: fc.oneof(fc.constant(['urn:ietf:params:scim:schemas:core:2.0:Group']), anyJson),
    displayName: fc.oneof(
      { weight: 4, arbitrary: fc.uuid().map((u) => `FZ-${u}`) },
      { weight: 2, arbitrary: nasty },
      {
        weight: 1,
        arbitrary: anyJson,
      },
    ),
    externalId: fc.oneof(fc.uuid(), nasty),
    members: fc.oneof(memberList, anyJson),
    id: idish,
  },
  { requiredKeys: [] },
);
const patchPath = fc.oneof(
  fc.constantFrom(
    'active',
    'members',
    'displayName',
    'userName',
    'externalId',
    'name.givenName',
    'emails[type eq "work"].value',
    'phoneNumbers[type eq "mobile"].value',
    'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department',
    'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager',
    '__proto__.polluted',
    'constructor.prototype.polluted',
    'toString.x',
  ),
  filterValue.map((v) => `members[value eq ${v}]`),
  attr,
  nasty,
);
const patchOperation = fc.record(
  {
    op: fc.oneof(fc.constantFrom('add', 'replace', 'remove', 'Add', 'Replace', 'Remove', 'REMOVE'), nasty),
    path: patchPath,
    value: fc.oneof(
      fc.boolean(),
      fc.constantFrom('True', 'False', null),
      nasty,
      memberList,
      fc.record({ active: fc.boolean() }, { requiredKeys: [] }),
      userBody,
      anyJson,
    ),
  },
  { requiredKeys: ['op'] },
);
const patchBody = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record(
      {
        schemas: fc.oneof(fc.constant(['urn:ietf:params:scim:api:messages:2.0:PatchOp']), anyJson),
        Operations: fc.oneof(fc.array(patchOperation, { minLength: 1, maxLength: 3 }), anyJson),
      },
      { requiredKeys: ['Operations'] },
    ),
  },
  { weight: 1, arbitrary: anyJson },
);

interface ScimRequest {
  method: string;
  path: string;
  query: [string, string][];
  body?: unknown;
  raw?: string;
  contentType?: string;
  auth: 'token' | 'none' | 'wrong' | 'other-tenant';
}

const resourcePath = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('/Users', '/Groups') },
  { weight: 6, arbitrary: fc.constantFrom(`/Users/${ID}`, `/Groups/${GID}`) },
  {
    weight: 2,
    arbitrary: fc.tuple(fc.constantFrom('/Users/', '/Groups/'), idish).map(([p, i]) => p + enc(i)),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '/ServiceProviderConfig',
      '/Schemas',
      '/ResourceTypes',
      '/Schemas/urn:ietf:params:scim:schemas:core:2.0:User',
      '/Bulk',
      '/Me',
      '/.search',
      '/Users/.search',
      '/users',
      '/Users/',
      '//Users',
      '/Users/%00',
      '/Users/%ZZ',
      '/Users/%ED%A0%80',
      '/Groups/..%2F..%2Fadmin',
    ),
  },
);

const scimRequest: fc.Arbitrary<ScimRequest> = fc
  .record({
    method: fc.oneof(
      { weight: 8, arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE') },
      { weight: 1, arbitrary: fc.constantFrom('HEAD', 'OPTIONS', 'TRACE', 'get') },
    ),
    path: resourcePath,
    query: fc.array(queryParam, { maxLength: 3 }),
    bodyKind: uniform('fit', 'fit', 'fit', 'fit', 'any', 'raw', 'none'),
    user: userBody,
    group: groupBody,
    patch: patchBody,
    any: anyJson,
    raw: fc.oneof(
      fc.string({ maxLength: 30 }),
      fc.constantFrom(
        '{',
        '{"a":',
        '[]',
        'null',
        '\u0000',
        '{"userName":"\\ud800"}',
        '{"__proto__":{"x":1}}',
      ),
    ),
    contentType: uniform(
      'application/scim+json',
      'application/scim+json',
      'application/json; charset=utf-8',
      'text/plain',
      'application/x-www-form-urlencoded',
      'application/json; charset=latin1',
      '',
    ),
    auth: uniform(...Array<'token'>(17).fill('token'), 'none', 'wrong', 'other-tenant'),
  })
  .map((r) => {
    const isGroup = r.path.startsWith('/Groups');
    const fit = r.method === 'PATCH' ? r.patch : isGroup ? r.group : r.user;
    const req: ScimRequest = {
      method: r.method,
      path: r.path,
      query: r.query,
      auth: r.auth as ScimRequest['auth'],
    };
    if (r.bodyKind === 'fit') req.body = fit;
    else if (r.bodyKind === 'any') req.body = r.any;
    else if (r.bodyKind === 'raw') req.raw = r.raw;
    if (req.body !== undefined || req.raw !== undefined) req.contentType = r.contentType;
    return req;
  });

/** Entra's traffic, where most requests are lookups (GET with a filter) before a write. */
const entraRequest: fc.Arbitrary<ScimRequest> = fc.oneof(
  { weight: 2, arbitrary: fc.constant(null).chain(() => entraAny) },
  { weight: 1, arbitrary: fc.constant(null).chain(() => entraAny.filter((r) => r.method === 'GET')) },
);

/** One of `items`, each as likely (constantFrom favours the first and last). */
function uniform<T>(...items: T[]): fc.Arbitrary<T> {
  return fc.noBias(fc.integer({ min: 0, max: items.length - 1 })).map((i) => items[i]!);
}

/** Requests shaped like Entra's (mostly valid), so that the directory fills up and changes as it does in use. */
const text = fc.oneof(
  { weight: 6, arbitrary: fc.string({ minLength: 1, maxLength: 16 }) },
  { weight: 1, arbitrary: nasty },
);
const core = 'urn:ietf:params:scim:schemas:core:2.0:';
const ent = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const entraUser = fc.record({
  schemas: fc.constant([`${core}User`, ent]),
  externalId: fc.uuid(),
  userName: fc.uuid().map((u) => `fz-${u}@contoso.example`),
  active: fc.boolean(),
  displayName: text,
  emails: fc.constant([{ primary: true, type: 'work', value: `${randomUUID()}@contoso.example` }]),
  name: fc.record({ givenName: text, familyName: text }),
  [ent]: fc.record({ department: text }),
});
const entraAny: fc.Arbitrary<ScimRequest> = fc.oneof(
  entraUser.map((body) => ({ method: 'POST', path: '/Users', query: [], body, auth: 'token' as const })),
  fc.uuid().map((u) => ({
    method: 'GET',
    path: '/Users',
    query: [['filter', `userName eq "fz-${u}@contoso.example"`]] as [string, string][],
    auth: 'token' as const,
  })),
  fc.constant({
    method: 'GET',
    path: '/Users',
    query: [['filter', `id eq "${ID}"`]] as [string, string][],
    auth: 'token' as const,
  }),
  fc.constant({
    method: 'GET',
    path: '/Groups',
    query: [
      ['filter', `id eq "${GID}" and members[value eq "${ID}"]`],
      ['excludedAttributes', 'members'],
    ] as [string, string][],
    auth: 'token' as const,
  }),
  fc
    .tuple(
      fc.constantFrom('Replace', 'replace', 'Add'),
      fc.constantFrom('active', 'displayName', 'name.givenName', `${ent}:department`, 'title'),
      fc.oneof(fc.constantFrom('False', 'True', false, true), text),
    )
    .map(([o, path, value]) => ({
      method: 'PATCH',
      path: `/Users/${ID}`,
      query: [],
      body: {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: o, path, value }],
      },
      auth: 'token' as const,
    })),
  fc.tuple(fc.constantFrom('Add', 'Remove'), fc.integer({ min: 1, max: 3 })).map(([o, k]) => ({
    method: 'PATCH',
    path: `/Groups/${GID}`,
    query: [],
    body: {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: o, path: 'members', value: Array.from({ length: k }, () => ({ value: ID })) }],
    },
    auth: 'token' as const,
  })),
  fc.uuid().map((u) => ({
    method: 'POST',
    path: '/Groups',
    query: [],
    body: { schemas: [`${core}Group`], externalId: u, displayName: `FZ-${u}`, members: [{ value: ID }] },
    auth: 'token' as const,
  })),
  entraUser.map((body) => ({ method: 'PUT', path: `/Users/${ID}`, query: [], body, auth: 'token' as const })),
  fc
    .constantFrom(`/Users/${ID}`, `/Groups/${GID}`)
    .map((path) => ({ method: 'DELETE', path, query: [], auth: 'token' as const })),
);

/** encodeURIComponent, except that a lone surrogate is sent as its WTF-8 bytes (as a sloppy client would). */
function enc(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const pair = c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
    if (pair) {
      out += encodeURIComponent(s.slice(i, i + 2));
      i++;
    } else if (c >= 0xd800 && c <= 0xdfff) {
      out += [0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f)]
        .map((b) => `%${b.toString(16).toUpperCase()}`)
        .join('');
    } else out += encodeURIComponent(s[i]!);
  }
  return out;
}

function resolve(text: string, userIds: string[], groupIds: string[], n: number): string {
  const pick = (ids: string[]) => (ids.length === 0 ? randomUUID() : ids[n % ids.length]!);
  return text.split(ID).join(pick(userIds)).split(GID).join(pick(groupIds));
}

// ---- GraphQL operation generator ----

const gqlString = nasty.map((s) => JSON.stringify(s));
const gqlId = idish.map((s) => JSON.stringify(s));
const gqlInt = fc.oneof(fc.integer({ min: -3, max: 120 }), fc.constantFrom(2147483647, -2147483648, 1000000));
const gqlArg = fc.oneof(
  gqlString,
  gqlId,
  gqlInt.map(String),
  fc.constantFrom('true', 'null', '[]', '{}', 'ADMIN', '$v'),
);
const first = fc.option(gqlInt, { nil: undefined }).map((n) => (n === undefined ? '' : `first: ${n}`));
const userFields =
  'id userName active displayName givenName familyName emails { value type primary } phoneNumbers { value } externalId department source provisioned createdAt';
const groupFields = 'id displayName externalId source memberCount';
const queryField = fc.oneof(
  fc
    .tuple(first, fc.option(gqlString))
    .map(
      ([f, s]) =>
        `users(${f}${s ? ` search: ${s}` : ''}) { totalCount nodes { ${userFields} groups(first: 3) { nodes { id } } } pageInfo { hasNextPage endCursor } }`,
    ),
  fc.tuple(first, gqlString).map(([f, a]) => `users(${f} after: ${a}) { nodes { id } }`),
  fc
    .tuple(fc.constantFrom('active', 'userName', 'externalId', 'department', 'memberOf', 'source'), gqlArg)
    .map(([k, v]) => `users(filter: { ${k}: ${v} }) { nodes { id } }`),
  gqlId.map((i) => `user(id: ${i}) { ${userFields} access { allowed } }`),
  gqlId.map((i) => `group(id: ${i}) { ${groupFields} members(first: 5) { totalCount nodes { id } } }`),
  fc
    .tuple(first, fc.option(gqlString))
    .map(([f, s]) => `groups(${f}${s ? ` search: ${s}` : ''}) { nodes { ${groupFields} } }`),
  first.map((f) => `workspaces(${f}) { nodes { id name access { rule { ssoEnabled allowedGroupIds } } } }`),
  gqlId.map((i) => `workspace(id: ${i}) { id name effectiveMembers(first: 3) { nodes { id } } }`),
  fc.constant(
    'accessPolicies { mainDashboard { ssoEnabled allowedGroupIds warnings } workspaceDefaults { allowedGroups { objectId } } }',
  ),
  fc.constant('ssoConfigurations { id name kind }'),
  fc.constant('scimSettings { tenantUrl enabled }'),
  fc.constant('tokens { id kind } '),
  first.map((f) => `provisioningLog(${f}) { nodes { method path status } }`),
  fc
    .tuple(gqlId, fc.option(gqlId))
    .map(([u, w]) => `explainAccess(userId: ${u}${w ? ` workspaceId: ${w}` : ''}) { allowed reason }`),
  fc.constant('viewer { id userName } principal { kind isAdmin } tenant { slug }'),
  fc.constant('__schema { queryType { name } }'),
  fc.constant('__typename'),
  fc.constant('nope'),
);
const ruleInput = fc
  .record(
    {
      ssoEnabled: fc.constantFrom('true', 'false', 'null', '"yes"'),
      ssoConfigurationId: gqlArg,
      allowedGroupIds: fc.array(gqlArg, { maxLength: 3 }).map((a) => `[${a.join(', ')}]`),
    },
    { requiredKeys: [] },
  )
  .map(
    (o) =>
      `{ ${Object.entries(o)
        .map(([k, v]) => `${k}: ${v}`)
        .join(', ')} }`,
  );
const mutationField = fc.oneof(
  fc
    .tuple(
      fc.oneof(
        fc.uuid().map((u) => JSON.stringify(`gq-${u}@contoso.example`)),
        gqlString,
      ),
      gqlString,
      fc.constantFrom('true', 'false', 'null', '"x"'),
    )
    .map(([n, d, a]) => `createUser(input: { userName: ${n}, displayName: ${d}, active: ${a} }) { id }`),
  fc
    .tuple(gqlId, gqlString, gqlArg)
    .map(([i, d, x]) => `updateUser(id: ${i}, input: { displayName: ${d}, department: ${x} }) { id }`),
  gqlId.map((i) => `deleteUser(id: ${i}) { id }`),
  fc
    .tuple(
      fc.oneof(
        fc.uuid().map((u) => JSON.stringify(`GQ-${u}`)),
        gqlString,
      ),
      fc.array(gqlId, { maxLength: 3 }),
    )
    .map(([n, m]) => `createGroup(input: { displayName: ${n}, memberIds: [${m.join(', ')}] }) { id }`),
  fc.tuple(gqlId, gqlString).map(([i, n]) => `updateGroup(id: ${i}, input: { displayName: ${n} }) { id }`),
  fc
    .tuple(gqlId, fc.array(gqlId, { maxLength: 4 }))
    .map(([g, u]) => `addGroupMembers(groupId: ${g}, userIds: [${u.join(', ')}]) { id memberCount }`),
  fc
    .tuple(gqlId, fc.array(gqlId, { maxLength: 4 }))
    .map(([g, u]) => `removeGroupMembers(groupId: ${g}, userIds: [${u.join(', ')}]) { id }`),
  gqlId.map((i) => `deleteGroup(id: ${i}) { id }`),
  ruleInput.map((r) => `setMainDashboardAccess(input: ${r}) { updatedAt }`),
  ruleInput.map((r) => `setWorkspaceDefaultAccess(input: ${r}) { updatedAt }`),
  fc
    .tuple(gqlString, fc.option(gqlString))
    .map(([n, d]) => `createWorkspace(input: { name: ${n}${d ? `, description: ${d}` : ''} }) { id }`),
  fc.tuple(gqlId, gqlString).map(([i, n]) => `updateWorkspace(id: ${i}, input: { name: ${n} }) { id }`),
  fc.tuple(gqlId, ruleInput).map(([i, r]) => `setWorkspaceAccess(id: ${i}, input: ${r}) { id }`),
  gqlId.map((i) => `resetWorkspaceAccess(id: ${i}) { id }`),
  gqlId.map((i) => `deleteWorkspace(id: ${i}) { id }`),
  fc
    .tuple(
      gqlString,
      fc.constantFrom('ENTRA_SINGLE_TENANT', 'ENTRA_MULTI_TENANT', 'OTHER'),
      fc.oneof(
        fc.uuid().map((u) => JSON.stringify(u)),
        gqlString,
      ),
    )
    .map(
      ([n, k, t]) =>
        `createSsoConfiguration(input: { name: ${n}, kind: ${k}, entraTenantId: ${t}, allowedEntraTenantIds: [${t}] }) { id }`,
    ),
  fc
    .tuple(gqlId, gqlString)
    .map(([i, n]) => `updateSsoConfiguration(id: ${i}, input: { name: ${n} }) { id }`),
  gqlId.map((i) => `deleteSsoConfiguration(id: ${i}) { id }`),
  fc.constantFrom('true', 'false', 'null', '"x"').map((b) => `setScimEnabled(enabled: ${b}) { enabled }`),
  fc
    .tuple(gqlInt, gqlInt)
    .map(
      ([g, e]) => `issueScimToken(gracePeriodSeconds: ${g}, expiresInSeconds: ${e}) { credential { id } }`,
    ),
  fc.oneof(fc.uuid(), nasty).map((i) => `revokeToken(id: ${JSON.stringify(i)}) { id }`),
);
const document = fc.oneof(
  {
    weight: 5,
    arbitrary: fc
      .array(queryField, { minLength: 1, maxLength: 3 })
      .map((f) => ({ query: `query { ${f.map((x, i) => `f${i}: ${x}`).join(' ')} }`, mutation: false })),
  },
  { weight: 5, arbitrary: mutationField.map((m) => ({ query: `mutation { ${m} }`, mutation: true })) },
  {
    weight: 1,
    arbitrary: fc
      .oneof(
        fc.string({ maxLength: 40 }),
        fc.constantFrom(
          'subscription { viewer { principal { kind } } }',
          'query { users { nodes { id } ',
          '{ a: __typename b: __typename }',
          `query { ${'users(first: 1) { nodes { groups { nodes { members { nodes { '.repeat(6)}id${' } } } } } }'.repeat(6)} }`,
          `query { ${Array.from({ length: 300 }, (_, i) => `a${i}: __typename`).join(' ')} }`,
          'query($v: Int!) { users(first: $v) { nodes { id } } }',
          'mutation { setScimEnabled(enabled: true) { enabled } } mutation { setScimEnabled(enabled: false) { enabled } }',
          'query Q { __typename } query R { __typename }',
          'fragment F on Query { ...F } query { ...F }',
          '\u0000',
        ),
      )
      .map((q) => ({ query: q, mutation: /mutation/.test(q) })),
  },
);
const gqlOperation = fc.record({
  doc: document,
  variables: fc.option(
    fc.oneof(fc.constant({ v: 'x' }), fc.dictionary(fc.string({ maxLength: 3 }), anyJson, { maxKeys: 2 })),
    { nil: undefined },
  ),
  auth: uniform(...Array<'admin'>(17).fill('admin'), 'none', 'wrong', 'other-tenant'),
  contentType: uniform(
    ...Array<string>(9).fill('application/json'),
    'text/plain',
    'application/graphql-response+json',
  ),
});

// ---- the suite ----

describe('fuzz suite: generated SCIM and GraphQL requests (issue 12)', function () {
  this.timeout(600_000);
  let server: TestServer;
  before(async () => {
    server = await startServer({ UNAUTHENTICATED_RATE_LIMIT_PER_MINUTE: '100000000' });
  });
  after(async () => server.close());

  function failureOf(status: number, text: string, path = ''): string | undefined {
    // RFC 7644 §3.11 (/Me) and §3.7 (/Bulk): 501 Not Implemented is the answer of a service without them
    if (status === 501 && /^\/(Me|Bulk)(\/|$)/.test(path)) return undefined;
    if (status >= 500) return `HTTP ${status}`;
    const m = internal.exec(text);
    if (m) return `internal detail: ${m[0]}`;
    return undefined;
  }

  it(`${SCIM_REQUESTS} generated SCIM requests: no 5xx, no internal detail, a refused request changes nothing`, async () => {
    const other = await scimTenant(server);
    const requests = fc.sample(
      fc.oneof({ weight: 1, arbitrary: entraRequest }, { weight: 1, arbitrary: scimRequest }),
      { seed: SEED, numRuns: SCIM_REQUESTS },
    );
    const statuses = new Map<number, number>();
    const failures: string[] = [];
    let changedByRefused = 0;
    let snapMs = 0;
    const started = Date.now();
    const streams = Number(process.env.FUZZ_STREAMS ?? 3);
    const users: number[] = [];
    // Streams of requests, each in order against a tenant of its own, run side by side (the machine's other core).
    await Promise.all(
      Array.from({ length: streams }, async (_, k) => {
        const { tenant, client } = await scimTenant(server);
        await runStream(
          tenant,
          client,
          requests.filter((_r, n) => n % streams === k),
          k,
        );
      }),
    );
    const seconds = (Date.now() - started) / 1000;
    const fiveXX = [...statuses].filter(([s]) => s >= 500 && s !== 501).reduce((a, [, c]) => a + c, 0);
    console.log(
      `      SCIM fuzz: seed ${SEED}, ${requests.length} requests in ${seconds.toFixed(1)} s (${streams} streams), ` +
        `statuses ${JSON.stringify(Object.fromEntries(statuses))}, 5xx other than 501 ${fiveXX}, ` +
        `refused-but-changed ${changedByRefused}, failures ${failures.length}, ` +
        `snapshots ${(snapMs / 1000).toFixed(1)} s, users at the end ${users.join('/')}`,
    );
    expect(failures.slice(0, 15), failures.slice(0, 15).join('\n')).to.deep.equal([]);

    async function runStream(tenant: Tenant, client: ScimClient, requests: ScimRequest[], k: number) {
      for (let i = 0; i < 8; i++)
        await client.post('/Users', { userName: `seed${i}-${randomUUID()}@contoso.example`, active: true });
      for (let i = 0; i < 3; i++) await client.post('/Groups', { displayName: `Seed ${i} ${randomUUID()}` });
      let state = await snapshot(tenant, 'scim');
      const timed = async <T>(f: () => Promise<T>): Promise<T> => {
        const t0 = performance.now();
        try {
          return await f();
        } finally {
          snapMs += performance.now() - t0;
        }
      };
      // Refused writes are checked together: the state is read before the next write and compared with the state
      // after the last successful one (any change in between is a refused request's), and again after each success.
      let verified = state.text;
      let pending: string[] = [];
      const verifyPending = async () => {
        if (pending.length === 0) return;
        const now = await timed(() => snapshot(tenant, 'scim'));
        if (now.text !== verified) {
          changedByRefused++;
          failures.push(`refused but changed (one of ${pending.length}):\n  ${pending.join('\n  ')}`);
        }
        pending = [];
        state = now;
        verified = now.text;
      };
      for (const [i, r] of requests.entries()) {
        const n = i * 7 + k; // where the placeholders point
        if (!['GET', 'HEAD', 'OPTIONS', 'get', 'TRACE'].includes(r.method)) await verifyPending();
        const path = resolve(r.path, state.userIds, state.groupIds, n);
        const qs = r.query
          .map(
            ([k, v]) =>
              `${enc(resolve(k, state.userIds, state.groupIds, n))}=${enc(resolve(v, state.userIds, state.groupIds, n))}`,
          )
          .join('&');
        const body =
          r.raw ??
          (r.body === undefined
            ? undefined
            : resolve(JSON.stringify(r.body), state.userIds, state.groupIds, n));
        const headers: Record<string, string> = {};
        if (r.auth === 'token') headers.authorization = `Bearer ${client.token}`;
        if (r.auth === 'wrong') headers.authorization = `Bearer ${randomUUID()}${randomUUID()}`;
        if (r.auth === 'other-tenant') headers.authorization = `Bearer ${other.client.token}`;
        if (r.contentType) headers['content-type'] = r.contentType;
        else if (body !== undefined) headers['content-type'] = 'application/scim+json';
        const label = `#${n} ${r.method} ${path}${qs ? `?${qs}` : ''} ${r.auth} ${body?.slice(0, 300) ?? ''}`;
        let status: number;
        let text: string;
        try {
          const res = await fetch(`${client.base}${path}${qs ? `?${qs}` : ''}`, {
            method: r.method,
            headers,
            ...(body !== undefined && !['GET', 'HEAD', 'get'].includes(r.method) ? { body } : {}),
          });
          status = res.status;
          text = await res.text();
        } catch (err) {
          // the client refused to send it (an invalid method or URL): not a request the service saw
          statuses.set(0, (statuses.get(0) ?? 0) + 1);
          void err;
          continue;
        }
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        if (process.env.FUZZ_DEBUG && status === Number(process.env.FUZZ_DEBUG))
          console.log(`${status} ${label.slice(0, 200)} ${text.slice(0, 200)}`);
        const failure = failureOf(status, text, path);
        if (failure) failures.push(`${failure}: ${label} → ${status} ${text.slice(0, 300)}`);
        if (!['GET', 'HEAD', 'OPTIONS', 'get', 'TRACE'].includes(r.method)) {
          if (status >= 400) pending.push(`${label} → ${status} ${text.slice(0, 200)}`);
          else {
            state = await timed(() => snapshot(tenant, 'scim'));
            verified = state.text;
          }
        }
      }
      await verifyPending();
      users[k] = state.userIds.length;
    }
  });

  it(`${GRAPHQL_OPERATIONS} generated GraphQL operations: no 5xx or INTERNAL_SERVER_ERROR, no internal detail, a refused mutation changes nothing`, async () => {
    const { tenant, adminToken, client } = await scimTenant(server);
    const other = await scimTenant(server);
    for (let i = 0; i < 5; i++)
      await client.post('/Users', { userName: `gseed${i}-${randomUUID()}@contoso.example` });
    await client.post('/Groups', { displayName: `GSeed ${randomUUID()}` });
    const ops = fc.sample(gqlOperation, { seed: SEED + 1, numRuns: GRAPHQL_OPERATIONS });
    const statuses = new Map<string, number>();
    const failures: string[] = [];
    let changedByRefused = 0;
    let state = await snapshot(tenant, 'all');
    const started = Date.now();
    for (const [n, op] of ops.entries()) {
      const query = resolve(op.doc.query, state.userIds, state.groupIds, n);
      const headers: Record<string, string> = { 'content-type': op.contentType };
      if (op.auth === 'admin') headers.authorization = `Bearer ${adminToken}`;
      if (op.auth === 'wrong') headers.authorization = `Bearer ${randomUUID()}`;
      if (op.auth === 'other-tenant') headers.authorization = `Bearer ${other.adminToken}`;
      const res = await fetch(`${server.baseUrl}/graphql`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ query, ...(op.variables ? { variables: op.variables } : {}) }),
      });
      const text = await res.text();
      let codes: string[] = [];
      try {
        const parsed = JSON.parse(text) as { errors?: { extensions?: { code?: string } }[] };
        codes = (parsed.errors ?? []).map((e) => e.extensions?.code ?? '?');
      } catch {
        /* not JSON: a refusal in front of GraphQL (e.g. 415) */
      }
      if (process.env.FUZZ_DEBUG && /VALIDATION|BAD_REQUEST/.test(text))
        console.log(op.contentType, text.slice(0, 200));
      const key = `${res.status}${codes.length ? ` ${[...new Set(codes)].sort().join('+')}` : ''}`;
      statuses.set(key, (statuses.get(key) ?? 0) + 1);
      const label = `#${n} ${op.auth} ${op.contentType} ${query.slice(0, 300)} ${JSON.stringify(op.variables ?? null).slice(0, 100)}`;
      const failure =
        failureOf(res.status, text) ??
        (codes.includes('INTERNAL_SERVER_ERROR') ? 'INTERNAL_SERVER_ERROR' : undefined);
      if (failure) failures.push(`${failure}: ${label} → ${res.status} ${text.slice(0, 300)}`);
      if (op.doc.mutation) {
        const next = await snapshot(tenant, 'all');
        const refused = res.status >= 400 || codes.length > 0;
        if (refused && next.text !== state.text) {
          changedByRefused++;
          failures.push(`refused but changed: ${label} → ${res.status} ${text.slice(0, 200)}`);
        }
        state = next;
      }
    }
    const seconds = (Date.now() - started) / 1000;
    console.log(
      `      GraphQL fuzz: seed ${SEED + 1}, ${ops.length} operations in ${seconds.toFixed(1)} s, ` +
        `answers ${JSON.stringify(Object.fromEntries(statuses))}, refused-but-changed ${changedByRefused}, failures ${failures.length}`,
    );
    expect(failures.slice(0, 15), failures.slice(0, 15).join('\n')).to.deep.equal([]);
  });
});
