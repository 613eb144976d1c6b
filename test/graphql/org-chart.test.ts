import { expect } from 'chai';
import { commandCounter } from '../../src/db/connection.js';
import type { User } from '../../src/domain/types.js';
import { flushAudit } from '../../src/services/audit.js';
import { createUser } from '../../src/services/users.js';
import { ctxFor, makeTenantWithTokens } from '../helpers/factories.js';
import {
  codeOf,
  gql,
  memberHeader,
  ok,
  startServer,
  testMemberAuthenticator,
  type Data,
  type TestServer,
} from './helpers.js';

/** Issue 11 through GraphQL: the whole user, `manager`, `directReports` and the org-chart filters. */
describe('GraphQL: the whole user and the org chart (issue 11)', () => {
  let server: TestServer;
  before(async () => (server = await startServer({ testAuthenticators: [testMemberAuthenticator] })));
  after(() => server.close());

  async function orgChart(reports = 3) {
    const t = await makeTenantWithTokens();
    const scim = ctxFor(t.tenant, 'scim');
    const boss = await createUser(scim, {
      userName: 'boss@contoso.com',
      displayName: 'Beatrix Boss',
      title: 'Director',
      department: 'Engines',
      formattedName: 'Dr. Beatrix Boss',
      honorificPrefix: 'Dr.',
      preferredLanguage: 'fi-FI',
      employeeNumber: 'E-1',
      costCenter: 'CC-1',
      addresses: [{ type: 'work', locality: 'Helsinki', country: 'FI' }],
    });
    const team: User[] = [];
    for (let i = 0; i < reports; i++) {
      team.push(
        await createUser(scim, {
          userName: `r${String(i).padStart(3, '0')}@contoso.com`,
          title: i % 2 === 0 ? 'Engineer' : 'Analyst',
          department: 'Engines',
          managerId: boss.id,
        }),
      );
    }
    return { ...t, scim, boss, team };
  }

  it('exposes the new attributes, manager and directReports (paginated, counted)', async () => {
    const d = await orgChart(3);
    const q = `query($id: ID!, $after: String) { user(id: $id) {
      formattedName honorificPrefix title preferredLanguage employeeNumber costCenter department
      addresses { type locality country }
      manager { id }
      directReports(first: 2, after: $after) {
        totalCount nodes { userName title manager { userName } } pageInfo { hasNextPage endCursor }
      }
    } }`;
    const first: Data = await ok(server, d.adminToken, q, { id: d.boss.id });
    expect(first.user).to.deep.include({
      formattedName: 'Dr. Beatrix Boss',
      honorificPrefix: 'Dr.',
      title: 'Director',
      preferredLanguage: 'fi-FI',
      employeeNumber: 'E-1',
      costCenter: 'CC-1',
      department: 'Engines',
      addresses: [{ type: 'work', locality: 'Helsinki', country: 'FI' }],
      manager: null,
    });
    expect(first.user.directReports.totalCount).to.equal(3);
    expect(first.user.directReports.nodes).to.deep.equal([
      { userName: 'r000@contoso.com', title: 'Engineer', manager: { userName: 'boss@contoso.com' } },
      { userName: 'r001@contoso.com', title: 'Analyst', manager: { userName: 'boss@contoso.com' } },
    ]);
    const second: Data = await ok(server, d.adminToken, q, {
      id: d.boss.id,
      after: first.user.directReports.pageInfo.endCursor,
    });
    expect(second.user.directReports.nodes.map((n: Data) => n.userName)).to.deep.equal(['r002@contoso.com']);
    expect(second.user.directReports.pageInfo.hasNextPage).to.equal(false);
  });

  it('filters users by managerId, department and title', async () => {
    const d = await orgChart(4);
    const q = `query($filter: UserFilter) { users(first: 50, filter: $filter) { totalCount nodes { userName } } }`;
    const names = async (filter: Data) =>
      ((await ok(server, d.adminToken, q, { filter })) as Data).users.nodes.map((n: Data) => n.userName);
    expect(await names({ managerId: d.boss.id })).to.deep.equal(d.team.map((u) => u.userName));
    expect(await names({ title: 'engineer' })).to.deep.equal(['r000@contoso.com', 'r002@contoso.com']);
    expect(await names({ department: 'ENGINES', title: 'Director' })).to.deep.equal(['boss@contoso.com']);
  });

  it('serves the direct reports of 100 users in at most 3 database commands (DataLoaders)', async function () {
    this.timeout(120_000);
    const d = await orgChart(100);
    await flushAudit();
    await ok(server, d.adminToken, '{ principal { kind } }'); // the admin token is verified (and cached) first
    const one = commandCounter();
    const data: Data = await ok(
      server,
      d.adminToken,
      `query($id: ID!) { user(id: $id) { directReports(first: 100) {
        pageInfo { hasNextPage } nodes { id userName title manager { id displayName } } } } }`,
      { id: d.boss.id },
    );
    one.stop();
    expect(data.user.directReports.nodes).to.have.length(100);
    expect(data.user.directReports.pageInfo.hasNextPage).to.equal(false);
    expect(one.total(), JSON.stringify(one.byName())).to.be.at.most(3);

    // a page of 100 users, each with its manager and its own direct reports: no N+1
    const many = commandCounter();
    const page: Data = await ok(
      server,
      d.adminToken,
      `{ users(first: 100) { nodes { userName manager { userName } directReports(first: 5) { nodes { userName } } } } }`,
    );
    many.stop();
    expect(page.users.nodes).to.have.length(100);
    const boss = page.users.nodes.find((n: Data) => n.userName === 'boss@contoso.com');
    expect(boss.directReports.nodes).to.have.length(5);
    expect(many.total(), JSON.stringify(many.byName())).to.be.at.most(3);
  });

  it('keeps Entra-owned attributes read-only for provisioned users (IMMUTABLE_FIELD); others take them', async () => {
    const d = await orgChart(1);
    const update = `mutation($id: ID!, $input: UpdateUserInput!) {
      updateUser(id: $id, input: $input) { title nickName manager { id } addresses { locality } } }`;
    for (const input of [
      { title: 'CEO' },
      { managerId: null },
      { employeeNumber: 'x' },
      { addresses: [{ type: 'home', locality: 'Espoo' }] },
      { formattedName: 'x' },
    ]) {
      const res = await gql(server, d.adminToken, update, { id: d.team[0]!.id, input });
      expect(codeOf(res), JSON.stringify(input)).to.equal('IMMUTABLE_FIELD');
    }
    const created: Data = await ok(
      server,
      d.adminToken,
      `mutation($input: CreateUserInput!) { createUser(input: $input) { id manager { id } title } }`,
      { input: { userName: 'admin-made@contoso.com', title: 'Intern', managerId: d.boss.id } },
    );
    expect(created.createUser).to.deep.include({ title: 'Intern', manager: { id: d.boss.id } });
    const changed: Data = await ok(server, d.adminToken, update, {
      id: created.createUser.id,
      input: {
        title: 'Trainee',
        nickName: 'T',
        managerId: null,
        addresses: [{ type: 'home', locality: 'Espoo' }],
      },
    });
    expect(changed.updateUser).to.deep.equal({
      title: 'Trainee',
      nickName: 'T',
      manager: null,
      addresses: [{ locality: 'Espoo' }],
    });
    const unknown = await gql(server, d.adminToken, update, {
      id: created.createUser.id,
      input: { managerId: '00000000-0000-0000-0000-000000000000' },
    });
    expect(codeOf(unknown)).to.equal('BAD_USER_INPUT');
  });

  it("lets an employee read their own manager and reports, never another person's", async () => {
    const d = await orgChart(2);
    const q = `query($id: ID!) { user(id: $id) { manager { userName } directReports { nodes { userName } } } }`;
    const own: Data = await ok(server, memberHeader(d.tenant, d.team[0]!), q, { id: d.team[0]!.id });
    expect(own.user).to.deep.equal({
      manager: { userName: 'boss@contoso.com' },
      directReports: { nodes: [] },
    });
    const viewer = `{ viewer { manager { directReports { nodes { userName } } } } }`;
    const res = await gql(server, memberHeader(d.tenant, d.team[0]!), viewer);
    expect(codeOf(res)).to.equal('FORBIDDEN');
  });
});
