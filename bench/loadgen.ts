import { parentPort } from 'node:worker_threads';

/**
 * The load generator, in a worker thread so that the main thread (the service under test) keeps the process's
 * main-thread CPU to itself: the harness reads that thread's CPU time to report server CPU per request.
 */
export interface RequestSpec {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface PhaseRequest {
  baseUrl: string;
  requests: RequestSpec[];
  concurrency: number;
  keepResponses: boolean;
}

export interface PhaseReply {
  latenciesMs: number[];
  statuses: number[];
  responses?: { status: number; body: unknown }[];
  seconds: number;
}

async function runPhase(msg: PhaseRequest): Promise<PhaseReply> {
  const latencies = new Array<number>(msg.requests.length);
  const statuses = new Array<number>(msg.requests.length);
  const responses = msg.keepResponses
    ? new Array<{ status: number; body: unknown }>(msg.requests.length)
    : undefined;
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= msg.requests.length) return;
      const r = msg.requests[i]!;
      const t0 = performance.now();
      const res = await fetch(msg.baseUrl + r.path, {
        method: r.method,
        headers: { ...(r.body !== undefined ? { 'content-type': 'application/json' } : {}), ...r.headers },
        body: r.body === undefined ? undefined : JSON.stringify(r.body),
      });
      const text = await res.text();
      latencies[i] = performance.now() - t0;
      statuses[i] = res.status;
      if (responses) {
        let body: unknown = text;
        try {
          body = text ? JSON.parse(text) : undefined;
        } catch {
          /* keep text */
        }
        responses[i] = { status: res.status, body };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, msg.concurrency) }, worker));
  return {
    latenciesMs: latencies,
    statuses,
    ...(responses ? { responses } : {}),
    seconds: (performance.now() - started) / 1000,
  };
}

parentPort?.on('message', (msg: PhaseRequest) => {
  runPhase(msg).then(
    (reply) => parentPort!.postMessage({ ok: true, reply }),
    (err: unknown) => parentPort!.postMessage({ ok: false, error: String(err) }),
  );
});
