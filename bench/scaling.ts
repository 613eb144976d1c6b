import type { BenchContext, PhaseResult } from './harness.js';
import { runGraphqlBench } from './graphql.js';
import { runScimBench } from './scim.js';

/**
 * `npm run bench -- --only scaling`: the same SCIM cycle and GraphQL reads against a tenant of 100 users and one of
 * 5,000 (in the same database, 50 members a group, 5 groups a user), then each operation's p50 latency and service
 * CPU per request side by side. The cost of a request should not grow with the tenant: an index lookup, not a read
 * of the tenant. (Pages 100 deep exist only at 5,000 users; at 100 users that row reads the first page.)
 */
export async function runScalingBench(
  ctx: BenchContext,
  sizes: { concurrency: number },
): Promise<PhaseResult[]> {
  const runs: PhaseResult[][] = [];
  for (const users of [100, 5000]) {
    const s = { users, groups: users / 10, memberships: users * 5, concurrency: sizes.concurrency };
    console.log(`\n### ${users} users, ${s.groups} groups, ${s.memberships} memberships`);
    runs.push([...(await runScimBench(ctx, s)), ...(await runGraphqlBench(ctx, s))]);
  }
  const [small, large] = runs as [PhaseResult[], PhaseResult[]];
  console.log('\n### the same operation at 100 and at 5,000 users (p50 latency, service CPU per request)');
  console.log(
    [
      'operation'.padEnd(52),
      'p50 ms'.padStart(14),
      'ratio'.padStart(6),
      'CPU ms'.padStart(12),
      'ratio'.padStart(6),
    ].join(' '),
  );
  let worst = 0;
  small.forEach((a, i) => {
    const b = large[i]!;
    const ratio = b.p50 / Math.max(a.p50, 1);
    const cpu = b.cpuMsPerRequest / Math.max(a.cpuMsPerRequest, 0.01);
    // rows whose name carries the size (the first users' creates) are the same operation
    const name = a.name.replace(/\d+/g, 'N');
    if (!/create|PATCH|DELETE/.test(name)) worst = Math.max(worst, ratio);
    console.log(
      [
        name.slice(0, 52).padEnd(52),
        `${a.p50.toFixed(0)} → ${b.p50.toFixed(0)}`.padStart(14),
        `×${ratio.toFixed(2)}`.padStart(6),
        `${a.cpuMsPerRequest.toFixed(1)} → ${b.cpuMsPerRequest.toFixed(1)}`.padStart(12),
        `×${cpu.toFixed(2)}`.padStart(6),
      ].join(' '),
    );
  });
  console.log(`largest p50 ratio of a read: ×${worst.toFixed(2)}`);
  return [...small, ...large];
}
