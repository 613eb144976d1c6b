import { expect } from 'chai';
import { createContext } from '../../src/services/context.js';
import { UnauthenticatedError } from '../../src/domain/errors.js';
import { verifyToken } from '../../src/services/credentials.js';
import { recordProvisioning } from '../../src/services/provisioning-log.js';
import { getTenant } from '../../src/services/tenants.js';
import { ctxFor, guid, makeTenantWithTokens } from '../helpers/factories.js';
import { codeOf, gql, ok, startServer, type TestServer, type Data } from './helpers.js';

async function rejects(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

/** "Enable user synchronization", Tenant URL and Secret Token; the provisioning log. */
describe('GraphQL SCIM settings and provisioning log', () => {
  let server: TestServer;
  before(async () => (server = await startServer()));
  after(() => server.close());

  it('shows the Tenant URL and whether synchronisation is on, never a token, and switches it', async () => {
    const t = await makeTenantWithTokens();
    const data: Data = await ok(
      server,
      t.adminToken,
      '{ scimSettings { enabled tenantUrl tokens { id label createdAt expiresAt } } }',
    );
    expect(data.scimSettings.enabled).to.equal(true);
    expect(data.scimSettings.tenantUrl).to.equal(`${server.url}/scim/v2/tenants/${t.tenant.slug}`);
    expect(data.scimSettings.tokens).to.have.length(1);
    expect(data.scimSettings.tokens[0].expiresAt).to.equal(null);
    expect(JSON.stringify(data)).not.to.contain(t.scimToken);
    const noTokenField = await gql(server, t.adminToken, '{ scimSettings { token } }');
    expect(codeOf(noTokenField)).to.equal('GRAPHQL_VALIDATION_FAILED');

    const off: Data = await ok(
      server,
      t.adminToken,
      'mutation { setScimEnabled(enabled: false) { enabled tenantUrl } }',
    );
    expect(off.setScimEnabled.enabled).to.equal(false);
    expect((await getTenant(ctxFor(t.tenant))).scimEnabled).to.equal(false);
    const on: Data = await ok(server, t.adminToken, 'mutation { setScimEnabled(enabled: true) { enabled } }');
    expect(on.setScimEnabled.enabled).to.equal(true);
  });

  it('rotates the secret token: shown once, the previous one works for the chosen grace period', async () => {
    const t = await makeTenantWithTokens();
    const rotate = `mutation($grace: Int) {
      issueScimToken(gracePeriodSeconds: $grace) { token credential { id expiresAt } settings { tokens { id expiresAt } } }
    }`;
    const before = Date.now();
    const first: Data = await ok(server, t.adminToken, rotate, { grace: 3600 });
    const issued = first.issueScimToken;
    expect(issued.token).to.match(/^dscim_[\w-]{43}$/);
    expect(issued.credential.expiresAt).to.equal(null);
    const old = issued.settings.tokens.find((c: Data) => c.id !== issued.credential.id);
    const expiresAt = new Date(old.expiresAt).getTime();
    expect(expiresAt).to.be.within(before + 3_590_000, Date.now() + 3_600_000);
    // Both work during the grace period; the new one is never shown again.
    expect((await verifyToken(issued.token, 'scim')).tenant.id).to.equal(t.tenant.id);
    expect((await verifyToken(t.scimToken, 'scim')).tenant.id).to.equal(t.tenant.id);
    const settings: Data = await ok(server, t.adminToken, '{ scimSettings { tokens { id } } }');
    expect(JSON.stringify(settings)).not.to.contain(issued.token);

    // Rotating again with no grace: the earlier tokens stop at once.
    const second: Data = await ok(server, t.adminToken, rotate, { grace: 0 });
    expect(await rejects(verifyToken(issued.token, 'scim'))).to.be.instanceOf(UnauthenticatedError);
    expect(await rejects(verifyToken(t.scimToken, 'scim'))).to.be.instanceOf(UnauthenticatedError);
    expect((await verifyToken(second.issueScimToken.token, 'scim')).tenant.id).to.equal(t.tenant.id);

    // Without a grace period: the default one (a day), never "keep the others for ever" (issue 12).
    const added: Data = await ok(
      server,
      t.adminToken,
      'mutation { issueScimToken { token credential { id } settings { tokens { id expiresAt } } } }',
    );
    expect(added.issueScimToken.settings.tokens).to.have.length(2);
    const previous = added.issueScimToken.settings.tokens.find(
      (c: Data) => c.id !== added.issueScimToken.credential.id,
    );
    expect(new Date(previous.expiresAt).getTime()).to.be.within(
      Date.now() + 86_300_000,
      Date.now() + 86_400_000,
    );
    expect((await verifyToken(second.issueScimToken.token, 'scim')).tenant.id).to.equal(t.tenant.id);

    const tooLong = await gql(server, t.adminToken, rotate, { grace: 31 * 24 * 3600 });
    expect(codeOf(tooLong)).to.equal('BAD_USER_INPUT');
    expect(tooLong.errors![0]!.extensions!.path).to.equal('gracePeriodSeconds');
  });

  it('lists the provisioning log newest first, filtered by user, group, outcome and time, with cursors', async () => {
    const t = await makeTenantWithTokens();
    const other = await makeTenantWithTokens();
    const ctx = createContext({ tenantId: t.tenant.id, source: 'scim' });
    const userId = guid();
    const groupId = guid();
    const base = Date.UTC(2025, 0, 1, 12);
    const entries = [
      { op: 'create', resourceType: 'User', userId, status: 201, outcome: 'SUCCESS', at: base },
      {
        op: 'update',
        resourceType: 'User',
        userId,
        status: 400,
        outcome: 'FAILURE',
        at: base + 60_000,
        error: 'invalid value',
      },
      { op: 'update', resourceType: 'Group', groupId, status: 204, outcome: 'SUCCESS', at: base + 120_000 },
      { op: 'list', resourceType: 'Other', status: 200, outcome: 'SUCCESS', at: base + 180_000 },
    ] as const;
    for (const e of entries) {
      recordProvisioning(ctx, {
        at: new Date(e.at),
        method: 'PATCH',
        path: '/scim/v2/x',
        operation: e.op,
        resourceType: e.resourceType,
        userId: 'userId' in e ? e.userId : undefined,
        groupId: 'groupId' in e ? e.groupId : undefined,
        status: e.status,
        outcome: e.outcome,
        error: 'error' in e ? e.error : undefined,
        durationMs: 3.5,
      });
    }
    recordProvisioning(createContext({ tenantId: other.tenant.id, source: 'scim' }), {
      at: new Date(base),
      method: 'GET',
      path: '/scim/v2/y',
      operation: 'list',
      resourceType: 'Other',
      status: 200,
      outcome: 'SUCCESS',
      durationMs: 1,
    });
    const q = `query($first: Int, $after: String, $filter: ProvisioningLogFilter) {
      provisioningLog(first: $first, after: $after, filter: $filter) {
        nodes { at operation resourceType status outcome error userId groupId durationMs }
        pageInfo { hasNextPage endCursor }
      }
    }`;
    const all: Data = await ok(server, t.adminToken, q, { first: 3 });
    expect(all.provisioningLog.nodes.map((n: Data) => n.operation)).to.deep.equal([
      'list',
      'update',
      'update',
    ]);
    expect(all.provisioningLog.nodes[0].resourceType).to.equal('OTHER');
    expect(all.provisioningLog.pageInfo.hasNextPage).to.equal(true);
    const rest: Data = await ok(server, t.adminToken, q, {
      first: 3,
      after: all.provisioningLog.pageInfo.endCursor,
    });
    expect(rest.provisioningLog.nodes.map((n: Data) => n.operation)).to.deep.equal(['create']);
    expect(rest.provisioningLog.pageInfo.hasNextPage).to.equal(false);

    const failures: Data = await ok(server, t.adminToken, q, { filter: { outcome: 'FAILURE' } });
    expect(failures.provisioningLog.nodes).to.deep.equal([
      {
        at: new Date(base + 60_000).toISOString(),
        operation: 'update',
        resourceType: 'USER',
        status: 400,
        outcome: 'FAILURE',
        error: 'invalid value',
        userId,
        groupId: null,
        durationMs: 3.5,
      },
    ]);
    const byUser: Data = await ok(server, t.adminToken, q, { filter: { userId } });
    expect(byUser.provisioningLog.nodes).to.have.length(2);
    const byGroup: Data = await ok(server, t.adminToken, q, { filter: { groupId } });
    expect(byGroup.provisioningLog.nodes.map((n: Data) => n.resourceType)).to.deep.equal(['GROUP']);
    const window: Data = await ok(server, t.adminToken, q, {
      filter: { since: new Date(base + 60_000).toISOString(), until: new Date(base + 120_000).toISOString() },
    });
    expect(window.provisioningLog.nodes).to.have.length(2);
    const badDate = await gql(server, t.adminToken, q, { filter: { since: 'yesterday' } });
    expect(codeOf(badDate)).to.equal('BAD_USER_INPUT');
  });
});
