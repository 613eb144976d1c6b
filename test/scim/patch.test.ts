import { expect } from 'chai';
import type { User } from '../../src/domain/types.js';
import { ScimError } from '../../src/scim/errors.js';
import { parsePatchRequest, type PatchOperation } from '../../src/scim/patch.js';
import { applyGroupPatch } from '../../src/scim/patch-group.js';
import { applyUserPatch } from '../../src/scim/patch-user.js';

/** RFC 7644 §3.5.2 PATCH → the directory's changes (unit tests; HTTP tests cover the same through the API). */
const user = (over: Partial<User> = {}): User => ({
  id: 'u1',
  tenantId: 't',
  userName: 'ada@contoso.com',
  active: true,
  emails: [],
  phoneNumbers: [],
  addresses: [],
  source: 'scim',
  createdAt: new Date(0),
  updatedAt: new Date(0),
  version: 1,
  ...over,
});

const ops = (...o: unknown[]) => parsePatchRequest({ Operations: o });

function scimError(run: () => unknown): ScimError {
  try {
    run();
  } catch (err) {
    expect(err).to.be.instanceOf(ScimError);
    return err as ScimError;
  }
  throw new Error('expected a SCIM error');
}

describe('SCIM PATCH applier (RFC 7644 §3.5.2)', () => {
  it('folds group member operations in order: the last word on a member wins', () => {
    expect(
      applyGroupPatch(
        ops(
          { op: 'add', path: 'members', value: [{ value: 'a' }, { value: 'b' }] },
          { op: 'remove', path: 'members[value eq "a"]' },
        ),
      ),
    ).to.deep.equal({ addMembers: ['b'], removeMembers: ['a'] });
    expect(
      applyGroupPatch(
        ops(
          { op: 'remove', path: 'members', value: [{ value: 'a' }] },
          { op: 'add', path: 'members', value: [{ value: 'a' }] },
        ),
      ),
    ).to.deep.equal({ addMembers: ['a'] });
    expect(
      applyGroupPatch(
        ops(
          { op: 'replace', path: 'members', value: [{ value: 'a' }] },
          { op: 'add', path: 'members', value: [{ value: 'b' }] },
          { op: 'remove', path: 'members[value eq "a"]' },
        ),
      ),
    ).to.deep.equal({ replaceMembers: ['b'] });
    expect(
      applyGroupPatch(
        ops({ op: 'remove', path: 'members' }, { op: 'add', path: 'members', value: [{ value: 'c' }] }),
      ),
    ).to.deep.equal({ removeAllMembers: true, addMembers: ['c'] });
  });

  it('changes group attributes without reading the group', () => {
    expect(
      applyGroupPatch(
        ops(
          { op: 'replace', value: { displayName: 'New', externalId: 'e1' } },
          { op: 'remove', path: 'externalId' },
        ),
      ),
    ).to.deep.equal({ set: { displayName: 'New', externalId: undefined } });
    expect(applyGroupPatch(ops())).to.deep.equal({});
  });

  it('sets and clears simple, complex and extension attributes', () => {
    const changes = applyUserPatch(
      user({ givenName: 'Ada', familyName: 'L', department: 'X' }),
      ops(
        {
          op: 'replace',
          path: 'name',
          value: { familyName: 'Lovelace', formatted: 'A L', initials: 'ignored' },
        },
        {
          op: 'add',
          path: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
          value: { department: 'R&D' },
        },
        { op: 'replace', path: 'displayName', value: 'Ada L.' },
        { op: 'remove', path: 'externalId' },
      ),
    );
    // only what the operations touch: modifyUser applies it to the user as read
    expect(changes).to.deep.equal({
      familyName: 'Lovelace',
      formattedName: 'A L',
      department: 'R&D',
      displayName: 'Ada L.',
      externalId: undefined,
    });
    expect(
      applyUserPatch(user({ givenName: 'A', familyName: 'B' }), ops({ op: 'remove', path: 'name' })),
    ).to.deep.equal({
      formattedName: undefined,
      givenName: undefined,
      familyName: undefined,
      middleName: undefined,
      honorificPrefix: undefined,
      honorificSuffix: undefined,
    });
  });

  it('keeps one primary entry: setting primary on one clears the others', () => {
    const u = user({ emails: [{ value: 'a@x', type: 'work', primary: true }] });
    const changes = applyUserPatch(
      u,
      ops({ op: 'add', path: 'emails', value: [{ value: 'b@x', type: 'home', primary: true }] }),
    );
    expect(changes.emails).to.deep.equal([
      { value: 'a@x', type: 'work', primary: false },
      { value: 'b@x', type: 'home', primary: true },
    ]);
  });

  it('adds to, replaces, filters and removes entries', () => {
    const u = user({
      emails: [
        { value: 'a@x', type: 'work' },
        { value: 'b@x', type: 'home' },
      ],
    });
    expect(
      applyUserPatch(
        u,
        ops({ op: 'add', path: 'emails', value: [{ value: 'A@x', type: 'work', primary: true }] }),
      ).emails,
    ).to.deep.equal([
      { value: 'A@x', type: 'work', primary: true },
      { value: 'b@x', type: 'home' },
    ]);
    expect(
      applyUserPatch(u, ops({ op: 'replace', path: 'emails', value: [{ value: 'c@x' }] })).emails,
    ).to.deep.equal([{ value: 'c@x' }]);
    expect(applyUserPatch(u, ops({ op: 'remove', path: 'emails[type eq "HOME"]' })).emails).to.deep.equal([
      { value: 'a@x', type: 'work' },
    ]);
    expect(
      applyUserPatch(u, ops({ op: 'remove', path: 'emails[type eq "work"].value' })).emails,
    ).to.deep.equal([{ value: 'b@x', type: 'home' }]);
    expect(
      applyUserPatch(u, ops({ op: 'remove', path: 'emails[type eq "work"].type' })).emails,
    ).to.deep.equal([{ value: 'a@x' }, { value: 'b@x', type: 'home' }]);
    expect(
      applyUserPatch(
        u,
        ops({ op: 'replace', path: 'emails[type eq "home"]', value: { value: 'h@x', display: 'x' } }),
      ).emails,
    ).to.deep.equal([
      { value: 'a@x', type: 'work' },
      { value: 'h@x', type: 'home' },
    ]);
    expect(applyUserPatch(u, ops({ op: 'remove', path: 'emails' })).emails).to.deep.equal([]);
  });

  it('refuses read-only, unknown and malformed paths, and malformed PatchOps', () => {
    const cases: Array<[unknown[], string]> = [
      [[{ op: 'replace', path: 'id', value: 'x' }], 'mutability'],
      [[{ op: 'replace', path: 'meta.created', value: 'x' }], 'mutability'],
      [[{ op: 'add', path: 'groups', value: [] }], 'mutability'],
      [[{ op: 'replace', path: 'nickname.value', value: 'x' }], 'invalidPath'],
      [[{ op: 'replace', path: 'name.initials', value: 'x' }], 'invalidPath'],
      [[{ op: 'replace', path: 'roles', value: 'x' }], 'invalidPath'],
      [
        [
          {
            op: 'replace',
            path: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeId',
            value: 'x',
          },
        ],
        'invalidPath',
      ],
      [
        [
          {
            op: 'replace',
            path: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.$ref',
            value: 'x',
          },
        ],
        'mutability',
      ],
      [[{ op: 'add', path: 'addresses[type eq "work"].value', value: 'x' }], 'invalidPath'],
      [[{ op: 'replace', path: 'urn:example:unknown:User:x', value: 'x' }], 'invalidPath'],
      [[{ op: 'replace', path: 'emails.value', value: 'x' }], 'invalidPath'],
      [[{ op: 'replace', path: 'emails[type eq "work"].display', value: 'x' }], 'invalidPath'],
      [[{ op: 'replace', path: 'userName[type eq "x"]', value: 'x' }], 'invalidPath'],
      [[{ op: 'replace', path: 'emails[type eq "work"', value: 'x' }], 'invalidPath'],
      [[{ op: 'replace', path: 'emails[typ eq "work"].value', value: 'x' }], 'invalidFilter'],
      [[{ op: 'remove' }], 'noTarget'],
      [[{ op: 'replace', path: 'emails[type ne "work"].value', value: 'x' }], 'noTarget'],
      [[{ op: 'replace', path: 'active', value: 'yes' }], 'invalidValue'],
      [[{ op: 'replace', path: 'displayName', value: 42 }], 'invalidValue'],
      [[{ op: 'replace', value: 'not an object' }], 'invalidValue'],
      [[{ op: 'frobnicate', path: 'active', value: true }], 'invalidSyntax'],
      [[{ op: 'add', path: 7, value: true }], 'invalidSyntax'],
      [['not an object'], 'invalidSyntax'],
    ];
    const u = user({ emails: [{ value: 'a@x', type: 'work' }] });
    for (const [operations, scimType] of cases) {
      const err = scimError(() => applyUserPatch(u, parsePatchRequest({ Operations: operations })));
      expect(err.scimType, JSON.stringify(operations)).to.equal(scimType);
    }
    expect(scimError(() => parsePatchRequest({ schemas: [] })).scimType).to.equal('invalidSyntax');
    expect(scimError(() => parsePatchRequest([])).scimType).to.equal('invalidSyntax');
    expect(
      scimError(() => applyGroupPatch(ops({ op: 'add', path: 'members', value: 'not a list' }))).scimType,
    ).to.equal('invalidValue');
    expect(
      scimError(() => applyGroupPatch(ops({ op: 'add', path: 'members[value eq "a"]' }))).scimType,
    ).to.equal('invalidPath');
    expect(
      scimError(() => applyGroupPatch(ops({ op: 'replace', path: 'members.value', value: 'a' }))).scimType,
    ).to.equal('invalidPath');
  });

  it('never copies a key outside the allow-list, nor touches prototypes', () => {
    const hostile: PatchOperation[] = parsePatchRequest(
      JSON.parse(
        '{"Operations":[{"op":"add","path":"emails","value":[{"value":"a@x","__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}},"extra":1}]},' +
          '{"op":"replace","path":"emails[type eq \\"work\\"]","value":{"__proto__":{"polluted":2},"value":"w@x"}}]}',
      ),
    );
    const changes = applyUserPatch(user(), hostile);
    expect(changes.emails).to.deep.equal([{ value: 'a@x' }, { type: 'work', value: 'w@x' }]);
    for (const path of ['__proto__.polluted', 'constructor.prototype', '__proto__', 'toString.x']) {
      const err = scimError(() => applyUserPatch(user(), ops({ op: 'add', path, value: 1 })));
      expect(err.scimType).to.equal('invalidPath');
    }
    expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
    expect(Object.prototype).to.not.have.property('polluted');
  });
});
