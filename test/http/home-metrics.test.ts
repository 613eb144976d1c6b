import { expect } from 'chai';
import { ScimClient, scimTenant, startServer, type TestServer } from '../scim/helpers.js';

/** GET /, a plain GET /graphql, and /metrics, through the real Express app over HTTP. */
describe('service index, GraphQL GET hint and /metrics', () => {
  describe('without METRICS_TOKEN', () => {
    let server: TestServer;
    before(async () => {
      server = await startServer();
    });
    after(() => server.close());

    it('GET / points to GraphQL, health, SCIM and the docs (JSON for clients)', async () => {
      const res = await fetch(`${server.baseUrl}/`);
      expect(res.status).to.equal(200);
      const body = (await res.json()) as { endpoints: Record<string, string>; docs: Record<string, string> };
      expect(body.endpoints).to.include({
        graphql: `${server.baseUrl}/graphql`,
        healthz: `${server.baseUrl}/healthz`,
        readyz: `${server.baseUrl}/readyz`,
        scim: `${server.baseUrl}/scim/v2/tenants/{tenant}`,
      });
      expect(body.endpoints).not.to.have.property('metrics');
      expect(Object.values(body.docs).join(' ')).to.contain('docs/entra.md');
    });

    it('GET / answers a browser with a small page', async () => {
      const res = await fetch(`${server.baseUrl}/`, { headers: { accept: 'text/html,*/*;q=0.8' } });
      expect(res.headers.get('content-type')).to.match(/^text\/html/);
      const html = await res.text();
      expect(html).to.contain(`href="${server.baseUrl}/graphql"`);
      expect(html).to.contain('/healthz');
      expect(html).not.to.contain('<script');
    });

    it('answers a plain GET /graphql (curl) with how to call the API, and keeps CSRF prevention', async () => {
      const res = await fetch(`${server.baseUrl}/graphql`);
      expect(res.status).to.equal(400);
      const body = (await res.json()) as { errors: { message: string; extensions: { code: string } }[] };
      expect(body.errors[0]!.extensions.code).to.equal('BAD_REQUEST');
      expect(body.errors[0]!.message).to.contain('Send a POST with Content-Type: application/json');
      expect(body.errors[0]!.message).to.contain('open this address in a browser');
      // A GraphQL GET without a preflight header is still refused by Apollo's CSRF prevention.
      const csrf = await fetch(`${server.baseUrl}/graphql?query=${encodeURIComponent('{ __typename }')}`);
      expect(csrf.status).to.equal(400);
      expect(await csrf.text()).to.contain('Cross-Site Request Forgery');
    });

    it('has no /metrics', async () => {
      expect((await fetch(`${server.baseUrl}/metrics`)).status).to.equal(404);
    });
  });

  describe('with METRICS_TOKEN', () => {
    const token = 'metrics-token-0123456789abcdef';
    let server: TestServer;
    before(async () => {
      server = await startServer({ METRICS_TOKEN: token });
    });
    after(() => server.close());

    it('refuses a scrape without the token or with another one', async () => {
      const none = await fetch(`${server.baseUrl}/metrics`);
      expect(none.status).to.equal(401);
      expect(none.headers.get('www-authenticate')).to.contain('Bearer');
      const wrong = await fetch(`${server.baseUrl}/metrics`, {
        headers: { authorization: `Bearer ${token}x` },
      });
      expect(wrong.status).to.equal(401);
    });

    /**
     * /metrics once it shows `labels`: a request is counted when its response has been handed over, which may be
     * just after the client has it.
     */
    async function scrape(labels: string): Promise<Response> {
      for (let i = 0; ; i++) {
        const res = await fetch(`${server.baseUrl}/metrics`, {
          headers: { authorization: `Bearer ${token}` },
        });
        const text = await res.clone().text();
        if (text.includes(labels) || i === 20) return res;
        await new Promise((r) => setTimeout(r, 50));
      }
    }

    it('counts requests and latency per route template and authenticated tenant slug, plus process metrics', async () => {
      const { tenant, client } = await scimTenant(server);
      expect((await client.users('userName eq "nobody@example.com"')).status).to.equal(200);
      const created = await client.post('/Users', {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        userName: `metrics-${tenant.slug}@example.com`,
        active: true,
      });
      expect(created.status).to.equal(201);
      expect((await client.get(`/Users/${created.body.id as string}`)).status).to.equal(200);
      // A wrong token names no tenant: the slug in the URL must not become a label value.
      const stranger = new ScimClient(
        `${server.baseUrl}/scim/v2/tenants/not-a-tenant-${tenant.slug}`,
        'nope',
      );
      expect((await stranger.users()).status).to.equal(401);
      await fetch(`${server.baseUrl}/no/such/path/${tenant.slug}`);

      const res = await scrape(`tenant="${tenant.slug}"`);
      expect(res.status).to.equal(200);
      expect(res.headers.get('content-type')).to.contain('text/plain');
      const text = await res.text();
      const line = (metric: string, labels: string) =>
        text.split('\n').find((l) => l.startsWith(`${metric}{`) && l.includes(labels));
      const t = `tenant="${tenant.slug}"`;
      expect(
        line('http_requests_total', `route="/scim/v2/tenants/:tenantSlug/Users",status="200",${t}`),
      ).to.match(/ 1$/);
      expect(
        line('http_requests_total', `route="/scim/v2/tenants/:tenantSlug/Users",status="201",${t}`),
      ).to.match(/ 1$/);
      expect(
        line('http_requests_total', `route="/scim/v2/tenants/:tenantSlug/Users/:id",status="200",${t}`),
      ).to.match(/ 1$/);
      expect(
        line('http_request_duration_seconds_count', `route="/scim/v2/tenants/:tenantSlug/Users/:id",${t}`),
      ).to.match(/ 1$/);
      expect(line('http_requests_total', 'route="unmatched",status="404",tenant=""')).to.not.equal(undefined);
      expect(text).not.to.contain(`not-a-tenant-${tenant.slug}`);
      expect(text).not.to.contain(`/no/such/path`);
      expect(text).to.match(/^directory_process_cpu_user_seconds_total /m);
      expect(text).to.match(/^directory_nodejs_eventloop_lag_seconds /m);
      // the database commands this process sent: a create wrote a user, the lookups read users
      const count = (scraped: string, labels: string) =>
        Number(
          scraped
            .split('\n')
            .find((l) => l.startsWith('database_commands_total{') && l.includes(labels))
            ?.split(' ')
            .pop(),
        );
      const finds = 'command="find",collection="users"';
      expect(count(text, 'command="insert",collection="users"')).to.be.at.least(1);
      expect(count(text, finds)).to.be.at.least(2);
      expect((await client.get(`/Users/${created.body.id as string}`)).status).to.equal(200);
      const after = await (await scrape(`tenant="${tenant.slug}"`)).text();
      expect(count(after, finds), 'one GET by id is one find').to.equal(count(text, finds) + 1);
    });

    it('labels GraphQL requests with the tenant of the credential', async () => {
      const { tenant, adminToken } = await scimTenant(server);
      const res = await fetch(`${server.baseUrl}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
        body: JSON.stringify({ query: '{ tenant { slug } }' }),
      });
      expect(res.status).to.equal(200);
      const text = await (await scrape(`route="/graphql",status="200",tenant="${tenant.slug}"`)).text();
      expect(text).to.contain(
        `http_requests_total{method="POST",route="/graphql",status="200",tenant="${tenant.slug}"} 1`,
      );
    });
  });
});
