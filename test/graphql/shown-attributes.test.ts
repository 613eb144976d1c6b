import { expect } from 'chai';
import { commandCounter, type RecordedQuery } from '../../src/db/connection.js';
import type { User } from '../../src/domain/types.js';
import { flushAudit } from '../../src/services/audit.js';
import { createGroup } from '../../src/services/groups.js';
import { createSsoConfiguration } from '../../src/services/sso.js';
import { createUser } from '../../src/services/users.js';
import { createWorkspace } from '../../src/services/workspaces.js';
import { ctxFor, guid, makeTenantWithTokens } from '../helpers/factories.js';
import { ok, startServer, type Data, type TestServer } from './helpers.js';

/**
 * Pages of users (`users`, `Workspace.effectiveMembers`) read the attributes their query shows, not whole users
 * (graphql/selection.ts): what they show must be what a read of the whole user shows, field by field.
 */
describe('GraphQL user pages read the attributes they show', () => {
  let server: TestServer;
  before(async () => (server = await startServer()));
  after(() => server.close());

  /** Every field of User but `access` (which needs the whole user, tested apart). */
  const everyField = `id userName active givenName familyName formattedName middleName honorificPrefix
    honorificSuffix displayName nickName title userType preferredLanguage locale timezone profileUrl
    emails { value type primary } phoneNumbers { value type primary }
    addresses { type formatted streetAddress locality region postalCode country primary }
    externalId employeeNumber costCenter organization division department manager { id userName }
    directReports { nodes { id userName } } entraObjectId source provisioned createdAt updatedAt
    groups { nodes { id displayName } }`;

  /** A tenant with a user holding every attribute, one with none but its name, and an inactive one. */
  async function people() {
    const t = await makeTenantWithTokens();
    const scim = ctxFor(t.tenant, 'scim');
    const boss = await createUser(scim, { userName: 'boss@contoso.com', displayName: 'The Boss' });
    const full = await createUser(scim, {
      userName: 'Full@contoso.com',
      givenName: 'Fanny',
      familyName: 'Fullsson',
      formattedName: 'Ms Fanny M. Fullsson',
      middleName: 'M.',
      honorificPrefix: 'Ms',
      honorificSuffix: 'PhD',
      displayName: 'Fanny Fullsson',
      nickName: 'Fan',
      title: 'Engineer',
      userType: 'Employee',
      preferredLanguage: 'sv-SE',
      locale: 'sv-SE',
      timezone: 'Europe/Stockholm',
      profileUrl: 'https://contoso.example/fanny',
      employeeNumber: 'E-42',
      costCenter: 'CC1',
      organization: 'Contoso',
      division: 'R&D',
      department: 'Platform',
      emails: [{ value: 'fanny@contoso.com', type: 'work', primary: true }],
      phoneNumbers: [{ value: '+46 70 000 00 00', type: 'mobile' }],
      addresses: [{ type: 'work', streetAddress: 'Gatan 1', locality: 'Lund', country: 'SE', primary: true }],
      externalId: 'ext-fanny',
      managerId: boss.id,
      entraObjectId: guid(),
    });
    const bare = await createUser(scim, { userName: 'bare@contoso.com' });
    const away = await createUser(scim, { userName: 'away@contoso.com', displayName: 'Away', active: false });
    const oid = guid();
    await createGroup(scim, {
      displayName: 'Everyone',
      externalId: oid,
      members: [boss.id, full.id, bare.id, away.id],
    });
    await flushAudit();
    return { ...t, admin: ctxFor(t.tenant, 'cli'), users: [boss, full, bare, away], oid };
  }

  /** The same fields of each user, read one by one with `user(id:)` (a read of the whole user). */
  async function wholeReads(token: string, users: User[]): Promise<Data[]> {
    const out: Data[] = [];
    for (const u of users) {
      out.push(
        (await ok(server, token, `query($id: ID!) { user(id: $id) { ${everyField} } }`, { id: u.id })).user,
      );
    }
    return out;
  }

  /** The finds of users a request sent, with their projections. */
  async function userFinds(token: string, query: string, variables?: Record<string, unknown>) {
    const counter = commandCounter();
    let data: Data;
    try {
      data = await ok(server, token, query, variables);
    } finally {
      counter.stop();
    }
    const finds = counter
      .filters()
      .filter((q: RecordedQuery) => q.command === 'find' && q.collection === 'users');
    return { data, projections: finds.map((q) => q.projection) };
  }

  it('shows every field of a page of users as reads of the whole users do, through fragments', async () => {
    const p = await people();
    const byName = [...p.users].sort((a, b) =>
      a.userName.toLowerCase() < b.userName.toLowerCase() ? -1 : 1,
    );
    const expected = await wholeReads(p.adminToken, byName);
    expect(expected[3].phoneNumbers).to.have.length(1); // the full user's private fields are there to compare

    const viaFragment: Data = await ok(
      server,
      p.adminToken,
      `{ users(first: 10) { nodes { ...Shown } } } fragment Shown on User { ${everyField} }`,
    );
    expect(viaFragment.users.nodes).to.deep.equal(expected);

    const viaEdges: Data = await ok(
      server,
      p.adminToken,
      `{ users(first: 10) { edges { cursor node { ... on User { ${everyField} } } } } }`,
    );
    expect(viaEdges.users.edges.map((e: Data) => e.node)).to.deep.equal(expected);
  });

  it('asks the database for the attributes shown, and for whole users when a field needs them', async () => {
    const p = await people();
    const narrow = await userFinds(
      p.adminToken,
      '{ users(first: 10) { __typename pageInfo { endCursor } edges { cursor } nodes { id displayName } } }',
    );
    expect(narrow.data.users.nodes.map((n: Data) => n.displayName)).to.deep.equal([
      'Away',
      null,
      'The Boss',
      'Fanny Fullsson',
    ]);
    expect(narrow.projections).to.deep.equal([{ _id: 1, userName: 1, displayName: 1 }]);

    // a manager is shown through its id; the manager itself is a read of a whole user (the request's loader)
    const managers = await userFinds(
      p.adminToken,
      '{ users(first: 10) { nodes { manager { id userName } } } }',
    );
    expect(managers.data.users.nodes.map((n: Data) => n.manager?.userName ?? null)).to.deep.equal([
      null,
      null,
      null,
      'boss@contoso.com',
    ]);
    expect(managers.projections).to.deep.equal([{ _id: 1, userName: 1, managerId: 1 }, undefined]);

    // an access decision reads the user whole
    const access = await userFinds(
      p.adminToken,
      '{ users(first: 10) { nodes { userName access { allowed } } } }',
    );
    expect(access.data.users.nodes).to.have.length(4);
    expect(access.projections[0]).to.equal(undefined);
  });

  it("shows a workspace's effective members as whole reads do, inactive members left out", async () => {
    const p = await people();
    const sso = await createSsoConfiguration(p.admin, {
      name: 'Entra',
      kind: 'ENTRA_SINGLE_TENANT',
      entraTenantId: guid(),
    });
    const limited = await createWorkspace(p.admin, {
      name: 'Limited',
      access: { ssoEnabled: true, ssoConfigurationId: sso.id, allowedGroupIds: [p.oid] },
    });
    const open = await createWorkspace(p.admin, {
      name: 'Open',
      access: { ssoEnabled: true, ssoConfigurationId: sso.id, allowedGroupIds: [] },
    });
    const active = p.users.filter((u) => u.active).sort((a, b) => (a.id < b.id ? -1 : 1));
    const expected = await wholeReads(p.adminToken, active);
    for (const ws of [limited, open]) {
      const shown = await userFinds(
        p.adminToken,
        `query($id: ID!) { workspace(id: $id) { effectiveMembers(first: 10) { nodes { ${everyField} } } } }`,
        { id: ws.id },
      );
      expect(shown.data.workspace.effectiveMembers.nodes, ws.name).to.deep.equal(expected);
      // only names shown: whether each is active is still read, and the inactive member stays out
      const names = await userFinds(
        p.adminToken,
        'query($id: ID!) { workspace(id: $id) { effectiveMembers(first: 10) { nodes { userName } } } }',
        { id: ws.id },
      );
      expect(
        names.data.workspace.effectiveMembers.nodes.map((n: Data) => n.userName),
        ws.name,
      ).to.deep.equal(active.map((u) => u.userName));
      expect(names.projections, ws.name).to.deep.equal([{ _id: 1, userName: 1, active: 1 }]);
    }
  });
});
