import { expect } from 'chai';
import { commandCounter } from '../../src/db/connection.js';
import type { Group, User } from '../../src/domain/types.js';
import { flushAudit } from '../../src/services/audit.js';
import { addMembers, createGroup, getGroup } from '../../src/services/groups.js';
import { createUser, getUser } from '../../src/services/users.js';
import { ctxFor, guid, makeTenantWithTokens } from '../helpers/factories.js';
import { codeOf, gql, ok, startServer, type TestServer, type Data } from './helpers.js';

/** Users and groups over GraphQL: reads, connections, directory edits and Entra's ownership of provisioned records. */
describe('GraphQL directory: users and groups', () => {
  let server: TestServer;
  before(async () => (server = await startServer()));
  after(() => server.close());

  async function directory() {
    const t = await makeTenantWithTokens();
    const scim = ctxFor(t.tenant, 'scim');
    const users: User[] = [];
    for (const [name, display, active] of [
      ['anna@contoso.com', 'Anna Andersson', true],
      ['Bert@contoso.com', 'Bert Berg', true],
      ['cecilia@contoso.com', 'Cecilia Carlsson', false],
      ['david@contoso.com', 'David Dahl', true],
      ['eva@contoso.com', 'Eva Ek', true],
    ] as const) {
      users.push(
        await createUser(scim, { userName: name, displayName: display, active, department: 'Sales' }),
      );
    }
    const sales = await createGroup(scim, {
      displayName: 'Sales',
      externalId: guid(),
      members: [users[0]!.id, users[1]!.id, users[2]!.id],
    });
    const ops = await createGroup(scim, { displayName: 'Ops', externalId: guid(), members: [users[0]!.id] });
    return { ...t, scim, users, sales, ops };
  }

  it('pages through users by userName with cursors, counts them, and filters and searches', async () => {
    const d = await directory();
    const q = `query($after: String, $filter: UserFilter, $search: String) {
      users(first: 2, after: $after, filter: $filter, search: $search) {
        totalCount
        edges { cursor node { userName } }
        pageInfo { hasNextPage endCursor }
      }
    }`;
    const seen: string[] = [];
    let after: string | null = null;
    for (let i = 0; i < 3; i++) {
      const data: Data = await ok(server, d.adminToken, q, { after });
      expect(data.users.totalCount).to.equal(5);
      seen.push(...data.users.edges.map((e: Data) => e.node.userName));
      expect(data.users.pageInfo.hasNextPage).to.equal(i < 2);
      after = data.users.pageInfo.endCursor;
    }
    expect(seen).to.deep.equal([
      'anna@contoso.com',
      'Bert@contoso.com',
      'cecilia@contoso.com',
      'david@contoso.com',
      'eva@contoso.com',
    ]);

    const inactive: Data = await ok(server, d.adminToken, q, { filter: { active: false } });
    expect(inactive.users.edges.map((e: Data) => e.node.userName)).to.deep.equal(['cecilia@contoso.com']);
    const byName: Data = await ok(server, d.adminToken, q, { filter: { userName: 'BERT@CONTOSO.COM' } });
    expect(byName.users.totalCount).to.equal(1);
    const members: Data = await ok(server, d.adminToken, q, {
      filter: { memberOf: d.sales.id, active: true },
    });
    expect(members.users.edges.map((e: Data) => e.node.userName)).to.deep.equal([
      'anna@contoso.com',
      'Bert@contoso.com',
    ]);
    const search: Data = await ok(server, d.adminToken, q, { search: 'dahl' });
    expect(search.users.edges.map((e: Data) => e.node.userName)).to.deep.equal(['david@contoso.com']);
    const source: Data = await ok(server, d.adminToken, q, { filter: { source: 'ADMIN' } });
    expect(source.users.totalCount).to.equal(0);

    const bad = await gql(server, d.adminToken, q, { after: 'not-a-cursor' });
    expect(codeOf(bad)).to.equal('BAD_USER_INPUT');
    expect(bad.errors![0]!.extensions!.path).to.equal('after');
  });

  it('reads a user and a group by id with their groups and members, and says which records Entra owns', async () => {
    const d = await directory();
    const data: Data = await ok(
      server,
      d.adminToken,
      `query($u: ID!, $g: ID!) {
        user(id: $u) {
          userName displayName active department source provisioned createdAt
          groups { totalCount nodes { displayName externalId } }
        }
        group(id: $g) {
          displayName externalId source provisioned memberCount
          members(first: 10) { totalCount edges { addedAt node { userName } } }
        }
      }`,
      { u: d.users[0]!.id, g: d.sales.id },
    );
    expect(data.user).to.include({
      userName: 'anna@contoso.com',
      displayName: 'Anna Andersson',
      source: 'SCIM',
      provisioned: true,
    });
    expect(new Date(data.user.createdAt).getTime()).to.equal(d.users[0]!.createdAt.getTime());
    expect(data.user.groups.totalCount).to.equal(2);
    expect(data.user.groups.nodes.map((g: Data) => g.displayName).sort()).to.deep.equal(['Ops', 'Sales']);
    expect(data.group).to.include({ displayName: 'Sales', externalId: d.sales.externalId, memberCount: 3 });
    expect(data.group.members.totalCount).to.equal(3);
    expect(data.group.members.edges).to.have.length(3);
    expect(data.group.members.edges[0].addedAt).to.be.a('string');

    const missing = await gql(server, d.adminToken, '{ user(id: "nope") { id } }');
    expect(codeOf(missing)).to.equal('NOT_FOUND');
    expect(missing.data).to.deep.equal({ user: null });
  });

  it("pages a group's members and a user's groups with cursors", async () => {
    const d = await directory();
    const q = `query($g: ID!, $after: String) {
      group(id: $g) { members(first: 2, after: $after) { nodes { id } pageInfo { hasNextPage endCursor } } }
    }`;
    const first: Data = await ok(server, d.adminToken, q, { g: d.sales.id });
    expect(first.group.members.pageInfo.hasNextPage).to.equal(true);
    const second: Data = await ok(server, d.adminToken, q, {
      g: d.sales.id,
      after: first.group.members.pageInfo.endCursor,
    });
    expect(second.group.members.pageInfo.hasNextPage).to.equal(false);
    const ids = [...first.group.members.nodes, ...second.group.members.nodes].map((n: Data) => n.id);
    expect(ids).to.deep.equal([d.users[0]!.id, d.users[1]!.id, d.users[2]!.id].sort());

    const gq = `query($u: ID!, $after: String) {
      user(id: $u) { groups(first: 1, after: $after) { nodes { id } pageInfo { hasNextPage endCursor } } }
    }`;
    const p1: Data = await ok(server, d.adminToken, gq, { u: d.users[0]!.id });
    const p2: Data = await ok(server, d.adminToken, gq, {
      u: d.users[0]!.id,
      after: p1.user.groups.pageInfo.endCursor,
    });
    expect(p1.user.groups.pageInfo.hasNextPage).to.equal(true);
    expect(p2.user.groups.pageInfo.hasNextPage).to.equal(false);
    expect([p1.user.groups.nodes[0].id, p2.user.groups.nodes[0].id]).to.deep.equal(
      [d.sales.id, d.ops.id].sort(),
    );
  });

  it('lists groups by name with filters and search', async () => {
    const d = await directory();
    const q = `query($filter: GroupFilter, $search: String) {
      groups(first: 10, filter: $filter, search: $search) { totalCount nodes { displayName } }
    }`;
    const all: Data = await ok(server, d.adminToken, q, {});
    expect(all.groups.nodes.map((g: Data) => g.displayName)).to.deep.equal(['Ops', 'Sales']);
    const ofBert: Data = await ok(server, d.adminToken, q, { filter: { hasMember: d.users[1]!.id } });
    expect(ofBert.groups.nodes.map((g: Data) => g.displayName)).to.deep.equal(['Sales']);
    const byOid: Data = await ok(server, d.adminToken, q, { filter: { externalId: d.ops.externalId } });
    expect(byOid.groups.totalCount).to.equal(1);
    const search: Data = await ok(server, d.adminToken, q, { search: 'ale' });
    expect(search.groups.nodes.map((g: Data) => g.displayName)).to.deep.equal(['Sales']);
  });

  it('creates, updates and deletes users it owns, with stable error codes', async () => {
    const d = await directory();
    const created: Data = await ok(
      server,
      d.adminToken,
      `mutation($input: CreateUserInput!) {
        createUser(input: $input) { id userName displayName source provisioned emails { value primary } }
      }`,
      {
        input: {
          userName: 'guest@partner.com',
          displayName: 'Guest',
          emails: [{ value: 'guest@partner.com', primary: true }],
        },
      },
    );
    expect(created.createUser).to.include({
      userName: 'guest@partner.com',
      source: 'ADMIN',
      provisioned: false,
    });
    const id = created.createUser.id;

    const update = `mutation($id: ID!, $input: UpdateUserInput!) {
      updateUser(id: $id, input: $input) { displayName department active }
    }`;
    const updated: Data = await ok(server, d.adminToken, update, {
      id,
      input: { displayName: 'Guest Partner', department: 'Facilitation', active: false },
    });
    expect(updated.updateUser).to.deep.equal({
      displayName: 'Guest Partner',
      department: 'Facilitation',
      active: false,
    });
    const cleared: Data = await ok(server, d.adminToken, update, { id, input: { department: null } });
    expect(cleared.updateUser).to.deep.equal({
      displayName: 'Guest Partner',
      department: null,
      active: false,
    });

    const dup = await gql(server, d.adminToken, update, { id, input: { userName: 'ANNA@contoso.com' } });
    expect(codeOf(dup)).to.equal('CONFLICT');
    expect(dup.errors![0]!.extensions!.field).to.equal('userName');
    const invalid = await gql(server, d.adminToken, update, { id, input: { userName: '' } });
    expect(codeOf(invalid)).to.equal('BAD_USER_INPUT');
    expect(invalid.errors![0]!.extensions!.path).to.equal('userName');

    const del: Data = await ok(server, d.adminToken, 'mutation($id: ID!) { deleteUser(id: $id) { id } }', {
      id,
    });
    expect(del.deleteUser.id).to.equal(id);
    const again = await gql(server, d.adminToken, 'mutation($id: ID!) { deleteUser(id: $id) { id } }', {
      id,
    });
    expect(codeOf(again)).to.equal('NOT_FOUND');
  });

  it('refuses to change what Entra writes on provisioned users, but lets admins link the Entra object ID', async () => {
    const d = await directory();
    const anna = d.users[0]!;
    const update = `mutation($id: ID!, $input: UpdateUserInput!) { updateUser(id: $id, input: $input) { displayName entraObjectId } }`;
    for (const input of [{ displayName: 'Someone else' }, { active: false }, { userName: 'x@contoso.com' }]) {
      const res = await gql(server, d.adminToken, update, { id: anna.id, input });
      expect(codeOf(res), JSON.stringify(input)).to.equal('IMMUTABLE_FIELD');
      expect(res.errors![0]!.extensions!.field).to.equal(Object.keys(input)[0]);
      expect(res.errors![0]!.message).to.match(/Microsoft Entra ID/);
    }
    const del = await gql(server, d.adminToken, 'mutation($id: ID!) { deleteUser(id: $id) { id } }', {
      id: anna.id,
    });
    expect(codeOf(del)).to.equal('IMMUTABLE_FIELD');
    const after = await getUser(d.scim, anna.id);
    expect(after).to.include({ displayName: 'Anna Andersson', active: true, version: anna.version });

    const oid = guid();
    const linked: Data = await ok(server, d.adminToken, update, {
      id: anna.id,
      input: { entraObjectId: oid },
    });
    expect(linked.updateUser).to.deep.equal({ displayName: 'Anna Andersson', entraObjectId: oid });
  });

  it('edits groups it owns (attributes and members) and refuses to edit provisioned groups', async () => {
    const d = await directory();
    const [anna, bert, , david] = d.users;
    const created: Data = await ok(
      server,
      d.adminToken,
      `mutation($input: CreateGroupInput!) { createGroup(input: $input) { id displayName source memberCount } }`,
      { input: { displayName: 'Guests', memberIds: [anna!.id] } },
    );
    expect(created.createGroup).to.include({ displayName: 'Guests', source: 'ADMIN', memberCount: 1 });
    const id = created.createGroup.id;
    const added: Data = await ok(
      server,
      d.adminToken,
      `mutation($id: ID!, $users: [ID!]!) { addGroupMembers(groupId: $id, userIds: $users) { memberCount members { nodes { id } } } }`,
      { id, users: [bert!.id, david!.id] },
    );
    expect(added.addGroupMembers.memberCount).to.equal(3);
    const removed: Data = await ok(
      server,
      d.adminToken,
      `mutation($id: ID!, $users: [ID!]!) { removeGroupMembers(groupId: $id, userIds: $users) { memberCount } }`,
      { id, users: [anna!.id] },
    );
    expect(removed.removeGroupMembers.memberCount).to.equal(2);
    const unknownMember = await gql(
      server,
      d.adminToken,
      `mutation($id: ID!, $users: [ID!]!) { addGroupMembers(groupId: $id, userIds: $users) { id } }`,
      { id, users: ['no-such-user'] },
    );
    expect(codeOf(unknownMember)).to.equal('BAD_USER_INPUT');
    const renamed: Data = await ok(
      server,
      d.adminToken,
      `mutation($id: ID!, $input: UpdateGroupInput!) { updateGroup(id: $id, input: $input) { displayName externalId } }`,
      { id, input: { displayName: 'Guest facilitators', externalId: null } },
    );
    expect(renamed.updateGroup).to.deep.equal({ displayName: 'Guest facilitators', externalId: null });
    const dup = await gql(
      server,
      d.adminToken,
      `mutation($id: ID!, $input: UpdateGroupInput!) { updateGroup(id: $id, input: $input) { id } }`,
      { id, input: { displayName: 'sales' } },
    );
    expect(codeOf(dup)).to.equal('CONFLICT');

    // Provisioned: name, externalId and members belong to Entra.
    for (const [query, vars] of [
      [
        `mutation($id: ID!) { updateGroup(id: $id, input: { displayName: "Renamed" }) { id } }`,
        { id: d.sales.id },
      ],
      [
        `mutation($id: ID!, $u: [ID!]!) { addGroupMembers(groupId: $id, userIds: $u) { id } }`,
        { id: d.sales.id, u: [david!.id] },
      ],
      [
        `mutation($id: ID!, $u: [ID!]!) { removeGroupMembers(groupId: $id, userIds: $u) { id } }`,
        { id: d.sales.id, u: [anna!.id] },
      ],
      [`mutation($id: ID!) { deleteGroup(id: $id) { id } }`, { id: d.sales.id }],
    ] as const) {
      const res = await gql(server, d.adminToken, query, vars);
      expect(codeOf(res), query).to.equal('IMMUTABLE_FIELD');
    }
    expect((await getGroup(d.scim, d.sales.id)).displayName).to.equal('Sales');

    const del: Data = await ok(server, d.adminToken, 'mutation($id: ID!) { deleteGroup(id: $id) { id } }', {
      id,
    });
    expect(del.deleteGroup.id).to.equal(id);
  });

  it('never shows another tenant’s records: the tenant comes from the credential', async () => {
    const a = await directory();
    const b = await makeTenantWithTokens();
    const res = await gql(server, b.adminToken, 'query($id: ID!) { user(id: $id) { id } }', {
      id: a.users[0]!.id,
    });
    expect(codeOf(res)).to.equal('NOT_FOUND');
    const list: Data = await ok(server, b.adminToken, '{ users { totalCount } groups { totalCount } }');
    expect(list).to.deep.equal({ users: { totalCount: 0 }, groups: { totalCount: 0 } });
    const write = await gql(server, b.adminToken, 'mutation($id: ID!) { deleteGroup(id: $id) { id } }', {
      id: a.ops.id,
    });
    expect(codeOf(write)).to.equal('NOT_FOUND');
  });

  it('serves a page of 100 users with their groups in at most 3 database commands (DataLoaders)', async function () {
    this.timeout(60_000);
    const t = await makeTenantWithTokens();
    const scim = ctxFor(t.tenant, 'scim');
    const users: User[] = [];
    for (let i = 0; i < 101; i++) {
      users.push(await createUser(scim, { userName: `user${String(i).padStart(3, '0')}@contoso.com` }));
    }
    // 120 groups: more than one default batch of groups, and ~4 memberships per user.
    const groups: Group[] = [];
    for (let g = 0; g < 120; g++) {
      const group = await createGroup(scim, { displayName: `Group ${g}`, externalId: guid() });
      groups.push(group);
      await addMembers(
        scim,
        group.id,
        users.filter((_, i) => i % 120 === g || (i * 7 + g) % 40 === 0).map((u) => u.id),
      );
    }
    await flushAudit();
    const query = `{
      users(first: 100) {
        pageInfo { hasNextPage endCursor }
        edges { cursor node { id userName groups { nodes { id displayName externalId } } } }
      }
    }`;
    await ok(server, t.adminToken, '{ principal { kind } }'); // the admin token is verified (and cached) first
    const counter = commandCounter();
    const data: Data = await ok(server, t.adminToken, query);
    counter.stop();
    expect(data.users.edges).to.have.length(100);
    expect(data.users.pageInfo.hasNextPage).to.equal(true);
    const memberships = data.users.edges.reduce((n: number, e: Data) => n + e.node.groups.nodes.length, 0);
    expect(memberships).to.be.greaterThan(200);
    expect(counter.total(), JSON.stringify(counter.byName())).to.be.at.most(3);
  });
});
