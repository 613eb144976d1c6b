import { expect } from 'chai';
import { MongoClient } from 'mongodb';
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

  it('finishes a delete that a crash interrupted within seconds of the restart, not a sweep interval later', async () => {
    const uri = freshDatabaseUri('crash');
    const env = {
      MONGODB_URI: uri,
      DIRECTORY_BOOTSTRAP_TENANT: 'crash',
      DIRECTORY_BOOTSTRAP_ADMIN_TOKEN: 'crash-admin-token-0123456789abcdef',
      MAINTENANCE_INTERVAL_SECONDS: '300',
    };
    const first = await startService(env);
    const gql = async (query: string) => {
      const res = await fetch(`${first.url}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${env.DIRECTORY_BOOTSTRAP_ADMIN_TOKEN}`,
        },
        body: JSON.stringify({ query }),
      });
      return ((await res.json()) as { data: Record<string, { id: string }> }).data;
    };
    const { tenant } = await gql('{ tenant { id } }');
    const { createUser: user } = await gql(
      'mutation { createUser(input: { userName: "leaver@contoso.com" }) { id } }',
    );
    await gql(`mutation { createGroup(input: { displayName: "Team", memberIds: ["${user!.id}"] }) { id } }`);

    // The service dies in the middle of the user's DELETE: the deletion was recorded and the user removed, its
    // membership not yet (services/deletions.ts does these in that order).
    first.child.kill('SIGKILL');
    await first.exited;
    const client = await MongoClient.connect(uri);
    try {
      const db = client.db();
      await db.collection('deletions').insertOne({
        _id: `${tenant!.id}:user:${user!.id}` as never,
        tenantId: tenant!.id,
        kind: 'user',
        targetId: user!.id,
        at: new Date(),
      });
      await db.collection('users').deleteOne({ _id: user!.id as never });
      const memberships = () => db.collection('memberships').countDocuments({ userId: user!.id });
      expect(await memberships()).to.equal(1);

      // restarted (by its supervisor): the delete is finished within seconds, though sweeps come every 5 minutes
      const second = await startService(env);
      try {
        await until(async () => (await memberships()) === 0, 20_000, 250);
        expect(await memberships(), second.log()).to.equal(0);
      } finally {
        second.child.kill('SIGTERM');
        expect(await second.exited).to.equal(0);
      }
    } finally {
      await client.close();
    }
  });
});
