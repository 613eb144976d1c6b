import { parseArgs } from 'node:util';
import { memorySampler, printHeader, startBench, type BenchContext, type PhaseResult } from './harness.js';

/**
 * `npm run bench [-- --users N --groups N --memberships N --concurrency N --only scim|graphql|scaling]`
 * `npm run bench -- --only durability [--rounds N --concurrency N]` (bench/durability.ts)
 *
 * Starts a throwaway embedded database and the real service (its own process, from dist/), drives it over HTTP
 * from a worker thread, and prints one row per operation type. Not a test: it asserts nothing and prints figures.
 */
const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '50000' },
    groups: { type: 'string', default: '1000' },
    memberships: { type: 'string', default: '250000' },
    concurrency: { type: 'string', default: '8' },
    only: { type: 'string' },
    rounds: { type: 'string', default: '12' },
  },
});

if (values.only === 'durability') {
  // the service in processes of its own, killed and restarted: none of the in-process harness below
  const { runDurability } = await import('./durability.js');
  await runDurability({ rounds: Number(values.rounds), concurrency: Number(values.concurrency) });
  process.exit();
}

const sizes = {
  users: Number(values.users),
  groups: Number(values.groups),
  memberships: Number(values.memberships),
  concurrency: Number(values.concurrency),
};
for (const [k, v] of Object.entries(sizes)) {
  if (!Number.isInteger(v) || v < 0) {
    console.error(`--${k} must be a whole number`);
    process.exit(2);
  }
}

type Suite = (ctx: BenchContext, s: typeof sizes) => Promise<PhaseResult[]>;
const suites: Record<string, () => Promise<Suite>> = {
  scim: async () => (await import('./scim.js')).runScimBench,
  graphql: async () => (await import('./graphql.js')).runGraphqlBench,
  scaling: async () => (await import('./scaling.js')).runScalingBench,
};
/** Suites that run only when asked for with --only. */
const onRequest = new Set(['scaling']);

function databaseLabel(): string {
  if (process.env.MONGODB_URI) return 'MONGODB_URI';
  return process.env.BENCH_EMBEDDED_POSTGRESQL_URL
    ? 'embedded database over BENCH_EMBEDDED_POSTGRESQL_URL'
    : 'embedded database (zero-config default)';
}

if (values.only !== undefined && !Object.hasOwn(suites, values.only)) {
  console.error(`--only must be one of: ${Object.keys(suites).join(', ')}`);
  process.exit(2);
}
const started = Date.now();
const bench = await startBench(sizes.concurrency);
const memory = memorySampler(bench.servicePid);
console.log(
  `bench: ${sizes.users} users, ${sizes.groups} groups, ${sizes.memberships} memberships, ` +
    `concurrency ${sizes.concurrency}, database ${databaseLabel()}`,
);
try {
  for (const [name, load] of Object.entries(suites)) {
    if (values.only ? values.only !== name : onRequest.has(name)) continue;
    console.log(`\n## ${name}`);
    printHeader();
    await (
      await load()
    )(bench.ctx, sizes);
  }
} finally {
  memory.stop();
  const peak = memory.peak();
  console.log(
    `\npeak memory (PSS): ${peak.total.toFixed(0)} MiB = service ${peak.service.toFixed(0)} MiB + ` +
      `database ${peak.database.toFixed(0)} MiB; total ${((Date.now() - started) / 1000).toFixed(0)} s`,
  );
  await bench.stop();
}
