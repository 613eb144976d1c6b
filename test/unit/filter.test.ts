import { expect } from 'chai';
import { InvalidInputError } from '../../src/domain/errors.js';
import { toMongoFilter } from '../../src/db/filter.js';
import { groupFields } from '../../src/db/groups.js';
import { userFields } from '../../src/db/users.js';

describe('filter → database query (allow-list)', () => {
  it('compares userName on its lower-case copy', () => {
    expect(
      toMongoFilter({ kind: 'compare', field: 'userName', op: 'eq', value: 'Ada@X.com' }, userFields),
    ).to.deep.equal({
      userNameLower: 'ada@x.com',
    });
  });

  it('compares a multi-valued attribute with eq on the lower-case copies of its values', () => {
    expect(
      toMongoFilter({ kind: 'compare', field: 'emails', op: 'eq', value: 'Ada@X.com' }, userFields),
    ).to.deep.equal({ emailsLower: 'ada@x.com' });
    expect(
      toMongoFilter({ kind: 'compare', field: 'emails', op: 'co', value: 'X.com' }, userFields),
    ).to.deep.equal({ emails: { $elemMatch: { value: { $regex: 'X\\.com', $options: 'i' } } } });
  });

  it('compares case-insensitive names on their lower-case copies, substrings also on the search text', () => {
    expect(
      toMongoFilter({ kind: 'compare', field: 'givenName', op: 'sw', value: 'A.b*' }, userFields),
    ).to.deep.equal({
      givenNameLower: { $regex: '^a\\.b\\*' },
      searchText: { $regex: 'a\\.b\\*' },
    });
    expect(
      toMongoFilter({ kind: 'compare', field: 'displayName', op: 'gt', value: 'M' }, userFields),
    ).to.deep.equal({ displayNameLower: { $gt: 'm' } });
    // department keeps a lower-case copy but is no name: no search text condition
    expect(
      toMongoFilter({ kind: 'compare', field: 'department', op: 'co', value: 'Sales' }, userFields),
    ).to.deep.equal({ departmentLower: { $regex: 'sales' } });
    // a group's lower-case name has its own substring index
    expect(
      toMongoFilter({ kind: 'compare', field: 'displayName', op: 'ew', value: 'Team' }, groupFields),
    ).to.deep.equal({ displayNameLower: { $regex: 'team$' } });
  });

  it('escapes regex metacharacters and anchors sw/ew', () => {
    expect(
      toMongoFilter({ kind: 'compare', field: 'externalId', op: 'ew', value: '(x)' }, userFields),
    ).to.deep.equal({
      externalId: { $regex: '\\(x\\)$' },
    });
  });

  it('turns value paths into $elemMatch and logic into $and/$or/$nor', () => {
    const q = toMongoFilter(
      {
        kind: 'or',
        filters: [
          {
            kind: 'element',
            field: 'emails',
            filter: {
              kind: 'and',
              filters: [
                { kind: 'compare', field: 'type', op: 'eq', value: 'work' },
                { kind: 'compare', field: 'value', op: 'co', value: '@contoso' },
              ],
            },
          },
          { kind: 'not', filter: { kind: 'compare', field: 'active', op: 'eq', value: true } },
        ],
      },
      userFields,
    );
    expect(q).to.deep.equal({
      $or: [
        {
          emails: {
            $elemMatch: {
              $and: [
                { type: { $regex: '^work$', $options: 'i' } },
                { value: { $regex: '@contoso', $options: 'i' } },
              ],
            },
          },
        },
        { $nor: [{ active: true }] },
      ],
    });
  });

  it('refuses fields outside the allow-list, including prototype keys', () => {
    for (const field of ['password', '__proto__', 'constructor', 'tenantId', 'userNameLower', 'searchText']) {
      expect(() => toMongoFilter({ kind: 'compare', field, op: 'eq', value: 'x' }, userFields)).to.throw(
        InvalidInputError,
      );
    }
  });

  it('refuses operators a type does not support', () => {
    expect(() =>
      toMongoFilter({ kind: 'compare', field: 'active', op: 'co', value: 'x' }, userFields),
    ).to.throw(InvalidInputError);
    expect(() =>
      toMongoFilter({ kind: 'compare', field: 'createdAt', op: 'co', value: '2020' }, userFields),
    ).to.throw(InvalidInputError);
  });
});
