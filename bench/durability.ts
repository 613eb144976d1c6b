import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { projectRoot } from '../src/paths.js';
import { processTree } from './harness.js';

/**
 * `npm run bench -- --only durability [--rounds N --concurrency N]`
 *
 * Acknowledged writes under `kill -9`: the service as `npm start` runs it (its own process, the embedded database
 * under it), Entra-like writers (create a user, rename it a few times, delete some), and every few seconds a
 * `kill -9` of, in turn, the service (then started again on the same DATA_DIR), the embedded database program, and
 * PostgreSQL's postmaster (the service's supervisor restarts those). Each writer owns its users, so the last
 * acknowledged value of each is known; at the end every acknowledged create, rename and delete is checked. A write
 * in flight at a kill may land or not (it was never acknowledged); an acknowledged one must be there.
 */
/** Everything the service processes print (kept when a check fails). */
const serviceLog = path.join(tmpdir(), `directory-durability-${process.pid}.log`);

type Target = 'service' | 'database program' | 'postmaster';
const targets: Target[] = ['service', 'database program', 'postmaster'];

interface ScimUser {
  id: string;
  displayName?: string;
}

interface Tracked {
  id: string;
  userName: string;
  /** The last acknowledged displayName, and the highest one sent (it may have landed unacknowledged). */
  acked: number;
  sent: number;
  deleted: 'no' | 'sent' | 'acked';
}

export async function runDurability(opts: { rounds: number; concurrency: number }): Promise<void> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'directory-durability-'));
  const token = randomBytes(32).toString('base64url');
  const env = {
    ...process.env,
    PORT: '0',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'info',
    DIRECTORY_BOOTSTRAP_TENANT: 'durable',
    DIRECTORY_BOOTSTRAP_SCIM_TOKEN: token,
    SCIM_RATE_LIMIT_PER_SECOND: '100000',
  };
  let service = await start(env);
  const users: Tracked[] = [];
  const stats = { acknowledged: 0, refused: 0, failed: 0 };
  /** Milliseconds from each kill until /readyz answers 200 again. */
  const outages: Record<Target, number[]> = { service: [], 'database program': [], postmaster: [] };
  let stop = false;
  const started = Date.now();

  const call = async (
    method: string,
    p: string,
    body?: unknown,
  ): Promise<{ status: number; body: ScimUser }> => {
    const res = await fetch(`${service.url}/scim/v2/tenants/durable${p}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(15_000),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : {}) as ScimUser };
  };
  /** One request; true when acknowledged (2xx). Network errors and 5xx are not acknowledgements. */
  const attempt = async (method: string, p: string, body?: unknown, ok?: (b: ScimUser) => void) => {
    try {
      const r = await call(method, p, body);
      if (r.status < 300) {
        stats.acknowledged++;
        ok?.(r.body);
        return true;
      }
      if (r.status < 500) stats.refused++;
      else stats.failed++;
    } catch {
      stats.failed++;
    }
    await sleep(50); // the service or its database is restarting
    return false;
  };

  const writer = async (w: number) => {
    for (let k = 0; !stop; k++) {
      const userName = `w${w}-${k}@durable.example`;
      let created: Tracked | undefined;
      await attempt('POST', '/Users', { userName, active: true, displayName: 'v0' }, (b) => {
        created = { id: b.id, userName, acked: 0, sent: 0, deleted: 'no' };
        users.push(created);
      });
      if (!created) continue;
      for (let v = 1; v <= 3 && !stop; v++) {
        created.sent = v;
        const op = { op: 'Replace', path: 'displayName', value: `v${v}` };
        const patch = { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [op] };
        if (await attempt('PATCH', `/Users/${created.id}`, patch)) created.acked = v;
        else break; // the next value would race the unacknowledged one if it landed late; move on
      }
      if (k % 4 === 3 && !stop) {
        created.deleted = 'sent';
        if (await attempt('DELETE', `/Users/${created.id}`)) created.deleted = 'acked';
      }
    }
  };

  const writers = Array.from({ length: opts.concurrency }, (_, w) => writer(w));
  try {
    for (let round = 0; round < opts.rounds; round++) {
      await sleep(2000 + Math.random() * 3000);
      const target = targets[round % targets.length]!;
      const pid = victim(service.child.pid!, target);
      const killedAt = Date.now();
      process.kill(pid, 'SIGKILL');
      console.log(`round ${round + 1}: kill -9 ${target} (pid ${pid}) after ${users.length} users`);
      if (target === 'service') {
        await new Promise((r) => service.child.once('exit', r));
        await waitForRelease(dataDir);
        service = await start(env);
      }
      await ready(service.url);
      outages[target].push(Date.now() - killedAt);
    }
    await sleep(2000);
  } finally {
    stop = true;
    await Promise.all(writers);
  }

  // Every acknowledged write, read back (once the service answers again after the last kill).
  await ready(service.url);
  let lost = 0;
  const problems: string[] = [];
  for (const u of users) {
    const r = await call('GET', `/Users/${u.id}`);
    if (u.deleted === 'acked') {
      if (r.status !== 404) problems.push(`${u.userName}: deleted (acknowledged) but answers ${r.status}`);
      continue;
    }
    if (r.status === 404 && u.deleted === 'sent') continue; // the unacknowledged delete landed
    if (r.status !== 200) {
      lost++;
      problems.push(`${u.userName}: created (acknowledged) but answers ${r.status}`);
      continue;
    }
    const v = Number(String(r.body.displayName).slice(1));
    if (v < u.acked || v > u.sent) {
      lost++;
      problems.push(`${u.userName}: displayName v${v}, acknowledged v${u.acked}, sent up to v${u.sent}`);
    }
  }
  console.log(
    `\ndurability: ${opts.rounds} kill -9 rounds (${targets.map((t) => `${t} ${outages[t].length}`).join(', ')}) ` +
      `in ${((Date.now() - started) / 1000).toFixed(0)} s; ` +
      `${stats.acknowledged} writes acknowledged, ${stats.failed} failed during outages, ${stats.refused} refused; ` +
      `${users.length} users checked; acknowledged writes lost: ${lost}`,
  );
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length / 1000 : 0);
  console.log(
    `ready again after a kill -9 of the ${targets.map((t) => `${t}: ${mean(outages[t]).toFixed(1)} s`).join(', ')} (mean)`,
  );
  for (const p of problems.slice(0, 20)) console.log(`  ${p}`);
  await stopService(service.child);
  rmSync(dataDir, { recursive: true, force: true });
  if (problems.length > 0) {
    console.log(`the service's log: ${serviceLog}`);
    process.exitCode = 1;
  } else rmSync(serviceLog, { force: true });
}

interface Service {
  child: ChildProcess;
  url: string;
}

/** Starts `src/main.ts` in its own process group and resolves once it is ready. */
async function start(env: NodeJS.ProcessEnv): Promise<Service> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(projectRoot, 'src/main.ts')], {
    cwd: projectRoot,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => appendFileSync(serviceLog, d));
  let stderr = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => {
      appendFileSync(serviceLog, d);
      stderr += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(stderr);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`service exited with ${code}:\n${stderr}`)));
  });
  await ready(url);
  return { child, url };
}

async function ready(url: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    try {
      if ((await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2000) })).ok) return;
    } catch {
      // not yet
    }
    await sleep(100);
  }
  throw new Error('the service did not become ready within 60 s');
}

/** The process to kill: the service, the database program under it, or the PostgreSQL postmaster under that. */
function victim(servicePid: number, target: Target): number {
  if (target === 'service') return servicePid;
  const tree = processTree(servicePid).slice(1);
  const comm = (pid: number) => {
    try {
      return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    } catch {
      return '';
    }
  };
  const parent = (pid: number) =>
    Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
  const program = tree.find((pid) => comm(pid).startsWith('ferretdb'));
  if (!program) throw new Error('no embedded database program under the service');
  if (target === 'database program') return program;
  const postmaster = tree.find((pid) => comm(pid) === 'postgres' && parent(pid) === program);
  if (!postmaster) throw new Error('no PostgreSQL postmaster under the embedded database program');
  return postmaster;
}

/** After a kill -9 of the service, its database stops by itself (parent-death signal); wait for the lock. */
async function waitForRelease(dataDir: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const holders = processTree(1).filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dataDir);
      } catch {
        return false;
      }
    });
    if (holders.length === 0) return;
    await sleep(100);
  }
}

async function stopService(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  process.kill(-child.pid!, 'SIGTERM');
  await Promise.race([exited, sleep(20_000)]);
}
