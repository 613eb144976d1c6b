import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import {
  coreUser,
  enterpriseUser,
  patchOp,
  scimTenant,
  startServer,
  type ScimClient,
  type TestServer,
} from './helpers.js';

/**
 * Issue 11: every attribute of Microsoft Entra ID's default attribute mapping for a non-gallery SCIM app (and the
 * rest of RFC 7643 §4.1 and §4.3), sent as Entra sends it, over real HTTP against the real database.
 */
describe('SCIM: the whole core User and enterprise extension (issue 11)', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server.close();
  });

  /** Entra's create request with the default mapping filled in (userPrincipalName, jobTitle, city, mobile…). */
  const entraCreate = (userName: string, extra: Record<string, unknown> = {}) => ({
    schemas: [coreUser, enterpriseUser],
    externalId: `ext-${randomUUID()}`,
    userName,
    active: true,
    displayName: 'Ada Lovelace',
    title: 'Analyst',
    preferredLanguage: 'en-GB',
    name: { formatted: 'Ada Lovelace', familyName: 'Lovelace', givenName: 'Ada' },
    emails: [{ primary: true, type: 'work', value: userName }],
    phoneNumbers: [
      { type: 'work', value: '+44 20 1234' },
      { type: 'mobile', value: '+44 7700 900000' },
      { type: 'fax', value: '+44 20 9999' },
    ],
    addresses: [
      {
        type: 'work',
        streetAddress: '12 St James Sq',
        locality: 'London',
        region: 'Greater London',
        postalCode: 'SW1Y 4JH',
        country: 'GB',
        primary: true,
      },
      { type: 'other', formatted: 'Building 4, room 2' },
    ],
    [enterpriseUser]: { employeeNumber: '1815', department: 'Engines' },
    meta: { resourceType: 'User' },
    roles: [],
    ...extra,
  });

  async function create(client: ScimClient, extra: Record<string, unknown> = {}) {
    const userName = `ada-${randomUUID()}@contoso.com`;
    const res = await client.post('/Users', entraCreate(userName, extra));
    expect(res.status, res.text).to.equal(201);
    return res.body as { id: string; userName: string } & Record<string, unknown>;
  }

  it('creates a user with every attribute of the default mapping and reads every value back', async () => {
    const { client } = await scimTenant(server);
    const u = await create(client, {
      nickName: 'Ada',
      userType: 'Employee',
      locale: 'en-GB',
      timezone: 'Europe/London',
      profileUrl: 'https://example.com/ada',
      name: {
        formatted: 'Ms. Augusta Ada King, Countess of Lovelace',
        familyName: 'King',
        givenName: 'Augusta',
        middleName: 'Ada',
        honorificPrefix: 'Ms.',
        honorificSuffix: 'Countess of Lovelace',
      },
      [enterpriseUser]: {
        employeeNumber: '1815',
        costCenter: 'CC-7',
        organization: 'Analytical Engines Ltd',
        division: 'Research',
        department: 'Engines',
      },
    });
    const read = (await client.get(`/Users/${u.id}`)).body;
    expect(read.schemas).to.deep.equal([coreUser, enterpriseUser]);
    expect(read).to.deep.include({
      displayName: 'Ada Lovelace',
      nickName: 'Ada',
      title: 'Analyst',
      userType: 'Employee',
      preferredLanguage: 'en-GB',
      locale: 'en-GB',
      timezone: 'Europe/London',
      profileUrl: 'https://example.com/ada',
      name: {
        formatted: 'Ms. Augusta Ada King, Countess of Lovelace',
        familyName: 'King',
        givenName: 'Augusta',
        middleName: 'Ada',
        honorificPrefix: 'Ms.',
        honorificSuffix: 'Countess of Lovelace',
      },
      phoneNumbers: [
        { type: 'work', value: '+44 20 1234' },
        { type: 'mobile', value: '+44 7700 900000' },
        { type: 'fax', value: '+44 20 9999' },
      ].map(({ type, value }) => ({ value, type })),
      addresses: [
        {
          streetAddress: '12 St James Sq',
          locality: 'London',
          region: 'Greater London',
          postalCode: 'SW1Y 4JH',
          country: 'GB',
          type: 'work',
          primary: true,
        },
        { formatted: 'Building 4, room 2', type: 'other' },
      ],
      [enterpriseUser]: {
        employeeNumber: '1815',
        costCenter: 'CC-7',
        organization: 'Analytical Engines Ltd',
        division: 'Research',
        department: 'Engines',
      },
    });
    expect(read).to.not.have.property('roles');
  });

  it("applies Entra's rename (givenName, name.formatted and displayName in one PATCH) whole", async () => {
    const { client } = await scimTenant(server);
    const u = await create(client);
    const res = await client.patch(
      `/Users/${u.id}`,
      patchOp(
        { op: 'Replace', path: 'name.givenName', value: 'Augusta' },
        { op: 'Replace', path: 'name.formatted', value: 'Augusta Lovelace' },
        { op: 'Replace', path: 'displayName', value: 'Augusta Lovelace' },
        { op: 'Replace', path: 'title', value: 'Countess' },
      ),
    );
    expect(res.status, res.text).to.equal(200);
    expect(res.body.name).to.deep.equal({
      formatted: 'Augusta Lovelace',
      familyName: 'Lovelace',
      givenName: 'Augusta',
    });
    expect(res.body).to.include({ displayName: 'Augusta Lovelace', title: 'Countess' });
  });

  it('applies one PATCH replacing every attribute, in the shapes Entra sends (paths, filters, URNs, path-less)', async () => {
    const { client } = await scimTenant(server);
    const u = await create(client);
    const res = await client.patch(
      `/Users/${u.id}`,
      patchOp(
        { op: 'Replace', path: 'userName', value: u.userName.toUpperCase() },
        { op: 'Replace', path: 'displayName', value: 'A. King' },
        { op: 'Replace', path: 'title', value: 'Countess' },
        { op: 'Replace', path: 'preferredLanguage', value: 'fr-FR' },
        { op: 'Replace', path: 'name.familyName', value: 'King' },
        { op: 'Replace', path: 'name.givenName', value: 'Augusta' },
        { op: 'Replace', path: 'name.formatted', value: 'Augusta King' },
        { op: 'Replace', path: 'emails[type eq "work"].value', value: 'augusta@contoso.com' },
        { op: 'Replace', path: 'phoneNumbers[type eq "work"].value', value: '+33 1 0000' },
        { op: 'Replace', path: 'phoneNumbers[type eq "mobile"].value', value: '+33 6 0000' },
        { op: 'Replace', path: 'phoneNumbers[type eq "fax"].value', value: '+33 1 9999' },
        { op: 'Replace', path: 'addresses[type eq "work"].streetAddress', value: '1 Rue de Rivoli' },
        { op: 'Replace', path: 'addresses[type eq "work"].locality', value: 'Paris' },
        { op: 'Replace', path: 'addresses[type eq "work"].region', value: 'IDF' },
        { op: 'Replace', path: 'addresses[type eq "work"].postalCode', value: '75001' },
        { op: 'Replace', path: 'addresses[type eq "work"].country', value: 'FR' },
        { op: 'Replace', path: 'addresses[type eq "other"].formatted', value: 'Tour Eiffel' },
        { op: 'Replace', path: `${enterpriseUser}:employeeNumber`, value: '1816' },
        { op: 'Replace', path: `${enterpriseUser}:department`, value: 'Poetry' },
        {
          op: 'replace',
          value: {
            nickName: 'Gussie',
            'name.middleName': 'Ada',
            [`${enterpriseUser}:costCenter`]: 'CC-9',
            [enterpriseUser]: { division: 'Letters', organization: 'Paris Office' },
          },
        },
        { op: 'Replace', path: 'active', value: 'False' },
      ),
    );
    expect(res.status, res.text).to.equal(200);
    const read = (await client.get(`/Users/${u.id}`)).body;
    expect(read).to.deep.include({
      userName: u.userName.toUpperCase(),
      displayName: 'A. King',
      nickName: 'Gussie',
      title: 'Countess',
      preferredLanguage: 'fr-FR',
      active: false,
      name: { formatted: 'Augusta King', familyName: 'King', givenName: 'Augusta', middleName: 'Ada' },
      emails: [{ value: 'augusta@contoso.com', type: 'work', primary: true }],
      phoneNumbers: [
        { value: '+33 1 0000', type: 'work' },
        { value: '+33 6 0000', type: 'mobile' },
        { value: '+33 1 9999', type: 'fax' },
      ],
      addresses: [
        {
          streetAddress: '1 Rue de Rivoli',
          locality: 'Paris',
          region: 'IDF',
          postalCode: '75001',
          country: 'FR',
          type: 'work',
          primary: true,
        },
        { formatted: 'Tour Eiffel', type: 'other' },
      ],
      [enterpriseUser]: {
        employeeNumber: '1816',
        costCenter: 'CC-9',
        organization: 'Paris Office',
        division: 'Letters',
        department: 'Poetry',
      },
    });
    expect(read.meta.version).to.equal('W/"2"');
  });

  it('creates the entry when Add or Replace names a work address or a fax number the user does not have', async () => {
    const { client } = await scimTenant(server);
    const res = await client.post('/Users', { userName: `bare-${randomUUID()}@contoso.com` });
    const id = res.body.id as string;
    const patched = await client.patch(
      `/Users/${id}`,
      patchOp(
        { op: 'Add', path: 'addresses[type eq "work"].locality', value: 'Helsinki' },
        { op: 'Add', path: 'addresses[type eq "work"].country', value: 'FI' },
        { op: 'Add', path: 'phoneNumbers[type eq "fax"].value', value: '+358 9 000' },
        { op: 'Replace', path: 'addresses[type eq "home"].postalCode', value: '00100' },
      ),
    );
    expect(patched.status, patched.text).to.equal(200);
    expect(patched.body.addresses).to.deep.equal([
      { locality: 'Helsinki', country: 'FI', type: 'work' },
      { postalCode: '00100', type: 'home' },
    ]);
    expect(patched.body.phoneNumbers).to.deep.equal([{ value: '+358 9 000', type: 'fax' }]);
  });

  it('removes an entry by filter, a single sub-attribute, and a single attribute', async () => {
    const { client } = await scimTenant(server);
    const u = await create(client);
    const res = await client.patch(
      `/Users/${u.id}`,
      patchOp(
        { op: 'Remove', path: 'addresses[type eq "other"]' },
        { op: 'Remove', path: 'addresses[type eq "work"].region' },
        { op: 'Remove', path: 'phoneNumbers[type eq "fax"]' },
        { op: 'Remove', path: 'title' },
        { op: 'Remove', path: 'name.formatted' },
        { op: 'Remove', path: `${enterpriseUser}:employeeNumber` },
        // absent targets: nothing to do, success (entra-quirks.ts, quirk 7)
        { op: 'Remove', path: 'addresses[type eq "home"]' },
        { op: 'Remove', path: 'nickName' },
      ),
    );
    expect(res.status, res.text).to.equal(200);
    expect(res.body).to.not.have.property('title');
    expect(res.body.name).to.deep.equal({ familyName: 'Lovelace', givenName: 'Ada' });
    expect(res.body.addresses).to.deep.equal([
      {
        streetAddress: '12 St James Sq',
        locality: 'London',
        postalCode: 'SW1Y 4JH',
        country: 'GB',
        type: 'work',
        primary: true,
      },
    ]);
    expect(res.body.phoneNumbers.map((p: { type: string }) => p.type)).to.deep.equal(['work', 'mobile']);
    expect(res.body[enterpriseUser]).to.deep.equal({ department: 'Engines' });
    // the last part of an address removed: the address is gone
    const emptied = await client.patch(
      `/Users/${u.id}`,
      patchOp(
        { op: 'Remove', path: 'addresses[type eq "work"].streetAddress' },
        ...['locality', 'postalCode', 'country'].map((p) => ({
          op: 'Remove',
          path: `addresses[type eq "work"].${p}`,
        })),
      ),
    );
    expect(emptied.body).to.not.have.property('addresses');
  });

  it('refuses a PATCH whole when one operation is refused: nothing of it is applied', async () => {
    const { client } = await scimTenant(server);
    const u = await create(client);
    const before = (await client.get(`/Users/${u.id}`)).body;
    for (const [bad, scimType] of [
      [{ op: 'Replace', path: 'roles[primary eq "True"].value', value: 'x' }, 'invalidPath'],
      [{ op: 'Replace', path: 'name.initials', value: 'x' }, 'invalidPath'],
      [{ op: 'Replace', path: `${enterpriseUser}:employeeId`, value: 'x' }, 'invalidPath'],
      [{ op: 'Replace', path: 'title', value: 42 }, 'invalidValue'],
      [{ op: 'Replace', path: `${enterpriseUser}:manager`, value: randomUUID() }, 'invalidValue'],
    ] as const) {
      const res = await client.patch(
        `/Users/${u.id}`,
        patchOp(
          { op: 'Replace', path: 'title', value: 'Changed' },
          { op: 'Add', path: 'addresses[type eq "home"].locality', value: 'Changed' },
          bad,
        ),
      );
      expect(res.status, JSON.stringify(bad)).to.equal(400);
      expect(res.body.scimType, JSON.stringify(bad)).to.equal(scimType);
    }
    expect((await client.get(`/Users/${u.id}`)).body).to.deep.equal(before);
  });

  it('ignores attributes outside the schemas in POST and PUT bodies, consistently', async () => {
    const { client } = await scimTenant(server);
    const u = await create(client, {
      roles: [{ value: 'admin' }],
      'urn:example:custom:User': { x: 1 },
      ims: [],
    });
    const put = await client.put(`/Users/${u.id}`, {
      ...entraCreate(u.userName),
      title: 'Replaced',
      roles: [{ value: 'admin' }],
      name: { givenName: 'Ada', initials: 'AL' },
      [enterpriseUser]: { department: 'Engines', employeeId: '9' },
    });
    expect(put.status, put.text).to.equal(200);
    expect(put.body.title).to.equal('Replaced');
    expect(put.body.name).to.deep.equal({ givenName: 'Ada' });
    expect(put.body[enterpriseUser]).to.deep.equal({ department: 'Engines' });
    expect(put.text).to.not.match(/roles|initials|employeeId|urn:example/);
  });

  describe('manager (enterprise extension §4.3), a reference to a user of the same tenant', () => {
    const managerPath = `${enterpriseUser}:manager`;

    it('sets (as Entra sends it, the id string), replaces ({value}), filters and removes the manager', async () => {
      const { client, tenantUrl } = await scimTenant(server);
      const boss = await create(client);
      const other = await create(client);
      const u = await create(client);
      const set = await client.patch(
        `/Users/${u.id}`,
        patchOp({ op: 'Add', path: managerPath, value: boss.id }),
      );
      expect(set.status, set.text).to.equal(200);
      expect(set.body[enterpriseUser].manager).to.deep.equal({
        value: boss.id,
        $ref: `${tenantUrl}/Users/${boss.id}`,
      });
      const replaced = await client.patch(
        `/Users/${u.id}`,
        patchOp({ op: 'Replace', path: managerPath, value: { value: other.id } }),
      );
      expect(replaced.body[enterpriseUser].manager.value).to.equal(other.id);
      for (const filter of [`${managerPath}.value eq "${other.id}"`, `manager.value eq "${other.id}"`]) {
        const found = await client.users(filter);
        expect(found.status, found.text).to.equal(200);
        expect(found.body.Resources.map((r: { id: string }) => r.id)).to.deep.equal([u.id]);
      }
      // path-less, keyed by the URN of the attribute (aadOptscim062020)
      const pathless = await client.patch(
        `/Users/${u.id}`,
        patchOp({ op: 'replace', value: { [managerPath]: boss.id } }),
      );
      expect(pathless.body[enterpriseUser].manager.value).to.equal(boss.id);
      const removed = await client.patch(`/Users/${u.id}`, patchOp({ op: 'Remove', path: managerPath }));
      expect(removed.status).to.equal(200);
      expect(removed.body[enterpriseUser]).to.deep.equal({ employeeNumber: '1815', department: 'Engines' });
      // on create too, in either shape
      const created = await create(client, { [enterpriseUser]: { manager: boss.id } });
      expect((created[enterpriseUser] as { manager: { value: string } }).manager.value).to.equal(boss.id);
    });

    it('refuses an unknown id, a user of another tenant, and the user itself: 400 invalidValue naming manager', async () => {
      const { client } = await scimTenant(server);
      const { client: elsewhere } = await scimTenant(server);
      const stranger = await create(elsewhere);
      const u = await create(client);
      for (const value of [randomUUID(), stranger.id, u.id, 'not-an-id']) {
        const res = await client.patch(
          `/Users/${u.id}`,
          patchOp({ op: 'Replace', path: managerPath, value }),
        );
        expect(res.status, value).to.equal(400);
        expect(res.body.scimType).to.equal('invalidValue');
        expect(res.body.detail).to.match(/manager/);
      }
      const post = await client.post('/Users', {
        userName: `x-${randomUUID()}@contoso.com`,
        [enterpriseUser]: { manager: { value: randomUUID() } },
      });
      expect(post.status).to.equal(400);
      expect(post.body.scimType).to.equal('invalidValue');
      expect((await client.get(`/Users/${u.id}`)).body[enterpriseUser]).to.not.have.property('manager');
    });

    it('leaves no dangling reference when the manager is deleted', async () => {
      const { client } = await scimTenant(server);
      const boss = await create(client);
      const reports = [await create(client), await create(client)];
      for (const r of reports) {
        expect(
          (await client.patch(`/Users/${r.id}`, patchOp({ op: 'Add', path: managerPath, value: boss.id })))
            .status,
        ).to.equal(200);
      }
      expect((await client.delete(`/Users/${boss.id}`)).status).to.equal(204);
      for (const r of reports) {
        const read = (await client.get(`/Users/${r.id}`)).body;
        expect(read[enterpriseUser]).to.not.have.property('manager');
      }
      expect((await client.users(`manager.value eq "${boss.id}"`)).body.totalResults).to.equal(0);
    });
  });
});
