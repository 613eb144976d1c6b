import { expect } from 'chai';
import { examples } from '../../src/playground/examples.js';
import { createGroup } from '../../src/services/groups.js';
import { createUser } from '../../src/services/users.js';
import { ctxFor, guid, makeTenantWithTokens } from '../helpers/factories.js';
import { gql, startServer, type Data, type TestServer } from './helpers.js';

/**
 * The playground's examples, run in the order they are listed against a new tenant (after Entra's first cycle: one
 * provisioned user in one provisioned group), with the placeholder IDs replaced as a reader would: by the IDs the
 * examples above it returned, or the provisioned ones "Find IDs" lists. Each must succeed; an example that needs
 * something no earlier example makes fails this test.
 */
type Ids = Record<string, string>;

function need(ids: Ids, key: string, title: string): string {
  const id = ids[key];
  if (!id) throw new Error(`example "${title}" needs ${key}, which no example above it creates`);
  return id;
}

/**
 * What the reader pastes into each example that takes IDs: variable path → the ID. Only placeholders the example
 * already has are replaced (an example that lacks a variable it needs stays broken, as it would for the reader).
 */
const fillIns: Record<string, Record<string, string>> = {
  'Update SSO configuration': { id: 'ssoConfiguration' },
  'Main dashboard: enable SSO, limit to groups': {
    'input.ssoConfigurationId': 'ssoConfiguration',
    'input.allowedGroupIds.0': 'groupObjectId',
  },
  'Workspace defaults: login with SSO': { 'input.ssoConfigurationId': 'ssoConfiguration' },
  'Update workspace': { id: 'workspace' },
  'Limit workspace to groups': {
    id: 'workspace',
    'input.ssoConfigurationId': 'ssoConfiguration',
    'input.allowedGroupIds.0': 'groupObjectId',
  },
  'Workspace members': { id: 'workspace' },
  'Explain access': { userId: 'user', workspaceId: 'workspace' },
  'Reset workspace access': { id: 'workspace' },
  'Group members': { id: 'group' },
  'Edit user (not provisioned)': { id: 'adminUser' },
  'Delete workspace': { id: 'workspace' },
  'Remove SSO configuration': { id: 'unusedSsoConfiguration' },
};

function fillIn(title: string, variables: Data, ids: Ids): Data {
  const filled = structuredClone(variables ?? {});
  for (const [path, key] of Object.entries(fillIns[title] ?? {})) {
    const keys = path.split('.');
    const last = keys.pop()!;
    const parent = keys.reduce((o: Data, k) => o?.[k], filled);
    if (!parent || !(last in parent)) throw new Error(`example "${title}" has no variable ${path}`);
    parent[last] = need(ids, key, title);
  }
  return filled;
}

/** What the reader copies from each result. */
function collect(title: string, data: Data, ids: Ids): void {
  if (title === 'Add SSO configuration (Entra ID)') ids.ssoConfiguration = data.createSsoConfiguration.id;
  if (title === 'Add SSO configuration (multi-tenant)')
    ids.unusedSsoConfiguration = data.createSsoConfiguration.id;
  if (title === 'Create workspace') ids.workspace = data.createWorkspace.id;
  if (title === 'Create user (not provisioned)') ids.adminUser = data.createUser.id;
}

describe('playground examples on a new tenant', () => {
  let server: TestServer;
  before(async () => (server = await startServer()));
  after(() => server.close());

  it('each works in the order listed, with the IDs of the examples above it', async () => {
    const { tenant, adminToken } = await makeTenantWithTokens('examples');
    const scim = ctxFor(tenant, 'scim');
    const user = await createUser(scim, { userName: 'anna@contoso.com' });
    const objectId = guid();
    const group = await createGroup(scim, { displayName: 'Sales', externalId: objectId, members: [user.id] });
    const ids: Ids = { user: user.id, group: group.id, groupObjectId: objectId };

    for (const ex of examples) {
      const variables = fillIn(ex.title, ex.variables, ids);
      const res = await gql(server, adminToken, ex.query, variables);
      expect(res.errors, `${ex.title}: ${JSON.stringify(res.errors)}`).to.equal(undefined);
      collect(ex.title, res.data, ids);
    }
    expect(ids).to.include.keys('ssoConfiguration', 'workspace', 'adminUser');
  });

  it('says in the text of each rule example that it needs an SSO configuration first', () => {
    const first = examples.findIndex((e) => e.title.startsWith('Add SSO configuration'));
    for (const ex of examples.filter((e) => /ssoConfigurationId/.test(JSON.stringify(e.variables ?? {})))) {
      expect(examples.indexOf(ex), ex.title).to.be.above(first);
      expect(ex.description, ex.title).to.contain('Add SSO configuration');
    }
  });
});
