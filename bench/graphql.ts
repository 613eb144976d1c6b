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
 * GraphQL cases of `npm run bench`: a user with their groups (the viewer's query), a page of 100 users with their
 * groups, a workspace's effective members, and an access explanation. Data is seeded through the service layer
 * (users, provisioned groups with Entra object IDs, memberships), then each query kind runs as one phase over HTTP.
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

  const users: User[] = [];
  for (let i = 0; i < sizes.users; i++) {
    users.push(
      await createUser(scim, {
        userName: `user${String(i).padStart(6, '0')}@bench.example`,
        displayName: `User ${i}`,
        givenName: 'User',
        familyName: String(i),
        department: `Dept ${i % 20}`,
      }),
    );
  }
  const groupCount = Math.max(1, sizes.groups);
  const perUser =
    sizes.users > 0 ? Math.min(groupCount, Math.max(1, Math.round(sizes.memberships / sizes.users))) : 0;
  const members: string[][] = Array.from({ length: groupCount }, () => []);
  users.forEach((u, i) => {
    for (let k = 0; k < perUser; k++) members[(i * 7 + k * 13) % groupCount]!.push(u.id);
  });
  const groupOids: string[] = [];
  for (let g = 0; g < groupCount; g++) {
    const oid = `00000000-0000-4000-8000-${String(g).padStart(12, '0')}`;
    groupOids.push(oid);
    const group = await createGroup(scim, {
      displayName: `Group ${String(g).padStart(4, '0')}`,
      externalId: oid,
    });
    for (let i = 0; i < members[g]!.length; i += 5000)
      await addMembers(scim, group.id, members[g]!.slice(i, i + 5000));
  }
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
  console.log(
    `(seeded ${users.length} users, ${groupCount} groups, ${members.reduce((n, m) => n + m.length, 0)} memberships ` +
      `in ${((Date.now() - started) / 1000).toFixed(0)} s)`,
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
  const effectiveMembers = `query EffectiveMembers($id: ID!, $after: String) {
    workspace(id: $id) { effectiveMembers(first: 100, after: $after) { nodes { id userName displayName } pageInfo { endCursor } } }
  }`;
  const explain = `query Explain($userId: ID!, $workspaceId: ID) {
    explainAccess(userId: $userId, workspaceId: $workspaceId) {
      allowed reason policy grantingGroupObjectId grantingGroup { displayName externalId }
    }
  }`;

  // Cursors of the first pages, so the page phase reads different pages.
  const cursors: (string | null)[] = [null];
  for (let i = 0; i < 9 && sizes.users > 100 * (i + 1); i++) {
    const data = (await check(op(usersPage, { after: cursors[cursors.length - 1] }))) as {
      users: { pageInfo: { endCursor: string | null } };
    };
    cursors.push(data.users.pageInfo.endCursor);
  }
  const n = users.length;
  await check(op(userWithGroups, { id: pick(n, 1).id }));
  await check(op(effectiveMembers, { id: workspace.id }));
  await check(op(explain, { userId: pick(n, 1).id, workspaceId: workspace.id }));

  const results: PhaseResult[] = [];
  results.push(
    await ctx.phase(
      'graphql: user + groups (viewer query)',
      Array.from({ length: 150 }, (_, i) => op(userWithGroups, { id: pick(n, i).id })),
    ),
  );
  results.push(
    await ctx.phase(
      'graphql: 100 users with groups',
      Array.from({ length: 50 }, (_, i) => op(usersPage, { after: cursors[i % cursors.length] })),
    ),
  );
  results.push(
    await ctx.phase(
      'graphql: workspace effective members (100)',
      Array.from({ length: 50 }, () => op(effectiveMembers, { id: workspace.id })),
    ),
  );
  results.push(
    await ctx.phase(
      'graphql: access explanation',
      Array.from({ length: 150 }, (_, i) =>
        op(explain, { userId: pick(n, i).id, workspaceId: i % 2 === 0 ? workspace.id : null }),
      ),
    ),
  );
  return results;
}
