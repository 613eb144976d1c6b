import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { scenario, startHarness } from '../auth/harness.js';
import { gql } from '../graphql/helpers.js';
import {
  coreGroup,
  coreUser,
  enterpriseUser,
  patchOp,
  scimTenant,
  startServer,
  type ScimResponse,
  type TestServer,
} from './helpers.js';

/**
 * Issue 12, item 8 (and the U+0000 rule of item 4): strings that cannot be stored as sent — a lone UTF-16 surrogate
 * (JSON.parse makes one of `"\ud800"`; stored, it became U+FFFD and two different names collided) or U+0000
 * (PostgreSQL cannot hold it) — are refused with 400 invalidValue naming the attribute (GraphQL: BAD_USER_INPUT with
 * `extensions.path`), never rewritten, and a refused request changes nothing.
 */
describe('SCIM and GraphQL: unfit strings are refused, never rewritten (issue 12, item 8)', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server.close();
  });

  const unfit = ['x\ud800', 'x\udbff', '\udc00x', 'a\u0000b'];

  it('refuses a lone surrogate in userName: two such names no longer collide as U+FFFD', async () => {
    const { client } = await scimTenant(server);
    for (const userName of ['lone\ud800@x.example', 'lone\udbff@x.example']) {
      const res = await client.post('/Users', { schemas: [coreUser], userName });
      expect(res.status, res.text).to.equal(400);
      expect(res.body.scimType).to.equal('invalidValue');
      expect(res.body.detail).to.match(/^userName .*surrogate/);
    }
    expect((await client.users('userName sw "lone"')).body.totalResults).to.equal(0);
    // The replacement character itself is a character like any other: stored as sent.
    const fffd = await client.post('/Users', { schemas: [coreUser], userName: 'lone\ufffd@x.example' });
    expect(fffd.status, fffd.text).to.equal(201);
    expect(fffd.body.userName).to.equal('lone\ufffd@x.example');
  });

  it('refuses unfit strings in every attribute of create, replace and patch bodies, naming it', async () => {
    const { client } = await scimTenant(server);
    const userName = `s-${randomUUID()}@x.example`;
    const created = await client.post('/Users', { schemas: [coreUser], userName, displayName: 'Kept' });
    const id = created.body.id as string;
    const group = await client.post('/Groups', { schemas: [coreGroup], displayName: `G ${randomUUID()}` });
    for (const s of unfit) {
      const cases: [string, () => Promise<ScimResponse>, RegExp][] = [
        [
          'POST displayName',
          () => client.post('/Users', { userName: `a${randomUUID()}`, displayName: s }),
          /^displayName /,
        ],
        [
          'POST name.givenName',
          () => client.post('/Users', { userName: `a${randomUUID()}`, name: { givenName: s } }),
          /^name\.givenName /,
        ],
        [
          'POST emails',
          () => client.post('/Users', { userName: `a${randomUUID()}`, emails: [{ value: s }] }),
          /^emails\[0\]\.value /,
        ],
        [
          'POST department',
          () => client.post('/Users', { userName: `a${randomUUID()}`, [enterpriseUser]: { department: s } }),
          /department /,
        ],
        [
          'POST an ignored attribute',
          () => client.post('/Users', { userName: `a${randomUUID()}`, title: s }),
          /^title /,
        ],
        ['PUT externalId', () => client.put(`/Users/${id}`, { userName, externalId: s }), /^externalId /],
        [
          'PATCH displayName',
          () => client.patch(`/Users/${id}`, patchOp({ op: 'replace', path: 'displayName', value: s })),
          /displayName /,
        ],
        [
          'PATCH path-less',
          () => client.patch(`/Users/${id}`, patchOp({ op: 'replace', value: { 'name.familyName': s } })),
          /name\.familyName /,
        ],
        ['POST group', () => client.post('/Groups', { displayName: s }), /^displayName /],
        [
          'PATCH members',
          () =>
            client.patch(
              `/Groups/${group.body.id}`,
              patchOp({ op: 'add', path: 'members', value: [{ value: s }] }),
            ),
          /value /,
        ],
      ];
      for (const [name, send, names] of cases) {
        const res = await send();
        expect(res.status, `${name} ${JSON.stringify(s)}: ${JSON.stringify(res.body)}`).to.equal(400);
        expect(res.body.scimType, name).to.equal('invalidValue');
        expect(res.body.detail, name).to.match(names);
      }
    }
    const after = await client.get(`/Users/${id}`);
    expect(after.body.displayName).to.equal('Kept');
    expect(after.body.externalId).to.equal(undefined);
    expect((await client.users()).body.totalResults).to.equal(1);
  });

  it('refuses a body that is not valid UTF-8 instead of decoding it to U+FFFD', async () => {
    const { client } = await scimTenant(server);
    // "x" + the UTF-8 encoding of the lone surrogate U+D800 (ED A0 80), which is not valid UTF-8.
    const bytes = Buffer.concat([
      Buffer.from('{"userName":"x'),
      Buffer.from([0xed, 0xa0, 0x80]),
      Buffer.from('"}'),
    ]);
    const res = await fetch(`${client.base}/Users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${client.token}`, 'content-type': 'application/scim+json' },
      body: bytes,
    });
    expect(res.status).to.equal(400);
    expect(((await res.json()) as { scimType: string }).scimType).to.equal('invalidValue');
    expect((await client.users()).body.totalResults).to.equal(0);
  });

  it('answers 404 for an id holding U+0000, on every method', async () => {
    const { client } = await scimTenant(server);
    for (const path of ['/Users/%00', '/Users/a%00b', '/Groups/%00']) {
      expect((await client.get(path)).status, path).to.equal(404);
      expect((await client.delete(path)).status, path).to.equal(404);
      expect(
        (await client.patch(path, patchOp({ op: 'replace', path: 'displayName', value: 'x' }))).status,
      ).to.equal(404);
    }
  });

  it('refuses U+0000 in sign-in paths and query parameters with 400, not a server error', async () => {
    const h = await startHarness();
    try {
      const s = await scenario();
      for (const path of [
        `/auth/${s.tenant.slug}/signin?workspace=%00`,
        `/auth/${s.tenant.slug}/workspaces/a%00/signin`,
        '/auth/session?workspace=%00',
      ]) {
        const res = await fetch(h.url + path, {
          redirect: 'manual',
          headers: { accept: 'application/json' },
        });
        expect(res.status, path).to.equal(400);
        expect(((await res.json()) as { error: string }).error, path).to.equal('INVALID_INPUT');
      }
    } finally {
      await h.stop();
    }
  });

  it('refuses unfit strings in GraphQL arguments with BAD_USER_INPUT naming them, before anything runs', async () => {
    const { adminToken, client } = await scimTenant(server);
    const api = { url: server.baseUrl };
    for (const s of unfit) {
      const create = await gql(
        api,
        adminToken,
        'mutation($u: String!, $d: String) { createUser(input: { userName: $u, displayName: $d }) { id } }',
        { u: `ok-${randomUUID()}`, d: s },
      );
      expect(create.status).to.equal(400);
      expect(create.errors?.[0]?.extensions).to.deep.include({
        code: 'BAD_USER_INPUT',
        path: 'input.displayName',
      });
      // In the query text, GraphQL's own parser refuses a lone surrogate escape; U+0000 is ours to refuse.
      const literal = await gql(api, adminToken, `{ user(id: ${JSON.stringify(s)}) { id } }`);
      expect(literal.status).to.equal(400);
      expect(literal.errors?.[0]?.extensions?.code).to.be.oneOf(['BAD_USER_INPUT', 'GRAPHQL_PARSE_FAILED']);
      if (s.includes('\u0000')) expect(literal.errors?.[0]?.extensions?.path).to.equal('id');
      const group = await gql(
        api,
        adminToken,
        'mutation($n: String!) { createGroup(input: { displayName: $n }) { id } }',
        { n: s },
      );
      expect(group.errors?.[0]?.extensions).to.deep.include({
        code: 'BAD_USER_INPUT',
        path: 'input.displayName',
      });
    }
    expect((await client.users()).body.totalResults).to.equal(0);
    expect((await client.groups()).body.totalResults).to.equal(0);
  });
});
