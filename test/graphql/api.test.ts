import { expect } from 'chai';
import type { User } from '../../src/domain/types.js';
import type { Authenticator } from '../../src/http/principal.js';
import { createGroup } from '../../src/services/groups.js';
import { createUser } from '../../src/services/users.js';
import { ctxFor, guid, makeTenantWithTokens } from '../helpers/factories.js';
import {
  codeOf,
  gql,
  memberHeader,
  ok,
  startServer,
  testMemberAuthenticator,
  type TestServer,
  type Data,
} from './helpers.js';

/**
 * Authentication, authorisation, CSRF, limits and error masking, over real HTTP. The real application (buildApp)
 * for credentials it knows; an app with test authenticators for member principals and deliberately failing code.
 */
const secret = 'connection string mongodb://admin:hunter2@db';

/** `X-Test-Boom`: an authenticator that fails unexpectedly (a database outage, say). */
const boomAuthenticator: Authenticator = async (req) => {
  if (req.headers['x-test-boom']) throw new Error(secret);
  return undefined;
};

/** `X-Test-Broken-User: <tenantId>`: a principal whose user object throws when a field is read. */
const brokenUserAuthenticator: Authenticator = async (req) => {
  const tenantId = req.headers['x-test-broken-user'];
  if (typeof tenantId !== 'string') return undefined;
  const user = {
    id: 'u1',
    userName: 'broken@contoso.com',
    get displayName(): string {
      throw new Error(secret);
    },
  } as unknown as User;
  return { tenantId, kind: 'session', actor: { type: 'user', id: 'u1', isAdmin: false }, user };
};

describe('GraphQL API: authentication, authorisation and protections', () => {
  let app: TestServer;
  let test: TestServer;
  before(async () => {
    app = await startServer();
    test = await startServer({
      testAuthenticators: [boomAuthenticator, brokenUserAuthenticator, testMemberAuthenticator],
    });
  });
  after(async () => {
    await app.close();
    await test.close();
  });

  it('refuses requests without a valid credential with 401 UNAUTHENTICATED', async () => {
    const none = await gql(app, undefined, '{ tenant { slug } }');
    expect(none.status).to.equal(401);
    expect(codeOf(none)).to.equal('UNAUTHENTICATED');
    expect(none.headers.get('www-authenticate')).to.match(/^Bearer/);
    expect(none.data).to.equal(undefined);
    const bad = await gql(app, 'dadm_this-token-does-not-exist-at-all', '{ tenant { slug } }');
    expect(bad.status).to.equal(401);
    expect(codeOf(bad)).to.equal('UNAUTHENTICATED');
    const { scimToken } = await makeTenantWithTokens();
    const wrongKind = await gql(app, scimToken, '{ tenant { slug } }');
    expect(wrongKind.status).to.equal(401);
  });

  it('lets admins read and mutate; viewer is null for admin tokens', async () => {
    const { tenant, adminToken } = await makeTenantWithTokens();
    const data: Data = await ok(
      app,
      adminToken,
      '{ principal { kind isAdmin } tenant { id slug } viewer { id } }',
    );
    expect(data).to.deep.equal({
      principal: { kind: 'ADMIN_TOKEN', isAdmin: true },
      tenant: { id: tenant.id, slug: tenant.slug },
      viewer: null,
    });
    const created: Data = await ok(
      app,
      adminToken,
      'mutation { createWorkspace(input: { name: "W" }) { name } }',
    );
    expect(created.createWorkspace.name).to.equal('W');
  });

  it('lets members read (viewer = their directory user, with groups) but not mutate', async () => {
    const { tenant } = await makeTenantWithTokens();
    const scim = ctxFor(tenant, 'scim');
    const user = await createUser(scim, { userName: 'member@contoso.com', displayName: 'Member' });
    const oid = guid();
    await createGroup(scim, { displayName: 'Readers', externalId: oid, members: [user.id] });
    const member = memberHeader(tenant, user);
    const data: Data = await ok(
      test,
      member,
      '{ principal { kind isAdmin } viewer { userName displayName groups { nodes { displayName externalId } } } }',
    );
    expect(data.principal).to.deep.equal({ kind: 'SESSION', isAdmin: false });
    expect(data.viewer).to.deep.equal({
      userName: 'member@contoso.com',
      displayName: 'Member',
      groups: { nodes: [{ displayName: 'Readers', externalId: oid }] },
    });

    for (const mutation of [
      'mutation { createWorkspace(input: { name: "Nope" }) { id } }',
      'mutation { setScimEnabled(enabled: false) { enabled } }',
      'mutation { issueScimToken { token } }',
      `mutation { updateUser(id: "${user.id}", input: { entraObjectId: "${guid()}" }) { id } }`,
      'mutation { setMainDashboardAccess(input: { allowedGroupIds: [] }) { updatedAt } }',
    ]) {
      const res = await gql(test, member, mutation);
      expect(codeOf(res), mutation).to.equal('FORBIDDEN');
      expect(res.data, mutation).to.equal(null);
    }
    // Listing people and settings are for admins (issue 12, item 10; test/graphql/read-policy.test.ts).
    for (const query of ['{ users { totalCount } }', '{ scimSettings { enabled } }']) {
      expect(codeOf(await gql(test, member, query)), query).to.equal('FORBIDDEN');
    }
  });

  it('keeps CSRF prevention on and automatic persisted queries and batching off', async () => {
    const { adminToken } = await makeTenantWithTokens();
    const simple = await fetch(`${app.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', authorization: `Bearer ${adminToken}` },
      body: JSON.stringify({ query: '{ tenant { slug } }' }),
    });
    expect(simple.status).to.equal(400);
    expect(await simple.text()).to.match(/Cross-Site Request Forgery/);
    const get = await fetch(`${app.url}/graphql?query=${encodeURIComponent('{ tenant { slug } }')}`, {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    expect(get.status).to.equal(400);
    const preflighted = await fetch(`${app.url}/graphql?query=${encodeURIComponent('{ tenant { slug } }')}`, {
      headers: { authorization: `Bearer ${adminToken}`, 'apollo-require-preflight': 'true' },
    });
    expect(preflighted.status).to.equal(200);

    const apq = await fetch(`${app.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
      body: JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: 'a'.repeat(64) } } }),
    });
    expect(((await apq.json()) as Data).errors[0].extensions.code).to.equal('PERSISTED_QUERY_NOT_SUPPORTED');

    const batch = await fetch(`${app.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
      body: JSON.stringify([{ query: '{ tenant { slug } }' }, { query: '{ tenant { slug } }' }]),
    });
    expect(batch.status).to.equal(400);
  });

  it('enforces depth, alias, cost, token and page-size limits', async () => {
    const { adminToken } = await makeTenantWithTokens();
    const deep = await gql(
      app,
      adminToken,
      '{ viewer { groups { nodes { members { nodes { groups { nodes { members { nodes { groups { nodes { id } } } } } } } } } } } }',
    );
    expect(deep.status).to.equal(400);
    expect(deep.errors![0]!.message).to.match(/depth limit/i);
    expect(codeOf(deep)).to.equal('GRAPHQL_VALIDATION_FAILED');

    const aliases = Array.from({ length: 16 }, (_, i) => `a${i}: tenant { slug }`).join(' ');
    const many = await gql(app, adminToken, `{ ${aliases} }`);
    expect(many.status).to.equal(400);
    expect(many.errors![0]!.message).to.match(/aliases limit/i);

    // Cost counts `first` given as variables too.
    const costly = await gql(
      app,
      adminToken,
      'query($n: Int) { groups(first: $n) { nodes { members(first: $n) { nodes { groups(first: $n) { nodes { id } } } } } } }',
      { n: 100 },
    );
    expect(costly.status).to.equal(400);
    expect(costly.errors![0]!.message).to.match(/too costly/);
    expect(codeOf(costly)).to.equal('GRAPHQL_VALIDATION_FAILED');

    const tokens = await gql(
      app,
      adminToken,
      `{ ${Array.from({ length: 700 }, () => 'tenant { slug }').join(' ')} }`,
    );
    expect(tokens.status).to.equal(400);
    expect(tokens.errors![0]!.message).to.match(/more that 2000 tokens/);
    expect(codeOf(tokens)).to.equal('GRAPHQL_PARSE_FAILED');

    const page = await gql(app, adminToken, '{ users(first: 101) { totalCount } }');
    expect(codeOf(page)).to.equal('BAD_USER_INPUT');
    expect(page.errors![0]!.extensions!.path).to.equal('first');

    const big = await fetch(`${app.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
      body: JSON.stringify({ query: '{ tenant { slug } }', variables: { pad: 'x'.repeat(2_000_000) } }),
    });
    expect(big.status).to.equal(413);
    expect(((await big.json()) as Data).errors[0].extensions.code).to.equal('BAD_REQUEST');

    const malformed = await fetch(`${app.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
      body: '{"query": ',
    });
    expect(malformed.status).to.equal(400);
  });

  it('masks unexpected errors (no message, no stack) and logs them with the request id', async () => {
    const { tenant } = await makeTenantWithTokens();
    const res = await fetch(`${test.url}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-test-broken-user': tenant.id,
        'x-request-id': 'req-broken-1',
      },
      body: JSON.stringify({ query: '{ viewer { userName displayName } }' }),
    });
    const text = await res.text();
    expect(text).not.to.contain('hunter2');
    const body = JSON.parse(text);
    expect(body.data).to.deep.equal({ viewer: { userName: 'broken@contoso.com', displayName: null } });
    expect(body.errors).to.have.length(1);
    expect(body.errors[0]).to.deep.include({
      message: 'Internal server error',
      path: ['viewer', 'displayName'],
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
    const logged = test.logs.find((l) => l.reqId === 'req-broken-1' && l.msg === 'graphql: unexpected error');
    expect(logged, 'error log entry').to.not.equal(undefined);
    expect(JSON.stringify(logged)).to.contain('hunter2');

    const boom = await fetch(`${test.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-test-boom': '1', 'x-request-id': 'req-boom-1' },
      body: JSON.stringify({ query: '{ tenant { slug } }' }),
    });
    expect(boom.status).to.equal(500);
    const boomText = await boom.text();
    expect(boomText).not.to.contain('hunter2');
    expect(JSON.parse(boomText).errors[0]).to.deep.equal({
      message: 'Internal server error',
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
    expect(test.logs.some((l) => l.reqId === 'req-boom-1' && JSON.stringify(l).includes('hunter2'))).to.equal(
      true,
    );
  });

  it('answers introspection for the playground, and validation errors with their own codes', async () => {
    const { adminToken } = await makeTenantWithTokens();
    const data: Data = await ok(app, adminToken, '{ __schema { queryType { name } mutationType { name } } }');
    expect(data.__schema).to.deep.equal({ queryType: { name: 'Query' }, mutationType: { name: 'Mutation' } });
    const invalid = await gql(app, adminToken, '{ tenant { nope } }');
    expect(invalid.status).to.equal(400);
    expect(codeOf(invalid)).to.equal('GRAPHQL_VALIDATION_FAILED');
    const parse = await gql(app, adminToken, '{ tenant { ');
    expect(parse.status).to.equal(400);
    expect(codeOf(parse)).to.equal('GRAPHQL_PARSE_FAILED');
  });
});
