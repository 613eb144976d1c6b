import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { cli, freshDatabaseUri, runService, startService } from '../helpers/service-process.js';

/**
 * What an operator meets at start and stop, each in a process of its own on a database of its own: the next step
 * printed after start-up, configuration errors found at start (a port in use, a database that cannot be reached)
 * that name their variable, and the graceful stop on SIGTERM.
 */
function freePort(): Promise<number> {
  const server = http.createServer();
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    }),
  );
}

/** Sends the head of a POST and part of its body, leaving the request in flight until `finish` is called. */
function requestInFlight(url: string, token: string, body: string) {
  const target = new URL('/graphql', url);
  const req = http.request(target, {
    method: 'POST',
    agent: false,
    headers: {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      authorization: `Bearer ${token}`,
    },
  });
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req.once('response', (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.once('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      res.once('error', reject);
    });
    req.once('error', reject);
  });
  const half = Math.floor(body.length / 2);
  req.write(body.slice(0, half));
  return { response, finish: () => req.end(body.slice(half)) };
}

async function refusesConnections(url: string): Promise<boolean> {
  for (let i = 0; i < 50; i++) {
    try {
      await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) });
    } catch {
      return true;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

describe('start-up guidance, start-up errors and graceful shutdown (separate processes)', function () {
  this.timeout(120_000);

  it('with no tenant, prints the commands that create one and issue its SCIM token', async () => {
    const svc = await startService({ MONGODB_URI: freshDatabaseUri('hint') });
    try {
      expect(svc.log()).to.contain('npx directory tenant create contoso');
      expect(svc.log()).to.contain('npx directory token issue contoso --kind scim');
      expect(svc.log()).to.contain('PUBLIC_URL=https://');
    } finally {
      svc.child.kill('SIGTERM');
    }
    expect(await svc.exited).to.equal(0);
  });

  it('prints each tenant’s Tenant URL; on SIGTERM finishes the request in flight, refuses new ones, exits 0', async () => {
    const adminToken = 'shutdown-admin-token-0123456789';
    const svc = await startService({
      MONGODB_URI: freshDatabaseUri('shutdown'),
      PUBLIC_URL: 'https://directory.example.com',
      DIRECTORY_BOOTSTRAP_TENANT: 'fabrikam',
      DIRECTORY_BOOTSTRAP_ADMIN_TOKEN: adminToken,
      SHUTDOWN_TIMEOUT_SECONDS: '20',
    });
    expect(svc.log()).to.contain(
      'Tenant URL (fabrikam): https://directory.example.com/scim/v2/tenants/fabrikam',
    );
    expect(svc.log()).not.to.contain('npx directory tenant create');
    expect(svc.log()).not.to.contain('PUBLIC_URL=https://');

    const inFlight = requestInFlight(svc.url, adminToken, JSON.stringify({ query: '{ tenant { slug } }' }));
    await new Promise((r) => setTimeout(r, 300));
    svc.child.kill('SIGTERM');
    expect(await refusesConnections(svc.url), 'new connections refused').to.equal(true);
    inFlight.finish();
    const res = await inFlight.response;
    expect(res.status).to.equal(200);
    expect(JSON.parse(res.body)).to.deep.equal({ data: { tenant: { slug: 'fabrikam' } } });
    expect(await svc.exited).to.equal(0);
    expect(svc.log()).to.contain('"msg":"stopped"');
  });

  it('waits at most SHUTDOWN_TIMEOUT_SECONDS for a request that does not finish', async () => {
    const adminToken = 'shutdown-admin-token-0123456789';
    const svc = await startService({
      MONGODB_URI: freshDatabaseUri('stuck'),
      DIRECTORY_BOOTSTRAP_TENANT: 'stuck',
      DIRECTORY_BOOTSTRAP_ADMIN_TOKEN: adminToken,
      SHUTDOWN_TIMEOUT_SECONDS: '1',
    });
    const stuck = requestInFlight(svc.url, adminToken, JSON.stringify({ query: '{ tenant { slug } }' }));
    const cutOff = stuck.response.then(
      () => 'answered',
      () => 'cut off',
    );
    await new Promise((r) => setTimeout(r, 300));
    const signalled = Date.now();
    svc.child.kill('SIGTERM');
    expect(await svc.exited).to.equal(0);
    expect(Date.now() - signalled).to.be.below(10_000);
    expect(await cutOff).to.equal('cut off');
    expect(svc.log()).to.contain('cut off');
  });

  it('names PORT when the port is in use', async () => {
    const blocker = http.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as AddressInfo;
    try {
      const res = runService({ MONGODB_URI: freshDatabaseUri('inuse'), PORT: String(port) });
      expect(res.status, res.stderr).to.equal(2);
      expect(res.stderr).to.contain(`PORT: ${port} is already in use on 127.0.0.1`);
      expect(res.stderr).to.contain('PORT=0 picks a free one');
    } finally {
      blocker.close();
    }
  });

  it('names MONGODB_URI when nothing answers there, without waiting for the driver', async () => {
    const port = await freePort();
    const res = runService({ MONGODB_URI: `mongodb://admin:s3cret@127.0.0.1:${port}/directory` });
    expect(res.status, res.stderr).to.equal(2);
    expect(res.stderr).to.contain('MONGODB_URI: cannot reach the database');
    expect(res.stderr).to.contain(`127.0.0.1:${port}: connection refused`);
    expect(res.stderr).not.to.contain('s3cret');
    expect(res.stderr).not.to.match(/Server selection timed out|MongoServerSelectionError/);
  });

  it('names MONGODB_URI when it is not a MongoDB connection string, in the service and the CLI', () => {
    const res = runService({ MONGODB_URI: 'garbage' });
    expect(res.status).to.equal(2);
    expect(res.stderr).to.contain('MONGODB_URI: a MongoDB connection string');
    const list = cli(['tenant', 'list'], { MONGODB_URI: 'garbage' });
    expect(list.status).to.equal(1);
    expect(list.stderr).to.contain('MONGODB_URI');
  });
});
