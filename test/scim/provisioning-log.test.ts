import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { listProvisioningLog } from '../../src/services/provisioning-log.js';
import { setScimEnabled } from '../../src/services/tenants.js';
import { ctxFor } from '../helpers/factories.js';
import { patchOp, scimTenant, startServer, type TestServer } from './helpers.js';

/** Every SCIM request is recorded for its tenant, so an admin can see what Entra did. */
describe('SCIM provisioning log', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server.close();
  });

  it('records each request with its operation, resource, outcome and error, filterable by user and group', async () => {
    const { tenant, client } = await scimTenant(server);
    const userName = `log-${randomUUID()}@x.com`;
    await client.users(`userName eq "${userName}"`);
    const u = (await client.post('/Users', { userName })).body;
    await client.users(`userName eq "${userName}"`);
    await client.post('/Users', { userName });
    await client.patch(`/Users/${u.id}`, patchOp({ op: 'Replace', path: 'active', value: 'False' }));
    const g = (await client.post('/Groups', { displayName: `G-${randomUUID()}` })).body;
    await client.patch(`/Groups/${g.id}`, patchOp({ op: 'Add', path: 'members', value: [{ value: u.id }] }));
    await client.get(`/Users/${randomUUID()}`);
    await client.get('/Schemas');

    const ctx = ctxFor(tenant, 'graphql');
    const all = await listProvisioningLog(ctx, { limit: 100 });
    // Entries of the same millisecond have no order between them: compare as sets.
    const summary = all
      .map((e) => [e.method, e.operation, e.resourceType, e.status, e.outcome].join(' '))
      .sort();
    expect(summary).to.deep.equal(
      [
        ['GET', 'Query', 'User', 200, 'SUCCESS'],
        ['POST', 'Create', 'User', 201, 'SUCCESS'],
        ['GET', 'Query', 'User', 200, 'SUCCESS'],
        ['POST', 'Create', 'User', 409, 'FAILURE'],
        ['PATCH', 'Disable', 'User', 200, 'SUCCESS'],
        ['POST', 'Create', 'Group', 201, 'SUCCESS'],
        ['PATCH', 'Update', 'Group', 204, 'SUCCESS'],
        ['GET', 'Get', 'User', 404, 'FAILURE'],
        ['GET', 'Discovery', 'Other', 200, 'SUCCESS'],
      ]
        .map((x) => x.join(' '))
        .sort(),
    );
    const conflict = all.find((e) => e.status === 409)!;
    expect(conflict.error).to.match(/already exists/);
    expect(conflict.path).to.equal('/Users');
    const query = all.find((e) => e.operation === 'Query' && e.userId === u.id)!;
    expect(query.path).to.equal(`/Users?filter=userName eq "${userName}"`);
    expect(all.every((e) => e.tenantId === tenant.id && e.durationMs >= 0 && e.at instanceof Date)).to.equal(
      true,
    );

    const forUser = await listProvisioningLog(ctx, { userId: u.id, limit: 100 });
    expect(forUser.map((e) => e.operation).sort()).to.deep.equal(['Create', 'Disable', 'Query', 'Update']);
    expect(forUser.find((e) => e.operation === 'Update')!.groupId).to.equal(g.id);
    const forGroup = await listProvisioningLog(ctx, { groupId: g.id, limit: 100 });
    expect(forGroup.map((e) => e.operation).sort()).to.deep.equal(['Create', 'Update']);
    const failures = await listProvisioningLog(ctx, { outcome: 'FAILURE', limit: 100 });
    expect(failures).to.have.length(2);
  });

  it('records requests refused because user synchronization is disabled; other tenants see nothing', async () => {
    const { tenant, client } = await scimTenant(server);
    const other = await scimTenant(server);
    await setScimEnabled(ctxFor(tenant, 'cli'), false);
    expect((await client.users('userName eq "x"')).status).to.equal(403);
    await setScimEnabled(ctxFor(tenant, 'cli'), true);
    const log = await listProvisioningLog(ctxFor(tenant, 'graphql'), { limit: 10 });
    expect(log).to.have.length(1);
    expect(log[0]).to.include({ status: 403, outcome: 'FAILURE' });
    expect(log[0]!.error).to.match(/disabled/);
    expect(await listProvisioningLog(ctxFor(other.tenant, 'graphql'), { limit: 10 })).to.have.length(0);
  });
});
