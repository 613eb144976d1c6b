import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { NotFoundError } from '../../src/domain/errors.js';
import { toScimError } from '../../src/scim/errors.js';
import {
  errorSchema,
  patchOp,
  scimTenant,
  startServer,
  type ScimClient,
  type TestServer,
} from './helpers.js';

/** Bad input of every kind: RFC 7644 §3.12 errors, never internals, nothing written, no prototype touched. */
describe('SCIM errors and hostile input', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server.close();
  });

  function expectError(
    res: { status: number; body: Record<string, unknown>; headers: Headers },
    status: number,
    scimType?: string,
  ) {
    expect(res.status, JSON.stringify(res.body)).to.equal(status);
    expect(res.headers.get('content-type')).to.equal('application/scim+json; charset=utf-8');
    expect(res.body.schemas).to.deep.equal([errorSchema]);
    expect(res.body.status).to.equal(String(status));
    if (scimType) expect(res.body.scimType).to.equal(scimType);
    else expect(res.body).to.not.have.property('scimType');
    expect(res.body.detail).to.be.a('string');
    expect(String(res.body.detail)).to.not.match(
      /mongo|ferret|stack|at \w+ \(|node_modules|tenantId|userNameLower/i,
    );
  }

  async function user(client: ScimClient) {
    const res = await client.post('/Users', { userName: `u-${randomUUID()}@x.com`, displayName: 'Before' });
    expect(res.status).to.equal(201);
    return res.body as { id: string; userName: string };
  }

  it('answers malformed JSON with 400 invalidSyntax, and non-objects too', async () => {
    const { client } = await scimTenant(server);
    expectError(
      await client.call('POST', '/Users', undefined, { raw: '{"userName": "a",' }),
      400,
      'invalidSyntax',
    );
    expectError(
      await client.call('POST', '/Users', undefined, { raw: '[{"userName": "a"}]' }),
      400,
      'invalidSyntax',
    );
    expectError(await client.call('POST', '/Users', undefined, { raw: '"a string"' }), 400, 'invalidSyntax');
    const u = await user(client);
    expectError(
      await client.call('PATCH', `/Users/${u.id}`, undefined, { raw: '{"Operations": [' }),
      400,
      'invalidSyntax',
    );
    expectError(await client.call('POST', '/Users', undefined, { raw: '' }), 400, 'invalidValue');
  });

  it('answers other media types with 415, and oversized bodies with 413', async () => {
    const { client } = await scimTenant(server);
    expectError(
      await client.call('POST', '/Users', undefined, {
        raw: 'userName=a',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      }),
      415,
    );
    expectError(
      await client.call('POST', '/Users', undefined, {
        raw: '{"userName":"a"}',
        headers: { 'content-type': 'text/plain' },
      }),
      415,
    );
    const big = JSON.stringify({ userName: 'big@x.com', displayName: 'x'.repeat(1_100_000) });
    expectError(await client.call('POST', '/Users', undefined, { raw: big }), 413);
    expect((await client.users('userName eq "big@x.com"')).body.totalResults).to.equal(0);
  });

  it('answers wrong types and missing required attributes with 400 invalidValue', async () => {
    const { client } = await scimTenant(server);
    for (const body of [
      {},
      { userName: '' },
      { userName: '   ' },
      { userName: 42 },
      { userName: 'a@x', active: 'maybe' },
      { userName: 'a@x', emails: 'a@x' },
      { userName: 'a@x', emails: [{ type: 'work' }] },
      { userName: 'a@x', emails: ['a@x'] },
      {
        userName: 'a@x',
        emails: [
          { value: 'a@x', primary: true },
          { value: 'b@x', primary: true },
        ],
      },
      { userName: 'a@x', name: 'Ada' },
      { userName: 'a@x', name: { givenName: 7 } },
      { userName: 'a@x', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': 'R&D' },
      { userName: 'x'.repeat(300) },
      { userName: 'tab\there' },
    ]) {
      expectError(await client.post('/Users', body), 400, 'invalidValue');
    }
    for (const body of [
      {},
      { displayName: 5 },
      { displayName: 'G', members: 'u1' },
      { displayName: 'G', members: [{ display: 'x' }] },
    ]) {
      expectError(await client.post('/Groups', body), 400, 'invalidValue');
    }
    expect((await client.users()).body.totalResults).to.equal(0);
  });

  it('answers bad PATCH paths with mutability, invalidPath, noTarget, invalidFilter — and changes nothing', async () => {
    const { client } = await scimTenant(server);
    const u = await user(client);
    const cases: Array<[unknown, number, string]> = [
      [patchOp({ op: 'replace', path: 'id', value: 'x' }), 400, 'mutability'],
      [patchOp({ op: 'replace', path: 'meta.lastModified', value: 'x' }), 400, 'mutability'],
      [patchOp({ op: 'replace', path: 'schemas', value: [] }), 400, 'mutability'],
      [patchOp({ op: 'replace', path: 'roles', value: 'Babs' }), 400, 'invalidPath'],
      [patchOp({ op: 'replace', path: 'name.initials', value: 'Dr' }), 400, 'invalidPath'],
      [patchOp({ op: 'replace', path: 'emails[type eq "work"', value: 'x' }), 400, 'invalidPath'],
      [patchOp({ op: 'replace', path: 'emails[type zz "work"].value', value: 'x' }), 400, 'invalidFilter'],
      [patchOp({ op: 'remove' }), 400, 'noTarget'],
      [patchOp({ op: 'replace', path: 'emails[value co "x"].type', value: 'work' }), 400, 'noTarget'],
      [patchOp({ op: 'replace', path: 'active', value: 'nope' }), 400, 'invalidValue'],
      [patchOp({ op: 'replace', path: 'userName', value: '' }), 400, 'invalidValue'],
      [patchOp({ op: 'remove', path: 'userName' }), 400, 'invalidValue'],
      [patchOp({ op: 'dance', path: 'active', value: true }), 400, 'invalidSyntax'],
      [{ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'] }, 400, 'invalidSyntax'],
      [{ Operations: 'replace' }, 400, 'invalidSyntax'],
    ];
    for (const [body, status, scimType] of cases) {
      const res = await client.patch(`/Users/${u.id}`, body);
      expectError(res, status, scimType);
    }
    // Several operations, the last one bad: the good ones before it are not applied either.
    const partial = await client.patch(
      `/Users/${u.id}`,
      patchOp(
        { op: 'replace', path: 'displayName', value: 'After' },
        { op: 'add', path: 'emails', value: [{ value: 'new@x.com', type: 'work' }] },
        { op: 'replace', path: 'costCenter', value: '1' },
      ),
    );
    expectError(partial, 400, 'invalidPath');
    const now = (await client.get(`/Users/${u.id}`)).body;
    expect(now.displayName).to.equal('Before');
    expect(now).to.not.have.property('emails');
    expect(now.meta.version).to.equal('W/"1"');
  });

  it('answers filters outside the grammar or the allow-list with 400 invalidFilter', async () => {
    const { client } = await scimTenant(server);
    for (const filter of [
      'userName eq',
      'nickName eq "CEO"',
      'userName zz "a"',
      'active eq "yes"',
      '((userName eq "a")',
      'userName eq "a" and',
    ]) {
      expectError(await client.users(filter), 400, 'invalidFilter');
    }
    expectError(await client.groups('members pr'), 400, 'invalidFilter');
    expectError(await client.groups('name eq "x"'), 400, 'invalidFilter');
  });

  it('never pollutes prototypes nor stores keys outside the allow-list', async () => {
    const { client } = await scimTenant(server);
    const hostile =
      '{"userName":"proto@x.com","__proto__":{"polluted":"yes","isAdmin":true},"constructor":{"prototype":{"polluted":"yes"}},' +
      '"tenantId":"other","_id":"chosen","source":"admin","version":99,"userNameLower":"evil","entraObjectId":"00000000-0000-0000-0000-000000000000",' +
      '"name":{"givenName":"P","__proto__":{"polluted":"yes"}},"emails":[{"value":"p@x.com","__proto__":{"polluted":"yes"},"$where":"1"}]}';
    const created = await client.call('POST', '/Users', undefined, { raw: hostile });
    expect(created.status).to.equal(201);
    expect(created.body.id).to.not.equal('chosen');
    expect(Object.keys(created.body).sort()).to.deep.equal([
      'active',
      'emails',
      'id',
      'meta',
      'name',
      'schemas',
      'userName',
    ]);
    expect(created.body.name).to.deep.equal({ givenName: 'P' });
    expect(created.body.emails).to.deep.equal([{ value: 'p@x.com' }]);
    expect(created.body.meta.version).to.equal('W/"1"');
    for (const path of [
      '__proto__.polluted',
      'constructor.prototype.polluted',
      '__proto__',
      'toString',
      'hasOwnProperty',
    ]) {
      expectError(
        await client.patch(`/Users/${created.body.id}`, patchOp({ op: 'add', path, value: 'yes' })),
        400,
        'invalidPath',
      );
    }
    const pathless = await client.call('PATCH', `/Users/${created.body.id}`, undefined, {
      raw: '{"Operations":[{"op":"replace","value":{"__proto__":{"polluted":"yes"}}}]}',
    });
    expectError(pathless, 400, 'invalidPath');
    const group = await client.call('POST', '/Groups', undefined, {
      raw:
        '{"displayName":"G","__proto__":{"polluted":"yes"},"members":[{"value":"' +
        created.body.id +
        '","__proto__":{"x":1}}]}',
    });
    expect(group.status).to.equal(201);
    expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
    expect(({} as Record<string, unknown>).isAdmin).to.equal(undefined);
    expect(Object.prototype).to.not.have.property('polluted');
    const found = await client.users('userName eq "proto@x.com"');
    expect(found.body.totalResults).to.equal(1);
  });

  it('answers unknown routes with 404, wrong methods with 405, both as SCIM errors', async () => {
    const { client } = await scimTenant(server);
    expectError(await client.get('/Nope'), 404);
    expectError(await client.call('DELETE', '/Users'), 405);
    expectError(await client.post(`/Users/${randomUUID()}`, { userName: 'x' }), 405);
    expectError(await client.get('/Me'), 501);
    const outside = await fetch(`${server.baseUrl}/scim/v2/Users`);
    expect(outside.status).to.equal(404);
    expect(((await outside.json()) as { schemas: string[] }).schemas).to.deep.equal([errorSchema]);
  });

  it('maps domain errors and masks anything unexpected (one mapper)', () => {
    expect(toScimError(new NotFoundError('user', 'x'))).to.deep.include({ status: 404, unexpected: false });
    const boom = toScimError(
      new Error('E11000 duplicate key in collection directory.users at /srv/app.js:12'),
    );
    expect(boom.status).to.equal(500);
    expect(boom.unexpected).to.equal(true);
    expect(boom.body).to.deep.equal({
      schemas: [errorSchema],
      status: '500',
      detail: 'internal server error',
    });
    expect(toScimError({ type: 'entity.too.large', status: 413 }).status).to.equal(413);
  });
});
