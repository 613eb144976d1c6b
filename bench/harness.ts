import { readdirSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import http from 'node:http';
import { parseConfig } from '../src/config.js';
import { commandCounter, connectDatabase, disconnectDatabase } from '../src/db/connection.js';
import { startEmbeddedDatabase, type EmbeddedDatabase } from '../src/db/embedded/process.js';
import { projectRoot } from '../src/paths.js';
import { createContext } from '../src/services/context.js';
import { createLogger } from '../src/log.js';
import { buildApp } from '../src/server.js';
import { issueToken } from '../src/services/credentials.js';
import { createTenant } from '../src/services/tenants.js';
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
  dbCommandsPerRequest: number;
  /** Main-thread (service) CPU per request, ms. */
  cpuMsPerRequest: number;
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
   * Runs `requests` against the service with `concurrency` requests in flight (default: the run's), and measures
   * them. `expectStatus` lists statuses that are not errors (default: any 2xx).
   */
  phase(
    name: string,
    requests: RequestSpec[],
    opts?: { concurrency?: number; keepResponses?: boolean; expectStatus?: number[] },
  ): Promise<PhaseResult>;
}

const clockTicksPerSecond = 100; // Linux USER_HZ

/** CPU time (ms) of this process's main thread: utime + stime from /proc/self/task/<pid>/stat. */
function mainThreadCpuMs(): number {
  const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicksPerSecond;
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

type MemoryPeak = { total: number; service: number; database: number };

/**
 * Samples the memory of the service and its database (this process and its descendants) every 2 seconds, and at
 * the start and end of every measured phase. Two peaks: `load`, while phases run (the service answering requests,
 * with the load generator's worker thread, which shares this process), and `seeding`, outside the phases (start-up,
 * and the GraphQL suite's in-process seeding, which holds its generated data and garbage in this process: not the
 * service's memory).
 * Each is the largest sum seen, split into this process and the database processes at that moment. Before each
 * phase the heap is collected (`--expose-gc`), so garbage the seeding left is not counted as the service's.
 */
export function memorySampler(): {
  peaks(): { load: MemoryPeak; seeding: MemoryPeak };
  /** Marks a measured phase starting (true) or ending (false). */
  measuring(on: boolean): void;
  stop(): void;
} {
  const peaks = {
    load: { total: 0, service: 0, database: 0 },
    seeding: { total: 0, service: 0, database: 0 },
  };
  let inPhase = false;
  const sample = () => {
    const tree = processTree(process.pid);
    const service = pssMiB([process.pid]);
    const database = pssMiB(tree.slice(1));
    const key = inPhase ? 'load' : 'seeding';
    if (service + database > peaks[key].total) peaks[key] = { total: service + database, service, database };
  };
  sample();
  const timer = setInterval(sample, 2000);
  timer.unref();
  return {
    peaks: () => peaks,
    measuring(on) {
      sample(); // the end of what was going on
      if (on) (globalThis as { gc?: () => void }).gc?.();
      inPhase = on;
    },
    stop: () => clearInterval(timer),
  };
}

/**
 * Starts a throwaway embedded database (or uses MONGODB_URI) and the real service in this process's main thread,
 * with a worker-thread load generator. Returns the context the suites use and a stop function.
 */
export async function startBench(
  concurrency: number,
  memory?: { measuring(on: boolean): void },
): Promise<{
  ctx: BenchContext;
  stop(): Promise<void>;
}> {
  let embedded: EmbeddedDatabase | undefined;
  let dataDir: string | undefined;
  let uri = process.env.MONGODB_URI;
  if (!uri) {
    dataDir = mkdtempSync(path.join(tmpdir(), 'directory-bench-'));
    embedded = await startEmbeddedDatabase({
      dataDir,
      postgresqlUrl: process.env.BENCH_EMBEDDED_POSTGRESQL_URL,
      binDir: path.join(projectRoot, '.cache/ferretdb'),
      onProgress: (m) => console.error(`[bench database] ${m}`),
    });
    uri = embedded.uri;
  }
  await connectDatabase(uri, {
    ...(process.env.MONGODB_URI ? {} : { dbName: 'directory_bench' }),
    embedded: embedded !== undefined,
  });

  // The benchmark measures the service, not the rate limiters (SCIM per tenant, GraphQL per principal).
  const config = parseConfig({
    SCIM_RATE_LIMIT_PER_SECOND: '100000',
    GRAPHQL_RATE_LIMIT_PER_SECOND: '100000',
    ...process.env,
    LOG_LEVEL: 'silent',
    NODE_ENV: 'test',
  });
  let baseUrl = '';
  const built = await buildApp(config, createLogger('silent'), () => baseUrl);
  const server = http.createServer({ keepAlive: true }, built.app);
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const worker = new Worker(new URL('./loadgen-worker.mjs', import.meta.url));
  const send = (msg: PhaseRequest) =>
    new Promise<PhaseReply>((resolve, reject) => {
      worker.once('message', (m: { ok: boolean; reply?: PhaseReply; error?: string }) =>
        m.ok ? resolve(m.reply!) : reject(new Error(m.error)),
      );
      worker.postMessage(msg);
    });

  const ctx: BenchContext = {
    baseUrl,
    concurrency,
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
      memory?.measuring(true);
      const counter = commandCounter();
      const cpu0 = mainThreadCpuMs();
      const reply = await send({
        baseUrl,
        requests,
        concurrency: opts.concurrency ?? concurrency,
        keepResponses: !!opts.keepResponses,
      });
      const cpuMs = mainThreadCpuMs() - cpu0;
      counter.stop();
      memory?.measuring(false);
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
        dbCommandsPerRequest: counter.total() / n,
        cpuMsPerRequest: cpuMs / n,
        statuses,
        ...(reply.responses ? { responses: reply.responses } : {}),
      };
      printRow(result);
      return result;
    },
  };

  return {
    ctx,
    async stop() {
      await worker.terminate();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await built.stop();
      await disconnectDatabase();
      await embedded?.stop();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
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
    ].join(' '),
  );
}
