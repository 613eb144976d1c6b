import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { startTestDatabase } from '../helpers/embedded.js';
import { cli, runService, startService } from '../helpers/service-process.js';

/**
 * The service as an operator runs it: `src/main.ts` in its own process with the zero-config embedded database in
 * a fresh DATA_DIR, the bootstrap variables, the `directory` CLI against the same (running) database, one service
 * per DATA_DIR, supervision of the database process, and a graceful stop on SIGTERM.
 */
describe('service start-up, bootstrap, CLI and shutdown (separate processes)', function () {
  this.timeout(240_000);
  let dataDir: string;

  beforeEach(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'directory-start-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

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
    // Both database processes are gone with it.
    expect(databaseProcesses(dataDir)).to.deep.equal([]);
  });

  it('keeps the database closed: Unix sockets in an owner-only folder, no TCP port', async () => {
    const { child } = await startService({ DATA_DIR: dataDir });
    try {
      const run = path.join(dataDir, 'run');
      expect(statSync(run).mode & 0o777).to.equal(0o700);
      expect(readdirSync(run).sort()).to.deep.equal(['.s.PGSQL.5432', '.s.PGSQL.5432.lock', 'mongodb.sock']);
      const pids = databaseProcesses(dataDir);
      expect(pids.length, 'FerretDB and PostgreSQL processes').to.be.greaterThan(1);
      expect(tcpListeners(pids)).to.deep.equal([]);
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  });

  it('runs one service per DATA_DIR: a second start exits non-zero naming the directory', async () => {
    const first = await startService({ DATA_DIR: dataDir, DIRECTORY_BOOTSTRAP_TENANT: 'contoso' });
    try {
      const second = runService({ DATA_DIR: dataDir });
      expect(second.status).to.not.equal(0);
      expect(second.stderr).to.contain(dataDir);
      expect(second.stderr).to.match(/another process \(pid \d+\) uses the database/);
      // The first one is unharmed.
      expect((await fetch(`${first.url}/readyz`)).status).to.equal(200);
      const list = cli(['tenant', 'list', '--json'], { DATA_DIR: dataDir });
      expect(list.status, list.stderr).to.equal(0);
    } finally {
      first.child.kill('SIGTERM');
      await first.exited;
    }
  });

  it('restarts the database when it dies, answers 503 (never 500, never "ready") meanwhile, and keeps what was written', async () => {
    const scimToken = 'scim-secret-0123456789abcdef';
    const { child, url, log } = await startService({
      DATA_DIR: dataDir,
      DIRECTORY_BOOTSTRAP_TENANT: 'contoso',
      DIRECTORY_BOOTSTRAP_SCIM_TOKEN: scimToken,
      DIRECTORY_BOOTSTRAP_ADMIN_TOKEN: 'admin-secret-0123456789abcdef',
    });
    /**
     * The status of a SCIM list and of /readyz; 0 when a request failed or got no answer within 8 s: the restart's
     * back-off (0.5 s, then 1 s), the program's start and the driver's next heartbeat (1 s on the embedded
     * database) fit in it. With the driver's default heartbeat (10 s) a request that came while the database was
     * down waited for the heartbeat after the restart, and for a second one when its retry met the same wait: up
     * to 20 s.
     */
    const status = async (path: string, auth: boolean): Promise<number> => {
      try {
        const res = await fetch(`${url}${path}`, {
          headers: auth ? { authorization: `Bearer ${scimToken}` } : {},
          signal: AbortSignal.timeout(8_000),
        });
        await res.arrayBuffer();
        return res.status;
      } catch {
        return 0;
      }
    };
    const users = () => status('/scim/v2/tenants/contoso/Users?count=1', true);
    try {
      for (const victim of ['ferretdb-embedded', 'ferretdb-embedded', 'postgres']) {
        const pid = databaseProcesses(dataDir).find((p) => processName(p).startsWith(victim))!;
        expect(pid, victim).to.be.a('number');
        const killed = Date.now();
        process.kill(pid, 'SIGKILL');
        // Until the database is back, a request answers 503 and /readyz does not say ready. (The program under
        // PostgreSQL used to answer FerretDB's ping, and requests 500, for seconds after PostgreSQL was gone.)
        const timeline: string[] = [];
        const why = () =>
          `${victim}: ${timeline.join(', ')}\nthe service's errors:\n${errorLines(log())}\n` +
          `its last requests: ${requestLines(log()).slice(-6).join(', ')}\n` +
          `database processes: ${databaseProcesses(dataDir).map(processName).join(', ')}`;
        for (let back = false; !back;) {
          expect(Date.now() - killed, `not back within 60 s: ${why()}`).to.be.below(60_000);
          const scim = await users();
          const ready = await status('/readyz', false);
          timeline.push(`${Date.now() - killed} ms: SCIM ${scim}, readyz ${ready}`);
          expect([200, 503], `statuses while down: ${why()}`).to.include(scim);
          back = ready === 200 && (await users()) === 200;
          if (!back) await new Promise((r) => setTimeout(r, 250));
        }
        const list = cli(['tenant', 'list', '--json'], { DATA_DIR: dataDir });
        expect(list.status, list.stderr).to.equal(0);
        expect((JSON.parse(list.stdout) as { slug: string }[]).map((t) => t.slug)).to.deep.equal(['contoso']);
      }
      expect(log()).to.contain('the embedded database was restarted');
      // The audit events and provisioning log of the requests around each restart were kept (a batch is tried
      // again until the database is back, and a retry of a batch already stored stores nothing twice).
      expect(errorLines(log())).not.to.contain('could not be written');
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  });

  it('exits non-zero when the database is gone for good', async () => {
    const svc = await startService({ DATA_DIR: dataDir });
    // A cluster this PostgreSQL cannot run: every restart fails.
    writeFileSync(path.join(dataDir, 'postgresql', 'PG_VERSION'), '9\n');
    process.kill(
      databaseProcesses(dataDir).find((p) => processName(p).startsWith('ferretdb-embedded'))!,
      'SIGKILL',
    );
    expect(await svc.exited).to.equal(1);
    expect(svc.log()).to.contain('giving up');
    expect(databaseProcesses(dataDir)).to.deep.equal([]);
  });

  it('keeps the data in an existing PostgreSQL database with EMBEDDED_POSTGRESQL_URL, in a DATA_DIR not made yet', async () => {
    // Another embedded cluster stands in for the PostgreSQL server (its socket, no password).
    const other = await startTestDatabase();
    try {
      const host = path.dirname(decodeURIComponent(new URL(other.uri).host));
      const freshDir = path.join(dataDir, 'not-made-yet');
      const { child, url } = await startService({
        DATA_DIR: freshDir,
        EMBEDDED_POSTGRESQL_URL: `postgres://ferretdb@/ferretdb?host=${encodeURIComponent(host)}`,
        DIRECTORY_BOOTSTRAP_TENANT: 'northwind',
      });
      try {
        expect((await fetch(`${url}/readyz`)).status).to.equal(200);
        // No cluster of its own: only the lock and the FerretDB socket.
        expect(readdirSync(freshDir).sort()).to.deep.equal(['lock', 'run']);
        const list = cli(['tenant', 'list', '--json'], { DATA_DIR: freshDir });
        expect(list.status, list.stderr).to.equal(0);
        expect((JSON.parse(list.stdout) as { slug: string }[]).map((t) => t.slug)).to.deep.equal([
          'northwind',
        ]);
      } finally {
        child.kill('SIGTERM');
      }
      expect(await new Promise<number | null>((resolve) => child.once('exit', resolve))).to.equal(0);
    } finally {
      await other.stop();
    }
  });

  it('refuses a DATA_DIR that holds the previous SQLite database, saying how to carry its data over', () => {
    writeFileSync(path.join(dataDir, 'directory.sqlite'), 'SQLite format 3\0');
    const res = runService({ DATA_DIR: dataDir });
    expect(res.status).to.equal(1);
    expect(res.stderr).to.contain('directory.sqlite').and.contain('directory backup').and.contain('restore');
    expect(readdirSync(dataDir)).to.deep.equal(['directory.sqlite']); // nothing started beside it
  });

  it('as root, refuses a DATA_DIR the postgres user cannot reach, naming the closed folder and the way out', function () {
    if (process.getuid?.() !== 0) this.skip(); // PostgreSQL runs as another user only when the service runs as root
    // dataDir is a mktemp -d folder: 0700, root's
    const res = runService({ DATA_DIR: path.join(dataDir, 'data') });
    expect(res.status).to.equal(1);
    expect(res.stderr)
      .to.contain(`the \`postgres\` user may not enter ${dataDir}`)
      .and.contain('Set DATA_DIR')
      .and.contain(`chmod o+x ${dataDir}`);
    expect(res.stderr).not.to.contain('initdb');
  });

  it('refuses bad configuration with a message that names the variable', () => {
    const res = runService({ PORT: 'eighty', DATA_DIR: dataDir });
    expect(res.status).to.equal(2);
    expect(res.stderr).to.contain('PORT');
  });
});

/** The processes of the embedded database in this data directory (FerretDB's program and PostgreSQL's). */
function databaseProcesses(dataDir: string): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
    .filter((pid) => {
      try {
        return (
          readFileSync(`/proc/${pid}/cmdline`, 'utf8')
            .split('\0')
            .includes(path.join(dataDir, 'postgresql')) ||
          readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(dataDir)
        );
      } catch {
        return false;
      }
    });
}

/** A process's program name; '' once it has exited (a process listed a moment ago may be gone). */
function processName(pid: number): string {
  try {
    return path.basename(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0]!);
  } catch {
    return '';
  }
}

/** TCP sockets in LISTEN state held by these processes. */
function tcpListeners(pids: number[]): string[] {
  const inodes = new Set<string>();
  for (const pid of pids) {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m) inodes.add(m[1]!);
      } catch {
        // closed meanwhile
      }
    }
  }
  const listening: string[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols[3] === '0A' && inodes.has(cols[9]!)) listening.push(`${table} ${cols[1]}`);
    }
  }
  return listening;
}

/** The requests the service logged, as "path status ms" (it logs each when it has answered). */
function requestLines(log: string): string[] {
  return log
    .split('\n')
    .filter((l) => l.includes('"msg":"request"'))
    .map((l) => {
      const r = JSON.parse(l) as { path: string; status: number; ms: number };
      return `${r.path} ${r.status} ${Math.round(r.ms)} ms`;
    });
}

/** The service's error-level log lines (pino level 50 and above), for a failure message. */
function errorLines(log: string): string {
  return log
    .split('\n')
    .filter((l) => /"level":(5|6)0/.test(l))
    .join('\n');
}
