import net from 'node:net';
import { expect } from 'chai';
import { parseConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { listen } from '../../src/server.js';
import { gql, startServer as startGraphqlServer } from '../graphql/helpers.js';
import { makeTenantWithTokens } from '../helpers/factories.js';
import { until } from '../helpers/wait.js';
import { ScimClient, scimTenant, startServer, type TestServer } from '../scim/helpers.js';

/**
 * Issue 12, item 6: limits in front of authentication, per-principal GraphQL limits, idle connections closed, and
 * subscriptions refused as a client error. Real HTTP through the real app; real idle sockets against `listen`.
 * Client addresses are told apart with X-Forwarded-For, which the default TRUST_PROXY (loopback) believes.
 */
describe('limits in front of authentication, and idle connections (issue 12, item 6)', () => {
  describe('per-address limit on requests without a valid credential', () => {
    let server: TestServer;
    before(async () => {
      server = await startServer({ UNAUTHENTICATED_RATE_LIMIT_PER_MINUTE: '5' });
    });
    after(async () => {
      await server.close();
    });

    const from = (address: string) => ({ headers: { 'x-forwarded-for': address } });

    it('answers 401 until the address has used its budget, then 429 before authentication, on every face', async () => {
      const { client, tenantUrl, adminToken } = await scimTenant(server);
      const forged = new ScimClient(tenantUrl, 'dscim_forged-token-that-does-not-exist-000000000');
      const attacker = from('203.0.113.7');
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await forged.get('/Users', attacker)).status);
      expect(statuses).to.deep.equal([401, 401, 401, 401, 401]);
      const refused = await forged.get('/Users', attacker);
      expect(refused.status).to.equal(429);
      expect(refused.body.schemas).to.deep.equal(['urn:ietf:params:scim:api:messages:2.0:Error']);
      expect(Number(refused.headers.get('retry-after'))).to.be.at.least(1);
      // The address is refused before authentication: its valid token is refused too, on SCIM…
      expect((await client.get('/Users', attacker)).status).to.equal(429);
      // …on GraphQL (one budget per address, shared by the faces)…
      const api = { url: server.baseUrl };
      const graphql = await gql(
        api,
        { authorization: `Bearer ${adminToken}`, ...attacker.headers },
        '{ tenant { slug } }',
      );
      expect(graphql.status).to.equal(429);
      expect(graphql.errors?.[0]?.extensions?.code).to.equal('TOO_MANY_REQUESTS');
      // …and on sign-in.
      const signIn = await fetch(`${server.baseUrl}/auth/session`, attacker);
      expect(signIn.status).to.equal(429);
      expect(signIn.headers.get('retry-after')).to.not.equal(null);

      // Other addresses — the tenant's own Entra — are not affected.
      expect((await client.get('/Users', from('198.51.100.1'))).status).to.equal(200);
      expect((await client.get('/Users')).status).to.equal(200);
    });

    it('counts requests without any credential and failed GraphQL and sign-in requests, not valid ones', async () => {
      const { client, adminToken } = await scimTenant(server);
      const api = { url: server.baseUrl };
      const honest = from('198.51.100.20');
      for (let i = 0; i < 20; i++) expect((await client.get('/Users', honest)).status).to.equal(200);
      const valid = await gql(
        api,
        { authorization: `Bearer ${adminToken}`, ...honest.headers },
        '{ tenant { slug } }',
      );
      expect(valid.status).to.equal(200);

      const anonymous = from('203.0.113.8');
      const statuses = [
        (await client.get('/Users', { ...anonymous, anonymous: true })).status,
        (await gql(api, anonymous.headers, '{ tenant { slug } }')).status,
        (
          await gql(
            api,
            { authorization: 'Bearer dadm_nope-nope-nope-nope', ...anonymous.headers },
            '{ tenant { slug } }',
          )
        ).status,
        (await fetch(`${server.baseUrl}/auth/session`, anonymous)).status,
        (await fetch(`${server.baseUrl}/auth/nobody-here/signin`, anonymous)).status,
        (await client.get('/Users', { ...anonymous, anonymous: true })).status,
      ];
      expect(statuses.slice(0, 5)).to.not.include(429);
      expect(statuses[5]).to.equal(429);
    });
  });

  describe('per-principal GraphQL limit and subscriptions', () => {
    it('refuses a principal past its rate with 429 TOO_MANY_REQUESTS, leaving other principals alone', async () => {
      const server = await startServer({ GRAPHQL_RATE_LIMIT_PER_SECOND: '2' });
      try {
        const api = { url: server.baseUrl };
        const busy = await makeTenantWithTokens();
        const other = await makeTenantWithTokens();
        const results = await Promise.all(
          Array.from({ length: 8 }, () => gql(api, busy.adminToken, '{ tenant { slug } }')),
        );
        const limited = results.filter((r) => r.status === 429);
        expect(limited.length).to.be.at.least(3);
        expect(limited[0]!.errors?.[0]?.extensions?.code).to.equal('TOO_MANY_REQUESTS');
        expect(limited[0]!.errors?.[0]?.extensions?.retryAfterSeconds).to.be.above(0);
        expect(Number(limited[0]!.headers.get('retry-after'))).to.be.at.least(1);
        expect((await gql(api, other.adminToken, '{ tenant { slug } }')).status).to.equal(200);
      } finally {
        await server.close();
      }
    });

    it('refuses a subscription as BAD_REQUEST, without an error in the log', async () => {
      const server = await startGraphqlServer();
      try {
        const { adminToken } = await makeTenantWithTokens();
        for (const query of ['subscription { viewer { id } }', 'subscription S { tenant { slug } }']) {
          const res = await gql(server, adminToken, query);
          expect(res.status, query).to.equal(400);
          expect(res.errors?.[0]?.extensions?.code, query).to.equal('BAD_REQUEST');
        }
        expect(server.logs.filter((l) => (l.level as number) >= 50)).to.deep.equal([]);
      } finally {
        await server.close();
      }
    });
  });

  describe('connections', () => {
    it('closes idle connections — silent, half-sent and kept-alive — but not one whose request is in progress', async function () {
      this.timeout(20_000);
      const config = parseConfig({
        NODE_ENV: 'test',
        PORT: '0',
        HTTP_IDLE_TIMEOUT_MS: '400',
        HTTP_HEADERS_TIMEOUT_MS: '800',
        HTTP_REQUEST_TIMEOUT_MS: '5000',
        HTTP_KEEP_ALIVE_TIMEOUT_MS: '300',
      });
      const service = await listen(config, createLogger('silent'));
      const { port } = new URL(service.url);
      const open = (first?: string) =>
        new Promise<net.Socket>((resolve) => {
          const s = net.connect(Number(port), '127.0.0.1', () => {
            if (first) s.write(first);
            resolve(s);
          });
          s.on('data', () => {});
          s.on('error', () => {});
        });
      const closed = (s: net.Socket) =>
        new Promise<number>((resolve) => {
          const t0 = Date.now();
          if (s.destroyed) resolve(0);
          s.once('close', () => resolve(Date.now() - t0));
        });
      try {
        const silent = await Promise.all(Array.from({ length: 40 }, () => open()));
        const halfSent = await Promise.all(
          Array.from({ length: 5 }, () => open('GET /healthz HTTP/1.1\r\nHost: x\r\n')),
        );
        const keptAlive = await open('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
        // A request in progress: headers of a POST, then a pause longer than the idle timeout, then its body.
        const body = '{"query":"{ __typename }"}';
        const slow = await open(
          `POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`,
        );
        let slowAnswer = '';
        slow.on('data', (d: Buffer) => (slowAnswer += d.toString()));
        const slowClosed = closed(slow);
        setTimeout(() => slow.write(body), 900);

        // Meanwhile the service answers as usual.
        expect((await fetch(`${service.url}/healthz`)).status).to.equal(200);
        const waits = await Promise.all([...silent, ...halfSent, keptAlive].map(closed));
        expect(Math.max(...waits)).to.be.below(3000);
        await slowClosed;
        expect(slowAnswer).to.match(/^HTTP\/1\.1 401 /);
      } finally {
        await service.close();
      }
    });

    it('on a graceful stop, closes a kept-alive connection after the request it was busy with: no new request is served on it', async function () {
      this.timeout(20_000);
      // Seen in CI: a client polling every 100 ms over one kept-alive connection was still answered seconds after
      // SIGTERM, because Node closes only the connections idle at the moment of close().
      const config = parseConfig({ NODE_ENV: 'test', PORT: '0', SHUTDOWN_TIMEOUT_SECONDS: '10' });
      const service = await listen(config, createLogger('silent'));
      const { port } = new URL(service.url);
      const socket = await new Promise<net.Socket>((resolve) => {
        const s = net.connect(Number(port), '127.0.0.1', () => resolve(s));
      });
      let received = '';
      socket.on('data', (d: Buffer) => (received += d.toString()));
      socket.on('error', () => {});
      const socketClosed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      const body = '{"query":"{ __typename }"}';
      socket.write(
        `POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
      );
      await new Promise((r) => setTimeout(r, 200));
      const stopped = service.close();
      await new Promise((r) => setTimeout(r, 200));
      socket.write(body);
      await until(() => /\r\n\r\n[\s\S]*\}/.test(received), 2000);
      expect(received).to.match(/^HTTP\/1\.1 401 /);
      expect(received.toLowerCase()).to.contain('connection: close');
      // A client that does not read the header and sends another request on the socket gets no answer.
      if (!socket.destroyed) socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
      const started = Date.now();
      await socketClosed;
      expect(Date.now() - started).to.be.below(2000);
      expect(received.match(/HTTP\/1\.1 /g)).to.have.length(1);
      expect((await stopped).forced).to.equal(false);
    });
  });
});
