/**
 * Measures how a flood of requests with bad tokens slows a tenant's own SCIM lookups (issue 12, item 6). Not a
 * test: run it by hand, with and without the per-address limit, and compare.
 *
 *   npx tsx test/measure/unauthenticated-flood.ts                                        # default limit
 *   UNAUTHENTICATED_RATE_LIMIT_PER_MINUTE=1000000000 npx tsx test/measure/unauthenticated-flood.ts   # no limit
 *
 * The service runs as `npm start` does (src/main.ts, its own process, the embedded database over SQLite in a
 * temporary DATA_DIR); the flood comes from a worker thread (FLOOD_CONNECTIONS connections, default 16, each sending
 * its next request with a random bad token as soon as it has an answer, reconnecting when closed; one client
 * address given by X-Forwarded-For) for as long as this thread times 300 sequential `userName eq` lookups with
 * the tenant's token; the same lookups without the flood before that.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { projectRoot } from '../../src/paths.js';

const scimToken = 'measure-scim-token-0123456789abcdef';
const lookups = 300;
const connections = Number(process.env.FLOOD_CONNECTIONS ?? 16);

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'directory-flood-'));
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(projectRoot, 'src/main.ts')], {
    cwd: projectRoot,
    env: {
      ...process.env,
      PORT: '0',
      LOG_LEVEL: 'warn',
      DATA_DIR: dataDir,
      DIRECTORY_BOOTSTRAP_TENANT: 'flood',
      DIRECTORY_BOOTSTRAP_SCIM_TOKEN: scimToken,
    },
  });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let err = '';
      child.stderr.on('data', (d: Buffer) => {
        err += d.toString();
        const m = /listening on (http:\/\/\S+)/.exec(err);
        if (m) resolve(m[1]!);
      });
      child.once('exit', (code) => reject(new Error(`service exited with ${code}:\n${err}`)));
    });
    const base = `${url}/scim/v2/tenants/flood`;
    const headers = { authorization: `Bearer ${scimToken}`, 'content-type': 'application/scim+json' };
    for (let i = 0; i < 200; i++) {
      await fetch(`${base}/Users`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ userName: `user${i}@flood.example`, active: true }),
      });
    }
    const timeLookups = async (): Promise<number[]> => {
      const ms: number[] = [];
      for (let i = 0; i < lookups; i++) {
        const t0 = performance.now();
        const res = await fetch(
          `${base}/Users?filter=${encodeURIComponent(`userName eq "user${i % 200}@flood.example"`)}`,
          { headers },
        );
        await res.arrayBuffer();
        if (res.status !== 200) throw new Error(`lookup answered ${res.status}`);
        ms.push(performance.now() - t0);
      }
      return ms;
    };
    await timeLookups(); // warm-up
    const quiet = await timeLookups();
    // The flood client speaks HTTP/1.1 over raw keep-alive sockets: cheap on this machine's shared CPU, so what is
    // measured is the service's work, not the client's.
    const flood = new Worker(
      `const net = require('node:net');
       const { workerData, parentPort } = require('node:worker_threads');
       const target = new URL(workerData.base);
       let stop = false;
       parentPort.once('message', () => (stop = true));
       const counts = {};
       const one = () => new Promise((done) => {
         const socket = net.connect(Number(target.port), target.hostname);
         let buf = '';
         const send = () => {
           if (stop) { socket.end(); return done(); }
           const token = 'dscim_' + Math.random().toString(36).slice(2).repeat(4);
           socket.write('GET ' + target.pathname + '/Users HTTP/1.1\\r\\nHost: x\\r\\nAuthorization: Bearer ' + token +
             '\\r\\nX-Forwarded-For: 203.0.113.9\\r\\n\\r\\n');
         };
         socket.on('data', (d) => {
           buf += d.toString('latin1');
           for (;;) {
             const end = buf.indexOf('\\r\\n\\r\\n');
             if (end < 0) return;
             const status = buf.slice(9, 12);
             const len = Number((/content-length: *(\\d+)/i.exec(buf.slice(0, end)) || [0, 0])[1]);
             if (buf.length < end + 4 + len) return;
             buf = buf.slice(end + 4 + len);
             counts[status] = (counts[status] || 0) + 1;
             send();
           }
         });
         socket.on('error', () => {});
         // A closed connection (the service closes refused ones) is opened again, as an attacker would.
         socket.on('close', () => (stop ? done() : one().then(done)));
         socket.on('connect', send);
       });
       Promise.all(Array.from({ length: workerData.connections }, one)).then(() => parentPort.postMessage(counts));`,
      { eval: true, workerData: { base, connections } },
    );
    const floodDone = new Promise<Record<string, number>>((resolve) => flood.once('message', resolve));
    const loaded = await timeLookups();
    flood.postMessage('stop');
    const counts = await floodDone;
    const stats = (ms: number[]) => {
      const s = [...ms].sort((a, b) => a - b);
      return {
        mean: s.reduce((a, b) => a + b, 0) / s.length,
        p50: s[Math.floor(s.length / 2)]!,
        p95: s[Math.floor(s.length * 0.95)]!,
      };
    };
    const q = stats(quiet);
    const l = stats(loaded);
    const fmt = (x: { mean: number; p50: number; p95: number }) =>
      `mean ${x.mean.toFixed(1)} ms, p50 ${x.p50.toFixed(1)} ms, p95 ${x.p95.toFixed(1)} ms`;
    console.log(
      `UNAUTHENTICATED_RATE_LIMIT_PER_MINUTE=${process.env.UNAUTHENTICATED_RATE_LIMIT_PER_MINUTE ?? 'default'}, ` +
        `${connections} flood connections`,
    );
    console.log(`lookups without flood: ${fmt(q)}`);
    console.log(`lookups during flood:  ${fmt(l)}  (flood answers: ${JSON.stringify(counts)})`);
    console.log(`slowdown (mean): ${(l.mean / q.mean).toFixed(2)}x, (p95): ${(l.p95 / q.p95).toFixed(2)}x`);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
