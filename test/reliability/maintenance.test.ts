import { expect } from 'chai';
import mongoose from 'mongoose';
import { Long } from 'mongodb';
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { parseConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import {
  maintenanceSettings,
  runMaintenance,
  startMaintenance,
  type MaintenanceSettings,
} from '../../src/services/maintenance.js';
import { flushProvisioningLog, listProvisioningLog } from '../../src/services/provisioning-log.js';
import { logStorage } from '../../src/db/storage.js';
import { commandCounter } from '../../src/db/connection.js';
import { pruneBatch } from '../../src/db/logs.js';
import { ctxFor } from '../helpers/factories.js';
import { until } from '../helpers/wait.js';
import { patchOp, scimTenant, startServer, type TestServer } from '../scim/helpers.js';

/**
 * Issue 12, items 2 and 7: the maintenance sweep (services/maintenance.ts) repairs memberships and enforces the
 * provisioning log's retention, runs periodically and stops cleanly; the provisioning log keeps the request line
 * with the values of unknown query parameters redacted, and control characters do not break it.
 */
describe('maintenance sweep and provisioning log (issue 12, items 2 and 7)', function () {
  // a sweep goes through every tenant of the test database: after the suites that create thousands, it takes a while
  this.timeout(600_000);
  let server: TestServer;
  before(async () => (server = await startServer()));
  after(async () => server.close());

  const defaults = maintenanceSettings(parseConfig({}));

  /** A provisioning-log entry of a SCIM query, the i-th of a test's. */
  const logEntry = (tenantId: string, at: Date, i: number) => ({
    id: `${tenantId}-${i}-${randomUUID()}`,
    tenantId,
    requestId: randomUUID(),
    at,
    method: 'GET',
    path: `/Users?i=${i}`,
    operation: 'Query',
    resourceType: 'User' as const,
    status: 200,
    outcome: 'SUCCESS' as const,
    durationMs: 1,
  });

  it('reads its interval and retention from the configuration, with defaults, naming a bad variable', () => {
    const cfg = parseConfig({});
    expect(cfg.MAINTENANCE_INTERVAL_SECONDS).to.equal(300);
    expect(cfg.PROVISIONING_LOG_RETENTION_DAYS).to.equal(30);
    expect(cfg.PROVISIONING_LOG_MAX_ENTRIES_PER_TENANT).to.equal(100_000);
    expect(cfg.DELETION_RECORD_RETENTION_HOURS).to.equal(24);
    expect(cfg.MAINTENANCE_MEMBERSHIP_SCAN_BATCH).to.equal(5_000);
    expect(parseConfig({ MAINTENANCE_INTERVAL_SECONDS: '0' }).MAINTENANCE_INTERVAL_SECONDS).to.equal(0);
    expect(() => parseConfig({ MAINTENANCE_INTERVAL_SECONDS: '-1' })).to.throw(
      /MAINTENANCE_INTERVAL_SECONDS/,
    );
    expect(() => parseConfig({ PROVISIONING_LOG_MAX_ENTRIES_PER_TENANT: 'many' })).to.throw(
      /PROVISIONING_LOG_MAX_ENTRIES_PER_TENANT/,
    );
  });

  it('stores the request line with the values of unknown query parameters redacted', async () => {
    const { tenant, client } = await scimTenant(server);
    const secret = `tok-${randomUUID()}`;
    await client.get(
      `/Users?filter=${encodeURIComponent('userName eq "a@b.example"')}&access_token=${secret}&count=5&code`,
    );
    await client.get(`/Groups?startIndex=1&sig=${secret}&Attributes=displayName`);
    const log = await listProvisioningLog(ctxFor(tenant), { limit: 10 });
    const paths = log.map((e) => e.path).sort();
    expect(paths).to.deep.equal([
      '/Groups?startIndex=1&sig=[redacted]&Attributes=displayName',
      '/Users?filter=userName eq "a@b.example"&access_token=[redacted]&count=5&code',
    ]);
    expect(JSON.stringify(log)).to.not.include(secret);
  });

  it('keeps logging when requests carry U+0000 and other control characters (escaped, nothing lost)', async () => {
    const { tenant, client } = await scimTenant(server);
    const statuses = [
      (await client.get(`/Users?filter=${encodeURIComponent('displayName eq "a\u0000b"')}`)).status,
      (await client.get('/Users/%00')).status,
      (await client.get(`/Users?x=%00&filter=${encodeURIComponent('userName eq "\u0001\u001f\u007f"')}`))
        .status,
      (await client.get('/Users?filter=userName%20eq%20%22%ED%A0%80%22')).status,
      (await client.post('/Users', { userName: `nul-${randomUUID()}`, displayName: 'x\u0000y' })).status,
      (await client.users('userName eq "after"')).status,
    ];
    for (const s of statuses) expect(s).to.be.lessThan(500);
    await flushProvisioningLog();
    const log = await listProvisioningLog(ctxFor(tenant), { limit: 20 });
    expect(log).to.have.length(statuses.length);
    expect(log.some((e) => `${e.path}${e.error ?? ''}`.includes('\u0000'))).to.equal(false);
    const paths = log.map((e) => e.path);
    expect(paths).to.include('/Users?filter=displayName eq "a\\u0000b"');
    expect(paths).to.include('/Users/\\u0000');
    expect(paths).to.include('/Users?x=[redacted]&filter=userName eq "\\u0001\\u001f\\u007f"');
    expect(paths).to.include('/Users?filter=userName%20eq%20%22%ED%A0%80%22'); // not UTF-8: kept as sent
  });

  it('removes entries past the age and beyond the count per tenant, newest kept, other tenants untouched', async () => {
    const a = await scimTenant(server);
    const b = await scimTenant(server);
    const now = Date.now();
    const entry = (tenantId: string, ageMs: number, i: number) =>
      logEntry(tenantId, new Date(now - ageMs), i);
    const day = 86_400_000;
    // a: 3 entries older than the retention, 8 recent (a minute apart); b: 4 recent
    await logStorage.insertProvisioningEntries([
      ...[40, 35, 31].map((d, i) => entry(a.tenant.id, d * day, i)),
      ...Array.from({ length: 8 }, (_, i) => entry(a.tenant.id, (i + 1) * 60_000, 10 + i)),
      ...Array.from({ length: 4 }, (_, i) => entry(b.tenant.id, (i + 1) * 60_000, 20 + i)),
    ]);
    const settings: MaintenanceSettings = { ...defaults, logMaxAgeMs: 30 * day, logMaxEntriesPerTenant: 5 };
    const first = await runMaintenance(settings);
    expect(first.logEntriesRemoved).to.be.at.least(3 + 3);
    const left = await listProvisioningLog(ctxFor(a.tenant), { limit: 100 });
    expect(left.map((e) => e.path)).to.deep.equal([10, 11, 12, 13, 14].map((i) => `/Users?i=${i}`));
    expect(await listProvisioningLog(ctxFor(b.tenant), { limit: 100 })).to.have.length(4);
    // idempotent: nothing more to remove for these tenants
    await runMaintenance(settings);
    expect(await listProvisioningLog(ctxFor(a.tenant), { limit: 100 })).to.have.length(5);
  });

  it('stores a batch written again after its first write was stored (a retry after a lost answer) once, without an error', async () => {
    const { tenant } = await scimTenant(server);
    const now = Date.now();
    const entries = Array.from({ length: 3 }, (_, i) => logEntry(tenant.id, new Date(now - i * 1000), i));
    const events = entries.map((e) => ({
      id: randomUUID(),
      tenantId: tenant.id,
      at: e.at,
      actorType: 'scim',
      actorId: 'token',
      source: 'scim',
      requestId: e.requestId,
      action: 'user.read',
      targetType: 'user',
      targetId: e.id,
    }));
    // The first write stored one record of each batch only; the retry carries the whole batch.
    await logStorage.insertProvisioningEntries(entries.slice(0, 1));
    await logStorage.insertAuditEvents(events.slice(0, 1));
    await logStorage.insertProvisioningEntries(entries);
    await logStorage.insertAuditEvents(events);
    const stored = await listProvisioningLog(ctxFor(tenant), { limit: 100 });
    // ours only: the tenant's own requests are logged too
    const ours = (found: { id: string }[], written: { id: string }[]) =>
      found
        .map((e) => e.id)
        .filter((id) => written.some((w) => w.id === id))
        .sort();
    expect(ours(stored, entries)).to.deep.equal(entries.map((e) => e.id).sort());
    const audit = await ctxFor(tenant).db.logs.auditEvents({ limit: 100 });
    expect(ours(audit, events)).to.deep.equal(events.map((e) => e.id).sort());
  });

  it('runs periodically, logs its counts, and stops cleanly (a sweep in progress finishes, no new one)', async () => {
    const { tenant, client } = await scimTenant(server);
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _e, cb) {
        for (const l of chunk.toString().split('\n')) if (l.trim()) lines.push(JSON.parse(l));
        cb();
      },
    });
    // an interrupted delete for the sweep to finish: a member whose user is gone
    const u = (await client.post('/Users', { userName: `m-${randomUUID()}` })).body;
    const g = (await client.post('/Groups', { displayName: `G-${randomUUID()}` })).body;
    await client.patch(`/Groups/${g.id}`, patchOp({ op: 'add', path: 'members', value: [{ value: u.id }] }));
    const ctx = ctxFor(tenant);
    await ctx.db.deletions.record('user', u.id, new Date());
    await ctx.db.users.delete(u.id);
    expect(await ctx.db.memberships.countByGroup(g.id)).to.equal(1);

    const m = startMaintenance(defaults, 200, createLogger('debug', sink));
    await until(() => lines.filter((l) => l.msg === 'maintenance sweep').length >= 2, 300_000, 100);
    await m.stop();
    const sweeps = lines.filter((l) => l.msg === 'maintenance sweep');
    expect(sweeps.length).to.be.at.least(2);
    const counts = sweeps[0]!.maintenance as Record<string, number>;
    expect(counts).to.include.keys(
      'deletions',
      'recordsRemoved',
      'membershipsRemoved',
      'scanned',
      'logEntriesRemoved',
      'tenants',
      'durationMs',
    );
    expect(counts.membershipsRemoved).to.be.at.least(1);
    expect(sweeps[0]!.level).to.equal(30); // info: it changed something
    expect(await ctx.db.memberships.countByGroup(g.id)).to.equal(0);
    const after = lines.length;
    await new Promise((r) => setTimeout(r, 600));
    expect(lines.length).to.equal(after); // stopped
  });

  it('pages the log and enforces its retention through indexes, whatever the size of the log', async function () {
    if (process.env.MONGODB_URI) this.skip(); // PostgreSQL's plans are the embedded database's
    const { tenant } = await scimTenant(server);
    const other = await scimTenant(server);
    const now = Date.now();
    for (const [t, n] of [
      [tenant, 12_000],
      [other.tenant, 3_000],
    ] as const) {
      for (let b = 0; b < n; b += 2_000) {
        await logStorage.insertProvisioningEntries(
          Array.from({ length: Math.min(2_000, n - b) }, (_, i) => ({
            id: randomUUID(),
            tenantId: t.id,
            requestId: randomUUID(),
            at: new Date(now - (b + i) * 1_000),
            method: 'GET',
            path: '/Users',
            operation: 'Query',
            resourceType: 'User' as const,
            ...(i % 10 === 0 ? { userId: `u${i % 100}` } : {}),
            status: 200,
            outcome: 'SUCCESS' as const,
            durationMs: 1,
          })),
        );
      }
    }
    const db = mongoose.connection.db!;
    await db.command({ compact: 'provisioninglogs' }); // VACUUM ANALYZE on the embedded database
    const sort = { at: -1, _id: -1 };
    const at = new Date(now - 5_000_000);
    const queries = [
      { filter: { tenantId: tenant.id }, sort, limit: 51 }, // the first page
      {
        filter: {
          tenantId: tenant.id,
          $and: [{ at: { $lte: at } }, { $or: [{ at: { $lt: at } }, { at, _id: { $lt: 'm' } }] }],
        },
        sort,
        limit: 51,
      }, // a later page
      { filter: { tenantId: tenant.id, userId: 'u10' }, sort: { at: -1 }, limit: 51 },
      { filter: { tenantId: tenant.id }, sort, skip: Long.fromNumber(999), limit: 1 }, // retention by count (the index: the planner reads it while the tenant holds several times `keep`)
      { filter: { tenantId: tenant.id, at: { $lt: new Date(now - 11_500_000) } } }, // retention by age (the oldest few)
    ];
    const problems: string[] = [];
    for (const q of queries) {
      const explained = (await db.command({
        explain: { find: 'provisioninglogs', ...q },
        verbosity: 'queryPlanner',
      })) as { queryPlanner: unknown };
      const plan = JSON.stringify(explained.queryPlanner);
      if (/"Node Type":"Seq Scan"/.test(plan))
        problems.push(`reads the table: ${JSON.stringify(q)}\n  ${plan.slice(0, 300)}`);
    }
    expect(problems, problems.join('\n')).to.deep.equal([]);

    const started = performance.now();
    const page = await listProvisioningLog(ctxFor(tenant), { limit: 50 });
    const ms = performance.now() - started;
    expect(page).to.have.length(50);
    console.log(`      first page of a 12,000-entry log (15,000 in all): ${ms.toFixed(0)} ms`);
    // in batches: the embedded database holds every document a delete matches, so no delete may match more than
    // pruneBatch entries (one delete of the 40,000 entries beyond the retention at 50,000 users held them all)
    const deletes = commandCounter();
    const removed = await runMaintenance({ ...defaults, logMaxEntriesPerTenant: 10_000 });
    deletes.stop();
    expect(removed.logEntriesRemoved).to.be.at.least(2_000);
    const logDeletes = deletes
      .filters()
      .filter((q) => q.command === 'delete' && q.collection === 'provisioninglogs');
    expect(logDeletes.length).to.be.at.least(Math.ceil(2_000 / pruneBatch));
    for (const q of logDeletes) {
      const ids = (q.filter as { _id?: { $in?: unknown[] } })._id?.$in;
      expect(ids, JSON.stringify(q.filter).slice(0, 200)).to.be.an('array');
      expect(ids!.length).to.be.at.most(pruneBatch);
    }
    expect(
      await listProvisioningLog(ctxFor(tenant), {
        limit: 500,
        before: { at: new Date(now - 9_999_500), id: '' },
      }),
    ).to.have.length(0);
  });
});
