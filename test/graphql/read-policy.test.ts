import { expect } from 'chai';
import { setMainDashboardAccess } from '../../src/services/access-policies.js';
import { issueToken } from '../../src/services/credentials.js';
import { createGroup } from '../../src/services/groups.js';
import { createSsoConfiguration } from '../../src/services/sso.js';
import { createUser } from '../../src/services/users.js';
import { createWorkspace } from '../../src/services/workspaces.js';
import { ctxFor, guid, makeTenant } from '../helpers/factories.js';
import { apiAudience, Browser, startHarness, type Harness } from '../auth/harness.js';
import type { Data } from './helpers.js';

/**
 * Issue 12, item 10: least privilege for reads, as a matrix of principal × field, each principal obtained the way
 * real clients obtain it — an admin token; a dashboard admin and an ordinary employee signed in through (a local
 * stand-in for) Entra, with their session cookie; the workspace app with the employee's Entra access token — and
 * every read over GraphQL through the real app (services/read-policy.ts states the rules).
 */
describe('GraphQL read policy: principal × field (issue 12, item 10)', function () {
  this.timeout(60_000);
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h?.stop();
  });

  type Principal = 'adminToken' | 'dashboardAdmin' | 'employee' | 'workspaceApp';
  const principals: Principal[] = ['adminToken', 'dashboardAdmin', 'employee', 'workspaceApp'];

  /**
   * A tenant: the main dashboard limited to the "Admins" Entra group; workspace Ops open to "Staff", workspace
   * Board to "Board". Boss is in Admins; Emma (the employee) and Pete in Staff; Sara only in Board. Everyone has a
   * phone number.
   */
  async function world() {
    const tenant = await makeTenant('policy');
    const admin = ctxFor(tenant, 'graphql');
    const scim = ctxFor(tenant, 'scim');
    const entraTenantId = guid();
    const sso = await createSsoConfiguration(admin, {
      name: 'Entra',
      kind: 'ENTRA_SINGLE_TENANT',
      entraTenantId,
    });
    const oid = { admins: guid(), staff: guid(), board: guid() };
    const person = async (name: string) =>
      createUser(scim, {
        userName: `${name}@contoso.example`,
        displayName: name,
        externalId: name.toLowerCase(),
        emails: [{ value: `${name}@contoso.example`, type: 'work', primary: true }],
        phoneNumbers: [{ value: `+1 555 01${name.length}`, type: 'mobile' }],
        department: 'Ops',
      });
    const boss = await person('Boss');
    const emma = await person('Emma');
    const pete = await person('Pete');
    const sara = await person('Sara');
    const admins = await createGroup(scim, {
      displayName: 'Admins',
      externalId: oid.admins,
      members: [boss.id],
    });
    const staff = await createGroup(scim, {
      displayName: 'Staff',
      externalId: oid.staff,
      members: [emma.id, pete.id],
    });
    const board = await createGroup(scim, {
      displayName: 'Board',
      externalId: oid.board,
      members: [sara.id],
    });
    await setMainDashboardAccess(admin, {
      ssoEnabled: true,
      ssoConfigurationId: sso.id,
      allowedGroupIds: [oid.admins],
    });
    const rule = (g: string) => ({ ssoEnabled: true, ssoConfigurationId: sso.id, allowedGroupIds: [g] });
    const ops = await createWorkspace(admin, { name: 'Ops', access: rule(oid.staff) });
    const boardRoom = await createWorkspace(admin, { name: 'Board room', access: rule(oid.board) });
    const { token: adminToken } = await issueToken(ctxFor(tenant, 'cli'), 'admin');

    const entraPerson = (u: { userName: string }, groups: string[]) => ({
      oid: guid(),
      tid: entraTenantId,
      preferred_username: u.userName,
      name: u.userName,
      groups,
    });
    const signedIn = async (who: ReturnType<typeof entraPerson>, path: string) => {
      h.fake.signInAs(who);
      const b = new Browser(h.url);
      const res = await b.signIn(path);
      expect(res.status, await res.clone().text()).to.equal(302);
      return { cookie: [...b.cookies].map(([k, v]) => `${k}=${v}`).join('; ') };
    };
    const bossAtEntra = entraPerson(boss, [oid.admins]);
    const emmaAtEntra = entraPerson(emma, [oid.staff]);
    const auth: Record<Principal, Record<string, string>> = {
      adminToken: { authorization: `Bearer ${adminToken}` },
      dashboardAdmin: await signedIn(bossAtEntra, `/auth/${tenant.slug}/signin`),
      employee: await signedIn(emmaAtEntra, `/auth/${tenant.slug}/signin?workspace=${ops.id}`),
      workspaceApp: {
        authorization: `Bearer ${await h.fake.mintAccessToken({ ...emmaAtEntra, aud: apiAudience, scp: 'Directory.Read' })}`,
      },
    };
    return { tenant, boss, emma, pete, sara, admins, staff, board, ops, boardRoom, auth };
  }

  async function ask(
    headers: Record<string, string>,
    query: string,
    variables: Record<string, unknown> = {},
  ) {
    const res = await fetch(`${h.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query, variables }),
    });
    return (await res.json()) as {
      data?: Record<string, Data>;
      errors?: { extensions?: { code?: string } }[];
    };
  }

  /** 'ok' (no error), or the first error's code. */
  const outcome = (r: { errors?: { extensions?: { code?: string } }[] }) =>
    r.errors?.length ? r.errors[0]!.extensions?.code : 'ok';

  it('allows each principal exactly its fields', async () => {
    const w = await world();
    const ids = {
      pete: w.pete.id,
      sara: w.sara.id,
      emma: w.emma.id,
      staff: w.staff.id,
      board: w.board.id,
      ops: w.ops.id,
      boardRoom: w.boardRoom.id,
    };
    // field → outcome for [adminToken, dashboardAdmin, employee, workspaceApp].
    const ok4 = ['ok', 'ok', 'ok', 'ok'];
    const adminsOnly = ['ok', 'ok', 'FORBIDDEN', 'FORBIDDEN'];
    const matrix: [string, string, string[]][] = [
      ['tenant', '{ tenant { slug } }', ok4],
      ['principal', '{ principal { kind isAdmin } }', ok4],
      ['own phone numbers and ids', '{ viewer { phoneNumbers { value } externalId entraObjectId } }', ok4],
      ['own groups and access', '{ viewer { groups { totalCount } access { allowed } } }', ok4],
      [
        'own access, asked by id',
        'query($emma: ID!) { explainAccess(userId: $emma) { reason } }',
        ['ok', 'ok', 'ok', 'ok'],
      ],
      ["someone's access", 'query($pete: ID!) { explainAccess(userId: $pete) { allowed } }', adminsOnly],
      ['a person by id', 'query($pete: ID!) { user(id: $pete) { userName } }', adminsOnly],
      ['oneself by id', 'query($emma: ID!) { user(id: $emma) { userName phoneNumbers { value } } }', ok4],
      ['people listed', '{ users { totalCount } }', adminsOnly],
      ['people searched', '{ users(search: "e") { nodes { id } } }', adminsOnly],
      ['own group', 'query($staff: ID!) { group(id: $staff) { displayName externalId memberCount } }', ok4],
      [
        "co-members' basic profiles",
        'query($staff: ID!) { group(id: $staff) { members { nodes { userName displayName givenName emails { value } department active } } } }',
        ok4,
      ],
      [
        "co-members' phone numbers",
        'query($staff: ID!) { group(id: $staff) { members { nodes { phoneNumbers { value } } } } }',
        adminsOnly,
      ],
      [
        "co-members' externalId",
        'query($staff: ID!) { group(id: $staff) { members { nodes { externalId } } } }',
        adminsOnly,
      ],
      [
        "co-members' Entra object IDs",
        'query($staff: ID!) { group(id: $staff) { members { nodes { entraObjectId } } } }',
        adminsOnly,
      ],
      [
        "co-members' groups",
        'query($staff: ID!) { group(id: $staff) { members { nodes { groups { totalCount } } } } }',
        adminsOnly,
      ],
      [
        "co-members' access",
        'query($staff: ID!) { group(id: $staff) { members { nodes { access { allowed } } } } }',
        adminsOnly,
      ],
      ['a group one is not in', 'query($board: ID!) { group(id: $board) { displayName } }', adminsOnly],
      ['its members', 'query($board: ID!) { group(id: $board) { members { nodes { id } } } }', adminsOnly],
      [
        'a workspace one may enter',
        'query($ops: ID!) { workspace(id: $ops) { name access { policy } } }',
        ok4,
      ],
      [
        'its effective members',
        'query($ops: ID!) { workspace(id: $ops) { effectiveMembers { nodes { userName } } } }',
        ok4,
      ],
      [
        'a workspace one may not enter',
        'query($boardRoom: ID!) { workspace(id: $boardRoom) { name } }',
        adminsOnly,
      ],
      [
        'its effective members',
        'query($boardRoom: ID!) { workspace(id: $boardRoom) { effectiveMembers { nodes { id } } } }',
        adminsOnly,
      ],
      ['SSO configurations', '{ ssoConfigurations { id } }', adminsOnly],
      [
        "a rule's SSO configuration",
        'query($ops: ID!) { workspace(id: $ops) { access { rule { ssoConfiguration { name } } } } }',
        adminsOnly,
      ],
      ['access policies', '{ accessPolicies { updatedAt } }', adminsOnly],
      ['SCIM settings', '{ scimSettings { enabled tenantUrl } }', adminsOnly],
      ['token metadata', '{ tokens { id } }', adminsOnly],
      ['SCIM token metadata', '{ scimSettings { tokens { id } } }', adminsOnly],
      ['the provisioning log', '{ provisioningLog { nodes { id } } }', adminsOnly],
    ];
    const wrong: string[] = [];
    for (const [name, query, expected] of matrix) {
      for (const [i, p] of principals.entries()) {
        const got = outcome(await ask(w.auth[p], query, ids));
        if (got !== expected[i]) wrong.push(`${name} as ${p}: ${got}, expected ${expected[i]}`);
      }
    }
    expect(wrong, wrong.join('\n')).to.deep.equal([]);
  });

  it('narrows lists to what each principal may see', async () => {
    const w = await world();
    const q = '{ groups { nodes { displayName } totalCount } workspaces { nodes { name } } }';
    const seen = async (p: Principal) => {
      const r = await ask(w.auth[p], q);
      expect(r.errors, `${p}: ${JSON.stringify(r.errors)}`).to.equal(undefined);
      return {
        groups: r.data!.groups.nodes.map((g: { displayName: string }) => g.displayName),
        groupCount: r.data!.groups.totalCount,
        workspaces: r.data!.workspaces.nodes.map((x: { name: string }) => x.name),
      };
    };
    const everything = {
      groups: ['Admins', 'Board', 'Staff'],
      groupCount: 3,
      workspaces: ['Board room', 'Ops'],
    };
    expect(await seen('adminToken')).to.deep.equal(everything);
    expect(await seen('dashboardAdmin')).to.deep.equal(everything);
    const mine = { groups: ['Staff'], groupCount: 1, workspaces: ['Ops'] };
    expect(await seen('employee')).to.deep.equal(mine);
    expect(await seen('workspaceApp')).to.deep.equal(mine);

    // An allowed group of a visible rule is named only if one is in it.
    const allowed = await ask(
      w.auth.employee,
      'query($ops: ID!) { workspace(id: $ops) { access { rule { allowedGroups { objectId group { displayName } } } } } }',
      { ops: w.ops.id },
    );
    expect(allowed.errors).to.equal(undefined);
    expect(allowed.data!.workspace.access.rule.allowedGroups[0].group).to.deep.equal({
      displayName: 'Staff',
    });
    const boardRule = await ask(
      w.auth.adminToken,
      'query($b: ID!) { workspace(id: $b) { access { rule { allowedGroups { group { displayName } } } } } }',
      { b: w.boardRoom.id },
    );
    expect(boardRule.data!.workspace.access.rule.allowedGroups[0].group).to.deep.equal({
      displayName: 'Board',
    });
  });
});
