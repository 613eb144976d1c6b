import { expect } from 'chai';
import { freshDatabaseUri, startService } from '../helpers/service-process.js';
import { until } from '../helpers/wait.js';

/**
 * Issue 12, items 2 and 7: the service itself runs the maintenance sweep (services/maintenance.ts) every
 * MAINTENANCE_INTERVAL_SECONDS, logs each run with its counts, and stops it on SIGTERM before closing the database.
 */
describe('the maintenance sweep in the running service (separate process)', function () {
  this.timeout(180_000);

  it('sweeps periodically, logs the counts, and stops cleanly on SIGTERM', async () => {
    const svc = await startService({
      MONGODB_URI: freshDatabaseUri('sweep'),
      LOG_LEVEL: 'debug',
      MAINTENANCE_INTERVAL_SECONDS: '1',
    });
    const sweeps = () =>
      svc
        .log()
        .split('\n')
        .filter((l) => l.includes('"msg":"maintenance sweep"'))
        .map((l) => JSON.parse(l) as { maintenance: Record<string, number> });
    await until(() => sweeps().length >= 2, 30_000, 200);
    expect(sweeps().length, svc.log()).to.be.at.least(2);
    expect(sweeps()[0]!.maintenance).to.include.keys('membershipsRemoved', 'logEntriesRemoved', 'durationMs');
    svc.child.kill('SIGTERM');
    expect(await svc.exited).to.equal(0);
    expect(svc.log()).to.contain('"msg":"stopped"');
    expect(svc.log()).not.to.contain('maintenance sweep failed');
  });
});
