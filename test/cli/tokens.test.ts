import { Writable } from 'node:stream';
import { expect } from 'chai';
import { bootstrap } from '../../src/bootstrap.js';
import { parseConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { invalidateCredentialCache } from '../../src/services/credentials.js';
import { gql } from '../graphql/helpers.js';
import { guid, makeTenant, makeTenantWithTokens } from '../helpers/factories.js';
import { directoryCli } from '../helpers/cli.js';
import { ScimClient, startServer, type TestServer } from '../scim/helpers.js';

/**
 * Issue 12, item 9: tokens. The `directory` CLI in its own process against the same database as a real service
 * (real HTTP): `token issue` rotates (earlier tokens end after a grace period, never "valid for ever"), `token list`,
 * `token revoke`, `--expires-in`, `--quiet`; the GraphQL equivalents; and bootstrap tokens, which a rotation retires
 * for good, restart or not.
 *
 * The service caches verified tokens for 5 seconds (README, Security); a change made by the CLI process reaches it
 * within that time. Tests call invalidateCredentialCache() instead of waiting.
 */
describe('tokens: rotation, list, revoke, expiry and bootstrap (issue 12, item 9)', function () {
  this.timeout(120_000);
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server.close();
  });

  const scim = (slug: string, token: string) =>
    new ScimClient(`${server.baseUrl}/scim/v2/tenants/${slug}`, token);
  const cli = async (...args: string[]) => {
    const res = await directoryCli(args);
    expect(res.status, `directory ${args.join(' ')}: ${res.stderr}`).to.equal(0);
    return res.stdout;
  };

  it('rotates on every issue: without --grace-seconds the earlier tokens end after one day, not never', async () => {
    const { tenant, scimToken } = await makeTenantWithTokens('cli');
    const before = Date.now();
    const issued = JSON.parse(await cli('token', 'issue', tenant.slug, '--kind', 'scim', '--json')) as {
      token: string;
      credentialId: string;
      previousTokensGraceSeconds: number;
    };
    expect(issued.previousTokensGraceSeconds).to.equal(86_400);
    const listed = JSON.parse(await cli('token', 'list', tenant.slug, '--kind', 'scim', '--json')) as {
      id: string;
      expiresAt: string | null;
      live: boolean;
    }[];
    expect(listed).to.have.length(2);
    const [newest, previous] = listed;
    expect(newest).to.include({ id: issued.credentialId, expiresAt: null, live: true });
    expect(new Date(previous!.expiresAt!).getTime()).to.be.within(
      before + 86_390_000,
      Date.now() + 86_400_000,
    );
    // Both work during the grace period.
    invalidateCredentialCache();
    expect((await scim(tenant.slug, scimToken).users()).status).to.equal(200);
    expect((await scim(tenant.slug, issued.token).users()).status).to.equal(200);
    // The listing shows metadata only.
    const text = await cli('token', 'list', tenant.slug, '--all');
    expect(text).to.contain(issued.credentialId);
    expect(text).not.to.contain(issued.token);
    expect(text).not.to.contain(scimToken);
  });

  it('revokes one token at once, lists retired ones with --all, and issues tokens that expire', async () => {
    const { tenant, scimToken, adminToken } = await makeTenantWithTokens('cli');
    const all = async () =>
      JSON.parse(await cli('token', 'list', tenant.slug, '--all', '--json')) as {
        id: string;
        kind: string;
        live: boolean;
      }[];
    const scimId = (await all()).find((t) => t.kind === 'scim')!.id;
    const revoked = JSON.parse(await cli('token', 'revoke', tenant.slug, scimId, '--json')) as {
      live: boolean;
    };
    expect(revoked.live).to.equal(false);
    invalidateCredentialCache();
    expect((await scim(tenant.slug, scimToken).users()).status).to.equal(401);
    // Only the SCIM token went: the admin token still works.
    expect((await gql({ url: server.baseUrl }, adminToken, '{ tenant { slug } }')).status).to.equal(200);
    expect((await all()).find((t) => t.id === scimId)!.live).to.equal(false);

    const unknown = await directoryCli(['token', 'revoke', tenant.slug, guid()]);
    expect(unknown.status).to.equal(1);
    expect(unknown.stderr).to.contain('not found');

    // --quiet prints the token alone (README: TOKEN=$(npx directory token issue … --quiet)).
    const short = (
      await cli('token', 'issue', tenant.slug, '--kind', 'scim', '--expires-in', '2s', '--quiet')
    ).trim();
    expect(short).to.match(/^dscim_[\w-]{43}$/);
    invalidateCredentialCache();
    expect((await scim(tenant.slug, short).users()).status).to.equal(200);
    await new Promise((r) => setTimeout(r, 2100));
    invalidateCredentialCache();
    expect((await scim(tenant.slug, short).users()).status).to.equal(401);
  });

  it('lists and revokes tokens through GraphQL, for admins only', async () => {
    const { tenant, scimToken, adminToken } = await makeTenantWithTokens('gql');
    const api = { url: server.baseUrl };
    const list = await gql(api, adminToken, '{ tokens { id kind label live expiresAt } }');
    expect(list.errors).to.equal(undefined);
    const tokens = list.data!.tokens as { id: string; kind: string }[];
    expect(tokens.map((t) => t.kind).sort()).to.deep.equal(['ADMIN', 'SCIM']);
    const scimId = tokens.find((t) => t.kind === 'SCIM')!.id;
    const revoked = await gql(api, adminToken, 'mutation($id: ID!) { revokeToken(id: $id) { id live } }', {
      id: scimId,
    });
    expect(revoked.data!.revokeToken).to.deep.equal({ id: scimId, live: false });
    expect((await scim(tenant.slug, scimToken).users()).status).to.equal(401);
    const retired = await gql(api, adminToken, '{ tokens(kind: SCIM, includeRetired: true) { id live } }');
    expect(retired.data!.tokens).to.deep.equal([{ id: scimId, live: false }]);

    const issued = await gql(
      api,
      adminToken,
      'mutation { issueScimToken(expiresInSeconds: 3600) { token credential { expiresAt } } }',
    );
    const expiresAt = new Date(issued.data!.issueScimToken.credential.expiresAt as string).getTime();
    expect(expiresAt).to.be.within(Date.now() + 3_590_000, Date.now() + 3_600_000);
    const tooLong = await gql(api, adminToken, 'mutation { issueScimToken(expiresInSeconds: 0) { token } }');
    expect(tooLong.errors?.[0]?.extensions).to.deep.include({
      code: 'BAD_USER_INPUT',
      path: 'expiresInSeconds',
    });
  });

  it('retires a bootstrap token for good: rotated away, it stays refused after a restart', async () => {
    const slug = `boot-${guid().slice(0, 8)}`;
    const scimSecret = `bootstrap-scim-${guid()}`;
    const adminSecret = `bootstrap-admin-${guid()}`;
    const logs: { msg: string; kind?: string }[] = [];
    const logger = createLogger(
      'info',
      new Writable({
        write(chunk: Buffer, _e, cb) {
          for (const l of chunk.toString().split('\n')) if (l.trim()) logs.push(JSON.parse(l));
          cb();
        },
      }),
    );
    const config = parseConfig({
      NODE_ENV: 'test',
      DIRECTORY_BOOTSTRAP_TENANT: slug,
      DIRECTORY_BOOTSTRAP_SCIM_TOKEN: scimSecret,
      DIRECTORY_BOOTSTRAP_ADMIN_TOKEN: adminSecret,
    });
    // A start, then a restart with the same environment: the tokens work.
    await bootstrap(config, logger);
    await bootstrap(config, logger);
    invalidateCredentialCache();
    expect((await scim(slug, scimSecret).users()).status).to.equal(200);

    // An operator rotates the SCIM token with the CLI (no grace): the bootstrap token stops…
    const next = (
      await cli('token', 'issue', slug, '--kind', 'scim', '--grace-seconds', '0', '--quiet')
    ).trim();
    invalidateCredentialCache();
    expect((await scim(slug, scimSecret).users()).status).to.equal(401);
    // …and a restart with the same environment does not bring it back (it answered 200 here before).
    await bootstrap(config, logger);
    invalidateCredentialCache();
    expect((await scim(slug, scimSecret).users()).status).to.equal(401);
    expect((await scim(slug, next).users()).status).to.equal(200);
    expect(logs.some((l) => l.kind === 'scim' && /retired/.test(l.msg))).to.equal(true);
    // The admin bootstrap token was not rotated: it still works.
    expect((await gql({ url: server.baseUrl }, adminSecret, '{ tenant { slug } }')).status).to.equal(200);

    // A different token in the variable, while the tenant has tokens of that kind, is not stored either.
    const other = `bootstrap-scim-${guid()}`;
    await bootstrap({ ...config, DIRECTORY_BOOTSTRAP_SCIM_TOKEN: other }, logger);
    invalidateCredentialCache();
    expect((await scim(slug, other).users()).status).to.equal(401);
    expect(JSON.stringify(logs)).not.to.contain(scimSecret);
    expect(JSON.stringify(logs)).not.to.contain(adminSecret);
  });

  it('seeds a bootstrap token only into a tenant without tokens of its kind', async () => {
    const t = await makeTenant('boot');
    const secret = `bootstrap-admin-${guid()}`;
    const config = parseConfig({
      NODE_ENV: 'test',
      DIRECTORY_BOOTSTRAP_TENANT: t.slug,
      DIRECTORY_BOOTSTRAP_ADMIN_TOKEN: secret,
    });
    await bootstrap(config, createLogger('silent'));
    expect((await gql({ url: server.baseUrl }, secret, '{ tenant { slug } }')).status).to.equal(200);
  });
});
