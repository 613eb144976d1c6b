import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { expect } from 'chai';
import { cli, freshDatabaseUri, runService, startService } from '../helpers/service-process.js';
import { until } from '../helpers/wait.js';

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

/**
 * Sends the head of a POST with `Expect: 100-continue`, leaving the request in flight until `finish` is called.
 * `begun` resolves at the 100 Continue, which Node sends just before handing the request to the app: from then on the
 * service is answering it (no sleep guessing when the service has read the head).
 */
function requestInFlight(url: string, token: string, body: string) {
  const target = new URL('/graphql', url);
  const req = http.request(target, {
    method: 'POST',
    agent: false,
    headers: {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      authorization: `Bearer ${token}`,
      expect: '100-continue',
    },
  });
  const begun = new Promise<void>((resolve) => req.once('continue', resolve));
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req.once('response', (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.once('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      res.once('error', reject);
    });
    req.once('error', reject);
  });
  req.flushHeaders();
  return { begun, response, finish: () => req.end(body) };
}

/** Resolves once `done()` holds, or after `withinMs` (the caller then asserts what it waited for). */
/** A service with a tenant and an admin token, to be stopped by a test. */
const adminToken = 'shutdown-admin-token-0123456789';
function serviceToStop(tenant: string, shutdownTimeoutSeconds: number, env: Record<string, string> = {}) {
  return startService({
    MONGODB_URI: freshDatabaseUri(tenant),
    DIRECTORY_BOOTSTRAP_TENANT: tenant,
    DIRECTORY_BOOTSTRAP_ADMIN_TOKEN: adminToken,
    SHUTDOWN_TIMEOUT_SECONDS: String(shutdownTimeoutSeconds),
    ...env,
  });
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
    const svc = await serviceToStop('fabrikam', 20, { PUBLIC_URL: 'https://directory.example.com' });
    expect(svc.log()).to.contain(
      'Tenant URL (fabrikam): https://directory.example.com/scim/v2/tenants/fabrikam',
    );
    expect(svc.log()).not.to.contain('npx directory tenant create');
    expect(svc.log()).not.to.contain('PUBLIC_URL=https://');

    const inFlight = requestInFlight(svc.url, adminToken, JSON.stringify({ query: '{ tenant { slug } }' }));
    await inFlight.begun;
    svc.child.kill('SIGTERM');
    expect(await refusesConnections(svc.url), 'new connections refused').to.equal(true);
    inFlight.finish();
    const res = await inFlight.response;
    expect(res.status).to.equal(200);
    expect(JSON.parse(res.body)).to.deep.equal({ data: { tenant: { slug: 'fabrikam' } } });
    expect(await svc.exited).to.equal(0);
    expect(svc.log()).to.contain('"msg":"stopped"');
  });

  it('on SIGTERM answers a request in flight whose connection already holds the next one, and exits 0', async () => {
    // The next request's head completes while the service is stopping: before the fix, marking its answer
    // `Connection: close` after /healthz had answered it threw ERR_HTTP_HEADERS_SENT and the process died.
    const svc = await serviceToStop('pipelined', 20);
    const { hostname, port } = new URL(svc.url);
    const socket = net.connect(Number(port), hostname);
    let received = '';
    socket.on('data', (d: Buffer) => (received += d.toString()));
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    const body = JSON.stringify({ query: '{ tenant { slug } }' });
    socket.write(
      `POST /graphql HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nAuthorization: Bearer ${adminToken}\r\n` +
        `Expect: 100-continue\r\n\r\n`,
    );
    await until(() => received.includes('100 Continue'), 5_000);
    expect(received).to.contain('HTTP/1.1 100 Continue');
    svc.child.kill('SIGTERM');
    await until(() => svc.log().includes('shutting down'), 10_000);
    expect(svc.log()).to.contain('shutting down');
    socket.write(`${body}GET /healthz HTTP/1.1\r\nHost: ${hostname}\r\n\r\n`);
    await closed;
    const answer = received.slice(received.indexOf('\r\n\r\n') + 4);
    expect(answer).to.match(/^HTTP\/1\.1 200 OK\r\n/);
    expect(answer).to.match(/\r\nConnection: close\r\n/i);
    expect(answer).to.contain('{"data":{"tenant":{"slug":"pipelined"}}}');
    expect(await svc.exited, svc.log()).to.equal(0);
    expect(svc.log()).to.contain('"msg":"stopped"');
  });

  it('waits at most SHUTDOWN_TIMEOUT_SECONDS for a request that does not finish', async () => {
    const svc = await serviceToStop('stuck', 1);
    const stuck = requestInFlight(svc.url, adminToken, JSON.stringify({ query: '{ tenant { slug } }' }));
    const cutOff = stuck.response.then(
      () => 'answered',
      () => 'cut off',
    );
    await stuck.begun;
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
