import { readdirSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { randomBytes, randomUUID } from 'node:crypto';
import { connectDatabase, disconnectDatabase } from '../src/db/connection.js';
import { startEmbeddedDatabase, type EmbeddedDatabase } from '../src/db/embedded/process.js';
import { projectRoot } from '../src/paths.js';
import { createContext } from '../src/services/context.js';
import { issueToken } from '../src/services/credentials.js';
import { createTenant } from '../src/services/tenants.js';
import { startService } from '../test/helpers/service-process.js';
import type { PhaseReply, PhaseRequest, RequestSpec } from './loadgen.js';

export type { RequestSpec };

export interface PhaseResult {
  name: string;
  requests: number;
  errors: number;
  seconds: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  /** Database commands the service sent per request (its /metrics). */
  dbCommandsPerRequest: number;
  /** Of which writes of the batched audit and provisioning logs. */
  batchedLogWritesPerRequest: number;
  /** CPU of the service process (every thread) per request, ms. */
  cpuMsPerRequest: number;
  /**
   * CPU of the database processes per request, ms: the embedded database program and PostgreSQL with its backends
   * (background workers such as autovacuum included); 0 with MONGODB_URI.
   */
  databaseCpuMsPerRequest: number;
  /** Status codes seen, with counts (errors = any status >= 400 unless the phase expects it). */
  statuses: Record<number, number>;
  responses?: { status: number; body: unknown }[];
}

export interface BenchTenant {
  slug: string;
  tenantId: string;
  scimToken: string;
  adminToken: string;
}

export interface BenchContext {
  baseUrl: string;
  concurrency: number;
  makeTenant(): Promise<BenchTenant>;
  /**
   * Waits until the embedded database is idle after a bulk load (its processes below a tenth of a core over 2 s;
   * at most 2 minutes), so that the reads measure the queries and not PostgreSQL's autovacuum of the rows just
   * seeded; returns the seconds waited (0 with MONGODB_URI, whose server is not this process's child).
   */
  settle(): Promise<number>;
  /**
   * Runs `requests` against the service with `concurrency` requests in flight (default: the run's), and measures
   * them. `expectStatus` lists statuses that are not errors (default: any 2xx).
   */
  phase(
    name: string,
    requests: RequestSpec[],
    /** `warmUp`: runs the requests unmeasured (nothing printed), so that what follows meets a warm service. */
    opts?: { concurrency?: number; keepResponses?: boolean; expectStatus?: number[]; warmUp?: boolean },
  ): Promise<PhaseResult>;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Peak resident memory (MiB) of a process, from /proc/<pid>/status VmHWM. */
export function peakRssMiB(pid: number | 'self' = 'self'): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

/** This process and all its descendants (the embedded database program, PostgreSQL and its backends). */
export function processTree(root: number): number[] {
  const out: number[] = [];
  const visit = (pid: number) => {
    out.push(pid);
    let tasks: string[] = [];
    try {
      tasks = readdirSync(`/proc/${pid}/task`);
    } catch {
      return; // gone meanwhile
    }
    for (const tid of tasks) {
      let children = '';
      try {
        children = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8');
      } catch {
        continue;
      }
      for (const c of children.split(' ')) if (c.trim()) visit(Number(c));
    }
  };
  visit(root);
  return out;
}

/** Proportional set size (MiB) of processes: shared memory (PostgreSQL's buffers) counted once in all. */
function pssMiB(pids: number[]): number {
  let kb = 0;
  for (const pid of pids) {
    try {
      const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
      kb += m ? Number(m[1]) : 0;
    } catch {
      // gone meanwhile
    }
  }
  return kb / 1024;
}

/** CPU seconds (user + system) a process has used so far; 0 once it is gone. */
function cpuSeconds(pid: number): number {
  try {
    // the fields after the command (which may hold spaces) start at the last ')'; utime and stime are 14 and 15
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // clock ticks (USER_HZ = 100 on Linux)
  } catch {
    return 0;
  }
}

/**
 * CPU seconds the database processes used between two samples, counting those of the second: a process that came
 * meanwhile (an autovacuum worker, a new backend) counts whole.
 */
function databaseCpuSince(before: Map<number, number>, now: Map<number, number>): number {
  let used = 0;
  for (const [p, cpu] of now) used += cpu - (before.get(p) ?? 0);
  return used;
}

/** The database processes: this process's descendants outside the service's tree. */
function databaseProcesses(servicePid: number): number[] {
  const serviceTree = new Set(processTree(servicePid));
  return processTree(process.pid).filter((p) => p !== process.pid && !serviceTree.has(p));
}

/**
 * Samples every 2 seconds the memory of the service process (`servicePid`) and of the database processes (this
 * process's other descendants: the embedded database program, PostgreSQL and its backends); `peak` is the largest
 * sum seen, split at that moment. The bench process itself (the seeding, the load generator) is not counted.
 */
export function memorySampler(servicePid: number): {
  peak(): { total: number; service: number; database: number };
  stop(): void;
} {
  let peak = { total: 0, service: 0, database: 0 };
  const sample = () => {
    const service = pssMiB([servicePid]);
    const database = pssMiB(databaseProcesses(servicePid));
    if (service + database > peak.total) peak = { total: service + database, service, database };
  };
  const timer = setInterval(sample, 2000);
  timer.unref();
  return {
    peak: () => peak,
    stop() {
      sample();
      clearInterval(timer);
    },
  };
}

/**
 * Starts a throwaway embedded database (or uses MONGODB_URI) and the service as a process of its own (`dist/`,
 * built by `npm run bench` when stale), over the same database; this process seeds through the service layer and
 * drives the service over HTTP from a worker-thread load generator. Returns the context the suites use, the
 * service's pid and a stop function.
 */
export async function startBench(concurrency: number): Promise<{
  ctx: BenchContext;
  servicePid: number;
  stop(): Promise<void>;
}> {
  let embedded: EmbeddedDatabase | undefined;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'directory-bench-'));
  let uri = process.env.MONGODB_URI;
  if (!uri) {
    embedded = await startEmbeddedDatabase({
      dataDir,
      postgresqlUrl: process.env.BENCH_EMBEDDED_POSTGRESQL_URL,
      binDir: path.join(projectRoot, '.cache/ferretdb'),
      onProgress: (m) => console.error(`[bench database] ${m}`),
    });
    uri = withDatabaseName(embedded.uri, 'directory_bench');
  }
  // this process's connection: the schema (the embedded database's search indexes too), the seeding
  await connectDatabase(uri, { embedded: embedded !== undefined });

  const metricsToken = randomUUID();
  const service = await startService(
    {
      LOG_LEVEL: process.env.BENCH_SERVICE_LOG_LEVEL ?? 'warn',
      NODE_ENV: 'production',
      MONGODB_URI: uri,
      DATA_DIR: dataDir,
      METRICS_TOKEN: metricsToken,
      SESSION_SECRET: randomBytes(48).toString('base64'),
      // The benchmark measures the service, not the rate limiters (SCIM per tenant, GraphQL per principal).
      SCIM_RATE_LIMIT_PER_SECOND: '100000',
      GRAPHQL_RATE_LIMIT_PER_SECOND: '100000',
    },
    'dist',
  );
  const baseUrl = service.url;
  /** The service's database commands (by collection) and CPU seconds so far, from its /metrics. */
  const serviceCounters = async () => {
    const text = await (
      await fetch(`${baseUrl}/metrics`, { headers: { authorization: `Bearer ${metricsToken}` } })
    ).text();
    const commands = new Map<string, number>();
    let cpuSeconds = 0;
    for (const line of text.split('\n')) {
      const m = /^database_commands_total\{.*collection="([^"]*)".*\} (\S+)$/.exec(line);
      if (m) commands.set(m[1]!, (commands.get(m[1]!) ?? 0) + Number(m[2]));
      const cpu = /^directory_process_cpu_seconds_total (\S+)$/.exec(line);
      if (cpu) cpuSeconds = Number(cpu[1]);
    }
    return { commands, cpuSeconds };
  };

  const worker = new Worker(new URL('./loadgen-worker.mjs', import.meta.url));
  const send = (msg: PhaseRequest) =>
    new Promise<PhaseReply>((resolve, reject) => {
      worker.once('message', (m: { ok: boolean; reply?: PhaseReply; error?: string }) =>
        m.ok ? resolve(m.reply!) : reject(new Error(m.error)),
      );
      worker.postMessage(msg);
    });

  /** CPU seconds so far of each database process. */
  const databaseCpu = () =>
    new Map(databaseProcesses(service.child.pid!).map((p) => [p, cpuSeconds(p)] as const));

  const ctx: BenchContext = {
    baseUrl,
    concurrency,
    async settle() {
      const started = Date.now();
      for (let before = databaseCpu(); Date.now() - started < 120_000;) {
        await new Promise((r) => setTimeout(r, 2000));
        const now = databaseCpu();
        if (databaseCpuSince(before, now) < 0.2) break; // below a tenth of a core
        before = now;
      }
      return Math.round((Date.now() - started) / 1000);
    },
    async makeTenant() {
      const tenant = await createTenant({ slug: `bench-${randomUUID().slice(0, 8)}` }, 'system');
      const c = createContext({ tenantId: tenant.id, source: 'cli' });
      return {
        slug: tenant.slug,
        tenantId: tenant.id,
        scimToken: (await issueToken(c, 'scim')).token,
        adminToken: (await issueToken(c, 'admin')).token,
      };
    },
    async phase(name, requests, opts = {}) {
      const before = await serviceCounters();
      const databaseBefore = databaseCpu();
      const reply = await send({
        baseUrl,
        requests,
        concurrency: opts.concurrency ?? concurrency,
        keepResponses: !!opts.keepResponses,
      });
      const after = await serviceCounters();
      const databaseSeconds = databaseCpuSince(databaseBefore, databaseCpu());
      const commands = (collections?: (c: string) => boolean) =>
        [...after.commands].reduce(
          (sum, [c, n]) => sum + (collections && !collections(c) ? 0 : n - (before.commands.get(c) ?? 0)),
          0,
        );
      const sorted = [...reply.latenciesMs].sort((a, b) => a - b);
      const statuses: Record<number, number> = {};
      for (const s of reply.statuses) statuses[s] = (statuses[s] ?? 0) + 1;
      const ok = (s: number) => (opts.expectStatus ? opts.expectStatus.includes(s) : s >= 200 && s < 300);
      const n = requests.length || 1;
      const result: PhaseResult = {
        name,
        requests: requests.length,
        errors: reply.statuses.filter((s) => !ok(s)).length,
        seconds: reply.seconds,
        rps: requests.length / reply.seconds,
        p50: percentile(sorted, 50),
        p95: percentile(sorted, 95),
        p99: percentile(sorted, 99),
        dbCommandsPerRequest: commands() / n,
        batchedLogWritesPerRequest: commands((c) => batchedLogCollections.has(c)) / n,
        cpuMsPerRequest: ((after.cpuSeconds - before.cpuSeconds) * 1000) / n,
        databaseCpuMsPerRequest: (databaseSeconds * 1000) / n,
        statuses,
        ...(reply.responses ? { responses: reply.responses } : {}),
      };
      if (!opts.warmUp) printRow(result);
      return result;
    },
  };

  return {
    ctx,
    servicePid: service.child.pid!,
    async stop() {
      await worker.terminate();
      service.child.kill('SIGTERM');
      await service.exited;
      await disconnectDatabase();
      await embedded?.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The collections the service writes in batches, apart from the requests (audit events, the provisioning log). */
const batchedLogCollections = new Set(['auditevents', 'provisioninglogs']);

/** A connection string naming a database (the embedded database's has none). */
function withDatabaseName(uri: string, name: string): string {
  const u = /^(mongodb:\/\/[^/?]+)\/?([^?]*)(\?.*)?$/.exec(uri);
  if (!u) throw new Error(`not a mongodb:// connection string: ${uri}`);
  return `${u[1]}/${name}${u[3] ?? ''}`;
}

export function printHeader(): void {
  console.log(
    [
      'operation'.padEnd(44),
      'requests'.padStart(8),
      'errors'.padStart(6),
      'req/s'.padStart(8),
      'p50 ms'.padStart(8),
      'p95 ms'.padStart(8),
      'p99 ms'.padStart(8),
      'db cmd/req'.padStart(10),
      'cpu ms/req'.padStart(10),
      'db cpu ms/req'.padStart(13),
    ].join(' '),
  );
}

function printRow(r: PhaseResult): void {
  console.log(
    [
      r.name.padEnd(44),
      String(r.requests).padStart(8),
      String(r.errors).padStart(6),
      r.rps.toFixed(1).padStart(8),
      r.p50.toFixed(1).padStart(8),
      r.p95.toFixed(1).padStart(8),
      r.p99.toFixed(1).padStart(8),
      r.dbCommandsPerRequest.toFixed(2).padStart(10),
      r.cpuMsPerRequest.toFixed(2).padStart(10),
      r.databaseCpuMsPerRequest.toFixed(2).padStart(13),
    ].join(' '),
  );
}
