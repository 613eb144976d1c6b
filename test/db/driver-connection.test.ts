import { expect } from 'chai';
import { MongoClient } from 'mongodb';
import { installDriverHooks } from '../../src/db/driver.js';
import { databaseUri } from '../helpers/embedded.js';

/** The driver's pooled connections, reached through its internals (the only way to pick the one a command uses). */
function pooledConnections(client: MongoClient): { socket: import('node:net').Socket }[] {
  const topology = (
    client as unknown as {
      topology: {
        s: {
          servers: Map<
            string,
            { pool: { connections: { toArray(): { socket: import('node:net').Socket }[] } } }
          >;
        };
      };
    }
  ).topology;
  return [...topology.s.servers.values()].flatMap((s) => s.pool.connections.toArray());
}

/**
 * The driver's wait for a socket's 'drain' on a connection destroyed a moment earlier never ended (driver.ts);
 * a request after a restart of the embedded database got no answer. The command here goes to the real database
 * over a connection whose socket the test destroys just before, as the database's death does.
 */
describe('the database driver on a connection that closes under it', () => {
  it('answers (or fails) a command sent on a connection whose socket was just destroyed, instead of waiting for ever', async function () {
    this.timeout(30_000);
    installDriverHooks(); // as connectDatabase does (idempotent)
    const client = new MongoClient(databaseUri('driver_connection'), {
      maxPoolSize: 1,
      heartbeatFrequencyMS: 1000,
    });
    try {
      const users = client.db().collection('things');
      await users.findOne({});
      const [conn] = pooledConnections(client);
      expect(conn, 'a pooled connection').to.exist;
      // As when the database program dies: the socket is destroyed at once, its 'close' event comes a turn later.
      conn!.socket.destroy();
      const outcome = await Promise.race([
        users.findOne({}).then(
          () => 'answered',
          (err: Error) => `failed: ${err.name}`,
        ),
        new Promise((r) => setTimeout(() => r('no answer after 10 s'), 10_000)),
      ]);
      expect(outcome).to.equal('answered');
    } finally {
      await Promise.race([client.close(), new Promise((r) => setTimeout(r, 2000))]);
    }
  });
});
