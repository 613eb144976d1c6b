import { createContext } from '../src/services/context.js';
import type { User } from '../src/domain/types.js';
import { setMainDashboardAccess, setWorkspaceDefaultAccess } from '../src/services/access-policies.js';
import { flushAudit } from '../src/services/audit.js';
import { addMembers, createGroup } from '../src/services/groups.js';
import { createSsoConfiguration } from '../src/services/sso.js';
import { createUser } from '../src/services/users.js';
import { createWorkspace } from '../src/services/workspaces.js';
import type { BenchContext, PhaseResult, RequestSpec } from './harness.js';

/**
 * GraphQL cases of `npm run bench`: a user with their groups (the viewer's query), pages of 100 users by name with
 * their groups (the first, and one 100 pages deep), the users' totalCount, a search, a workspace's effective members
 * (a page of 100), and an access explanation. Data is seeded through the service layer (users, provisioned groups
 * with Entra object IDs, memberships); once the database is idle again (its autovacuum of the rows just seeded done),
 * each query kind runs as one phase over HTTP.
 *
 * The bench has no SSO session or Entra access token (those need the sign-in engineer's fake Entra), so the viewer
 * case runs `user(id:)` with an admin token: the same resolvers as `viewer { … }`, plus the one read of the user
 * that a session authenticator does itself.
 */
export async function runGraphqlBench(
  ctx: BenchContext,
  sizes: { users: number; groups: number; memberships: number; concurrency: number },
): Promise<PhaseResult[]> {
  const tenant = await ctx.makeTenant();
  const scim = createContext({ tenantId: tenant.tenantId, source: 'scim' });
  const admin = createContext({ tenantId: tenant.tenantId, source: 'cli' });
  const started = Date.now();

  const users: User[] = new Array<User>(sizes.users);
  await inParallel(sizes.users, 8, async (i) => {
    users[i] = await createUser(scim, {
      userName: `user${String(i).padStart(6, '0')}@bench.example`,
      displayName: `${firstNames[i % firstNames.length]} ${lastNames[(i * 7) % lastNames.length]} ${i}`,
      givenName: firstNames[i % firstNames.length]!,
      familyName: `${lastNames[(i * 7) % lastNames.length]} ${i}`,
      department: `Dept ${i % 20}`,
    });
  });
  const groupCount = Math.max(1, sizes.groups);
  const perUser =
    sizes.users > 0 ? Math.min(groupCount, Math.max(1, Math.round(sizes.memberships / sizes.users))) : 0;
  const members: string[][] = Array.from({ length: groupCount }, () => []);
  users.forEach((u, i) => {
    for (let k = 0; k < perUser; k++) members[(i * 7 + k * 13) % groupCount]!.push(u.id);
  });
  const groupOids = Array.from(
    { length: groupCount },
    (_, g) => `00000000-0000-4000-8000-${String(g).padStart(12, '0')}`,
  );
  await inParallel(groupCount, 4, async (g) => {
    const group = await createGroup(scim, {
      displayName: `Group ${String(g).padStart(4, '0')}`,
      externalId: groupOids[g]!,
    });
    for (let i = 0; i < members[g]!.length; i += 5000)
      await addMembers(scim, group.id, members[g]!.slice(i, i + 5000));
  });
  const sso = await createSsoConfiguration(admin, {
    name: 'Bench Entra',
    kind: 'ENTRA_SINGLE_TENANT',
    entraTenantId: '00000000-0000-4000-8000-00000000abcd',
  });
  await setWorkspaceDefaultAccess(admin, { ssoEnabled: true, ssoConfigurationId: sso.id });
  await setMainDashboardAccess(admin, {
    ssoEnabled: true,
    ssoConfigurationId: sso.id,
    allowedGroupIds: groupOids.slice(0, 10),
  });
  const workspace = await createWorkspace(admin, {
    name: 'Bench workspace',
    access: { ssoEnabled: true, ssoConfigurationId: sso.id, allowedGroupIds: groupOids.slice(0, 3) },
  });
  await flushAudit();
  const seeded = Date.now();
  const waited = await ctx.settle();
  console.log(
    `(seeded ${users.length} users, ${groupCount} groups, ${members.reduce((n, m) => n + m.length, 0)} memberships ` +
      `in ${((seeded - started) / 1000).toFixed(0)} s; the database was idle ${waited} s later)`,
  );

  const auth = { authorization: `Bearer ${tenant.adminToken}` };
  const op = (query: string, variables?: Record<string, unknown>): RequestSpec => ({
    method: 'POST',
    path: '/graphql',
    headers: auth,
    body: { query, variables },
  });
  /** Runs one request outside the measurement and refuses to measure a query that fails. */
  const check = async (spec: RequestSpec): Promise<unknown> => {
    const res = await fetch(ctx.baseUrl + spec.path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...spec.headers },
      body: JSON.stringify(spec.body),
    });
    const body = (await res.json()) as { data?: unknown; errors?: unknown };
    if (res.status !== 200 || body.errors)
      throw new Error(`bench query failed: ${JSON.stringify(body.errors)}`);
    return body.data;
  };
  const pick = (n: number, i: number) => users[(i * 7919) % n]!;

  const userWithGroups = `query UserWithGroups($id: ID!) {
    user(id: $id) { id userName displayName active groups(first: 50) { nodes { id displayName externalId } } }
  }`;
  const usersPage = `query UsersPage($after: String) {
    users(first: 100, after: $after) {
      pageInfo { hasNextPage endCursor }
      nodes { id userName displayName groups(first: 50) { nodes { id displayName externalId } } }
    }
  }`;
  const totalCount = `query Count { users(first: 0) { totalCount } }`;
  const search = `query Search($s: String!) { users(first: 20, search: $s) { totalCount nodes { id userName displayName } } }`;
  const effectiveMembers = `query EffectiveMembers($id: ID!, $after: String) {
    workspace(id: $id) { effectiveMembers(first: 100, after: $after) { nodes { id userName displayName } pageInfo { endCursor } } }
  }`;
  const explain = `query Explain($userId: ID!, $workspaceId: ID) {
    explainAccess(userId: $userId, workspaceId: $workspaceId) {
      allowed reason policy grantingGroupObjectId grantingGroup { displayName externalId }
    }
  }`;

  // A page 100 pages deep starts after the 9,900th user by name (the names sort by their number).
  const byName = [...users].sort((a, b) => (a.userName.toLowerCase() < b.userName.toLowerCase() ? -1 : 1));
  const cursorAfter = (u: User) =>
    Buffer.from(JSON.stringify([u.userName.toLowerCase(), u.id])).toString('base64url');
  const deep = byName.length > 9_900 ? cursorAfter(byName[9_899]!) : null;
  const n = users.length;
  await check(op(usersPage, { after: deep }));
  await check(op(userWithGroups, { id: pick(n, 1).id }));
  await check(op(effectiveMembers, { id: workspace.id }));
  await check(op(explain, { userId: pick(n, 1).id, workspaceId: workspace.id }));
  await check(op(search, { s: 'ada' }));

  // Search terms: a name shared by a tenth of the users, a surname with a number (a few users), and a miss.
  const terms = (i: number) =>
    [
      firstNames[i % firstNames.length]!.toLowerCase(),
      `${lastNames[(i * 7) % lastNames.length]} ${i}`,
      `zz${i}q`,
    ][i % 3]!;

  const results: PhaseResult[] = [];
  const phase = async (name: string, count: number, spec: (i: number) => RequestSpec) => {
    // a warm service: the first requests of a kind run while V8 still compiles its paths (the SCIM suite's first row
    // measures that cold start; these rows measure the reads)
    await ctx.phase(
      name,
      Array.from({ length: Math.min(count, 50) }, (_, i) => spec(count + i)),
      { warmUp: true },
    );
    results.push(
      await ctx.phase(
        name,
        Array.from({ length: count }, (_, i) => spec(i)),
      ),
    );
  };
  await phase('graphql: viewer (user + groups)', 300, (i) => op(userWithGroups, { id: pick(n, i).id }));
  await phase('graphql: users page 1 (100, by name, with groups)', 100, () => op(usersPage, { after: null }));
  await phase('graphql: users page 100 (100, by name, with groups)', 100, () =>
    op(usersPage, { after: deep }),
  );
  await phase('graphql: users totalCount', 200, () => op(totalCount));
  await phase('graphql: users search (20, with totalCount)', 200, (i) => op(search, { s: terms(i) }));
  await phase('graphql: workspace effective members (100)', 100, () =>
    op(effectiveMembers, { id: workspace.id }),
  );
  await phase('graphql: access explanation', 300, (i) =>
    op(explain, { userId: pick(n, i).id, workspaceId: i % 2 === 0 ? workspace.id : null }),
  );
  return results;
}

const firstNames = [
  'Ada',
  'Grace',
  'Linus',
  'Barbara',
  'Ken',
  'Margaret',
  'Edsger',
  'Frances',
  'Dennis',
  'Radia',
];
const lastNames = [
  'Lovelace',
  'Hopper',
  'Torvalds',
  'Liskov',
  'Thompson',
  'Hamilton',
  'Dijkstra',
  'Allen',
  'Ritchie',
  'Perlman',
];

/** Runs fn(0..n-1) with at most `width` calls in flight. */
async function inParallel(n: number, width: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < n) await fn(next++);
    }),
  );
}
