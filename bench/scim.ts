import { randomUUID } from 'node:crypto';
import type { BenchContext, PhaseResult, RequestSpec } from './harness.js';

/**
 * An Entra initial provisioning cycle against a fresh tenant, over HTTP, at Entra-like concurrency:
 * Test Connection and schema discovery; for each user a filter lookup then a create (the tenant grows while it is
 * queried); the last tenth of the users measured separately at near-full size; reads; groups looked up and created
 * empty, then filled with member PATCHes in batches; the membership query; a share of updates, deactivations,
 * member removals and deletions. One row per operation type (requests/s, p50/p95/p99 ms, database commands per
 * request, service CPU per request).
 *
 * Sizes: users, groups, memberships (spread over the groups), concurrency (parallel requests, like Entra's).
 */
const memberBatch = 25;
const updateShare = 0.1;
const deactivateShare = 0.05;
const sample = 1000;

export async function runScimBench(
  ctx: BenchContext,
  sizes: { users: number; groups: number; memberships: number; concurrency: number },
): Promise<PhaseResult[]> {
  const t = await ctx.makeTenant();
  const base = `/scim/v2/tenants/${t.slug}`;
  const auth = { authorization: `Bearer ${t.scimToken}` };
  const req = (method: string, path: string, body?: unknown): RequestSpec => ({
    method,
    path: base + path,
    headers: { ...auth, ...(body !== undefined ? { 'content-type': 'application/scim+json' } : {}) },
    ...(body !== undefined ? { body } : {}),
  });
  const q = (filter: string, extra = '') => `?filter=${encodeURIComponent(filter)}${extra}`;
  const rand = seeded(7);
  const results: PhaseResult[] = [];
  const run = async (name: string, requests: RequestSpec[], opts?: Parameters<BenchContext['phase']>[2]) => {
    if (requests.length === 0) return undefined;
    const r = await ctx.phase(name, requests, { concurrency: sizes.concurrency, ...opts });
    const perRequest = r.batchedLogWritesPerRequest;
    console.log(
      `${''.padEnd(4)}↳ of which batched audit/provisioning-log writes ${perRequest.toFixed(2)}/req; ` +
        `the operation itself ${(r.dbCommandsPerRequest - perRequest).toFixed(2)}/req`,
    );
    results.push(r);
    return r;
  };
  const pick = <T>(xs: T[], n: number): T[] =>
    Array.from({ length: Math.min(n, xs.length) }, () => xs[Math.floor(rand() * xs.length)]!);

  // Test Connection (a random GUID on users and groups) and schema discovery, as Entra does on save.
  await run(
    'test connection + discovery',
    Array.from({ length: 10 }, () => [
      req('GET', `/Users${q(`userName eq "${randomUUID()}"`)}`),
      req('GET', `/Groups${q(`displayName eq "${randomUUID()}"`, '&excludedAttributes=members')}`),
      req('GET', '/ServiceProviderConfig'),
      req('GET', '/Schemas'),
    ]).flat(),
  );

  // Users: lookup by the matching attribute, then create (Entra's create-user body).
  const userName = (i: number) => `bench.user${i}@contoso.onmicrosoft.com`;
  const createBody = (i: number) => ({
    schemas: [
      'urn:ietf:params:scim:schemas:core:2.0:User',
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
    ],
    externalId: `user${i}`,
    userName: userName(i),
    active: true,
    displayName: `Bench User ${i}`,
    emails: [{ primary: true, type: 'work', value: userName(i) }],
    name: { givenName: 'Bench', familyName: `User${i}` },
    phoneNumbers: [{ type: 'mobile', value: `+358 40 ${String(i).padStart(7, '0')}` }],
    'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { department: `Dept ${i % 20}` },
    meta: { resourceType: 'User' },
  });
  const bulk = Math.floor(sizes.users * 0.9);
  const userIds: string[] = [];
  const collectIds = (r: PhaseResult | undefined, into: string[]) => {
    for (const x of r?.responses ?? []) {
      const id = (x.body as { id?: string } | undefined)?.id;
      if (x.status === 201 && id) into.push(id);
    }
  };
  collectIds(
    await run(
      `users: lookup + create, first ${bulk} (interleaved)`,
      Array.from({ length: bulk }, (_, i) => [
        req('GET', `/Users${q(`userName eq "${userName(i)}"`)}`),
        req('POST', '/Users', createBody(i)),
      ]).flat(),
      { keepResponses: true },
    ),
    userIds,
  );
  await run(
    'user filter lookup, miss (userName eq)',
    Array.from({ length: sizes.users - bulk }, (_, k) =>
      req('GET', `/Users${q(`userName eq "${userName(bulk + k)}"`)}`),
    ),
  );
  collectIds(
    await run(
      'user create (POST /Users)',
      Array.from({ length: sizes.users - bulk }, (_, k) => req('POST', '/Users', createBody(bulk + k))),
      { keepResponses: true },
    ),
    userIds,
  );
  await run(
    'user filter lookup, hit (userName eq)',
    pick(
      Array.from({ length: sizes.users }, (_, i) => i),
      sample,
    ).map((i) => req('GET', `/Users${q(`userName eq "${userName(i)}"`)}`)),
  );
  await run(
    'user filter lookup (emails[type eq "work"].value eq)',
    pick(
      Array.from({ length: sizes.users }, (_, i) => i),
      Math.min(sample, 200),
    ).map((i) => req('GET', `/Users${q(`emails[type eq "work"].value eq "${userName(i)}"`)}`)),
  );
  await run(
    'user GET by id',
    pick(userIds, sample).map((id) => req('GET', `/Users/${id}`)),
  );

  // Groups: lookup by displayName (excludedAttributes=members), create empty, then fill with member PATCHes.
  const groupName = (i: number) => `Bench Group ${i}`;
  await run(
    'group filter lookup (displayName eq, no members)',
    Array.from({ length: sizes.groups }, (_, i) =>
      req('GET', `/Groups${q(`displayName eq "${groupName(i)}"`, '&excludedAttributes=members')}`),
    ),
  );
  const groupIds: string[] = [];
  collectIds(
    await run(
      'group create (POST /Groups)',
      Array.from({ length: sizes.groups }, (_, i) =>
        req('POST', '/Groups', {
          schemas: [
            'urn:ietf:params:scim:schemas:core:2.0:Group',
            'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group',
          ],
          externalId: randomUUID(),
          displayName: groupName(i),
          meta: { resourceType: 'Group' },
        }),
      ),
      { keepResponses: true },
    ),
    groupIds,
  );
  const members = new Map<string, string[]>(groupIds.map((g) => [g, []]));
  if (groupIds.length > 0 && userIds.length > 0) {
    const perGroup = Math.min(userIds.length, Math.ceil(sizes.memberships / groupIds.length));
    let left = sizes.memberships;
    for (const g of groupIds) {
      const n = Math.min(perGroup, left);
      left -= n;
      const start = Math.floor(rand() * userIds.length);
      members.set(
        g,
        Array.from({ length: n }, (_, k) => userIds[(start + k) % userIds.length]!),
      );
    }
  }
  const adds: RequestSpec[] = [];
  for (const [g, ids] of members) {
    for (let k = 0; k < ids.length; k += memberBatch) {
      adds.push(
        req('PATCH', `/Groups/${g}`, {
          schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
          Operations: [
            {
              op: 'Add',
              path: 'members',
              value: ids.slice(k, k + memberBatch).map((value) => ({ $ref: null, value })),
            },
          ],
        }),
      );
    }
  }
  await run(`group member PATCH (add, ${memberBatch} per request)`, shuffle(adds, rand));
  const memberPairs = [...members].flatMap(([g, ids]) => ids.slice(0, 3).map((u) => [g, u] as const));
  await run(
    'group membership query (id eq and members[value eq])',
    pick(memberPairs, Math.min(sample, 500)).map(([g, u]) =>
      req('GET', `/Groups${q(`id eq "${g}" and members[value eq "${u}"]`, '&excludedAttributes=members')}`),
    ),
  );
  await run(
    'group GET by id (excludedAttributes=members)',
    pick(groupIds, Math.min(sample, 500)).map((g) => req('GET', `/Groups/${g}?excludedAttributes=members`)),
  );

  // Changes: a share of updates and deactivations, member removals, renames, deletions.
  const shuffledUsers = shuffle([...userIds], rand);
  const nUpdate = Math.floor(userIds.length * updateShare);
  const nDeactivate = Math.floor(userIds.length * deactivateShare);
  await run(
    'user PATCH (update 3 attributes)',
    shuffledUsers.slice(0, nUpdate).map((id, k) =>
      req('PATCH', `/Users/${id}`, {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [
          { op: 'Replace', path: 'emails[type eq "work"].value', value: `renamed${k}@contoso.com` },
          { op: 'Replace', path: 'name.familyName', value: `Renamed${k}` },
          {
            op: 'Replace',
            path: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department',
            value: 'Moved',
          },
        ],
      }),
    ),
  );
  await run(
    'user PATCH (deactivate, active "False")',
    shuffledUsers.slice(nUpdate, nUpdate + nDeactivate).map((id) =>
      req('PATCH', `/Users/${id}`, {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'Replace', path: 'active', value: 'False' }],
      }),
    ),
  );
  await run(
    'group member PATCH (remove 1, members[value eq])',
    pick(
      [...members].filter(([, ids]) => ids.length > 0),
      Math.min(sample, 500),
    ).map(([g, ids]) =>
      req('PATCH', `/Groups/${g}`, {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'remove', path: `members[value eq "${ids[Math.floor(rand() * ids.length)]}"]` }],
      }),
    ),
  );
  await run(
    'group PATCH (rename displayName)',
    groupIds.slice(0, Math.min(200, groupIds.length)).map((g, k) =>
      req('PATCH', `/Groups/${g}`, {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'Replace', path: 'displayName', value: `Renamed Group ${k}` }],
      }),
    ),
  );
  await run(
    'user DELETE',
    shuffledUsers
      .slice(nUpdate + nDeactivate, nUpdate + nDeactivate + Math.min(200, Math.floor(userIds.length * 0.02)))
      .map((id) => req('DELETE', `/Users/${id}`)),
  );
  return results;
}

/** A small deterministic PRNG (mulberry32), so runs pick the same samples. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle<T>(xs: T[], rand: () => number): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
  return xs;
}
