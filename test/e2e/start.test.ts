import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { testPostgresqlUrl } from '../helpers/embedded.js';
import { cli, runService, startService } from '../helpers/service-process.js';

/**
 * The service as an operator runs it: `src/main.ts` in its own process with the zero-config embedded database in
 * a fresh DATA_DIR, the bootstrap variables, the `directory` CLI against the same (running) database, and a
 * graceful stop on SIGTERM.
 */
describe('service start-up, bootstrap, CLI and shutdown (separate processes)', function () {
  this.timeout(180_000);
  let dataDir: string;

  before(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'directory-start-'));
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('starts with the embedded database, bootstraps a tenant, shares the database with the CLI, and stops cleanly', async () => {
    const scimSecret = 'bootstrap-scim-secret-0123456789';
    const adminSecret = 'bootstrap-admin-secret-0123456789';
    const env = {
      DATA_DIR: dataDir,
      DIRECTORY_BOOTSTRAP_TENANT: 'contoso',
      DIRECTORY_BOOTSTRAP_SCIM_TOKEN: scimSecret,
      DIRECTORY_BOOTSTRAP_ADMIN_TOKEN: adminSecret,
    };
    const { child, url, log } = await startService(env);
    try {
      expect((await fetch(`${url}/healthz`)).status).to.equal(200);
      const ready = await fetch(`${url}/readyz`);
      expect(ready.status).to.equal(200);
      expect(await ready.json()).to.deep.equal({ status: 'ready' });
      expect(existsSync(path.join(dataDir, 'embedded-database.json'))).to.equal(true);

      // The CLI finds the running service's embedded database and sees the bootstrapped tenant.
      const list = cli(['tenant', 'list', '--json'], { DATA_DIR: dataDir });
      expect(list.status, list.stderr).to.equal(0);
      const tenants = JSON.parse(list.stdout) as { slug: string; scimEnabled: boolean }[];
      expect(tenants.map((t) => t.slug)).to.deep.equal(['contoso']);

      const created = cli(['tenant', 'create', 'fabrikam', '--name', 'Fabrikam Inc', '--json'], {
        DATA_DIR: dataDir,
      });
      expect(created.status, created.stderr).to.equal(0);
      expect(JSON.parse(created.stdout)).to.include({
        slug: 'fabrikam',
        name: 'Fabrikam Inc',
        scimEnabled: true,
      });
      const dup = cli(['tenant', 'create', 'fabrikam'], { DATA_DIR: dataDir });
      expect(dup.status).to.equal(1);
      expect(dup.stderr).to.contain('already exists');

      const issued = cli(['token', 'issue', 'fabrikam', '--kind', 'scim', '--json'], { DATA_DIR: dataDir });
      expect(issued.status, issued.stderr).to.equal(0);
      const { token } = JSON.parse(issued.stdout) as { token: string };
      expect(token).to.match(/^dscim_[A-Za-z0-9_-]{43}$/);

      const bad = cli(['token', 'issue', 'fabrikam', '--kind', 'root'], { DATA_DIR: dataDir });
      expect(bad.status).to.equal(2);

      // Secrets never reach the logs.
      expect(log()).not.to.contain(scimSecret);
      expect(log()).not.to.contain(adminSecret);
    } finally {
      child.kill('SIGTERM');
    }
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).to.equal(0);
    expect(existsSync(path.join(dataDir, 'embedded-database.json'))).to.equal(false);
  });

  it('keeps the embedded database in PostgreSQL with EMBEDDED_POSTGRESQL_URL, in a DATA_DIR not made yet', async () => {
    // A PostgreSQL database of its own, dropped afterwards (psql comes with the PostgreSQL the suite needs anyway).
    const server = new URL(testPostgresqlUrl);
    const database = `directory_e2e_${process.pid}_${Date.now()}`;
    const psql = (sql: string, on: URL = server) => {
      const res = spawnSync('psql', [on.href, '-v', 'ON_ERROR_STOP=1', '-qtAc', sql], { encoding: 'utf8' });
      expect(res.status, res.stderr).to.equal(0);
      return res.stdout;
    };
    psql(`CREATE DATABASE ${database}`);
    const url = new URL(server.href);
    url.pathname = `/${database}`;
    const freshDir = path.join(dataDir, 'not-made-yet');
    const env = {
      DATA_DIR: freshDir,
      EMBEDDED_POSTGRESQL_URL: url.href,
      DIRECTORY_BOOTSTRAP_TENANT: 'northwind',
    };
    try {
      const { child, url: base } = await startService(env);
      try {
        expect((await fetch(`${base}/readyz`)).status).to.equal(200);
        expect(existsSync(path.join(freshDir, 'embedded-database.json'))).to.equal(true);
        const list = cli(['tenant', 'list', '--json'], { DATA_DIR: freshDir });
        expect(list.status, list.stderr).to.equal(0);
        expect((JSON.parse(list.stdout) as { slug: string }[]).map((t) => t.slug)).to.deep.equal([
          'northwind',
        ]);
      } finally {
        child.kill('SIGTERM');
      }
      expect(await new Promise<number | null>((resolve) => child.once('exit', resolve))).to.equal(0);
      // The data is in PostgreSQL (FerretDB keeps a database as a schema), not in files.
      const tables = psql(
        `SELECT count(*) FROM pg_tables WHERE schemaname = 'directory' AND tablename LIKE 'tenants_%'`,
        url,
      );
      expect(tables.trim()).to.equal('1');
    } finally {
      psql(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    }
  });

  it('refuses bad configuration with a message that names the variable', () => {
    const res = runService({ PORT: 'eighty', DATA_DIR: dataDir });
    expect(res.status).to.equal(2);
    expect(res.stderr).to.contain('PORT');
  });
});
