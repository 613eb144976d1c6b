import { expect } from 'chai';
import { ScimError } from '../../src/scim/errors.js';
import { parseGroupFilter, parseUserFilter } from '../../src/scim/filter.js';

/** RFC 7644 §3.4.2.2 filters → the directory's Filter (unit tests; the HTTP tests run them against the database). */
function invalid(run: () => unknown): ScimError {
  try {
    run();
  } catch (err) {
    expect(err).to.be.instanceOf(ScimError);
    expect((err as ScimError).scimType).to.equal('invalidFilter');
    expect((err as ScimError).status).to.equal(400);
    return err as ScimError;
  }
  throw new Error('expected invalidFilter');
}

describe('SCIM filters (RFC 7644 §3.4.2.2)', () => {
  it('translates the lookups Entra sends', () => {
    expect(parseUserFilter('userName eq "Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee"')).to.deep.equal({
      kind: 'compare',
      field: 'userName',
      op: 'eq',
      value: 'Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee',
    });
    expect(parseUserFilter('externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"')).to.deep.equal({
      kind: 'compare',
      field: 'externalId',
      op: 'eq',
      value: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',
    });
    expect(parseUserFilter('emails[type eq "work"].value eq "a@contoso.com"')).to.deep.equal({
      kind: 'element',
      field: 'emails',
      filter: {
        kind: 'and',
        filters: [
          { kind: 'compare', field: 'type', op: 'eq', value: 'work' },
          { kind: 'compare', field: 'value', op: 'eq', value: 'a@contoso.com' },
        ],
      },
    });
    expect(parseGroupFilter('displayName eq "Sales"')).to.deep.equal({
      kind: 'compare',
      field: 'displayName',
      op: 'eq',
      value: 'Sales',
    });
    expect(parseGroupFilter('id eq "g1" and members[value eq "u1"]')).to.deep.equal({
      kind: 'and',
      filters: [
        { kind: 'compare', field: 'id', op: 'eq', value: 'g1' },
        { kind: 'hasMember', userId: 'u1' },
      ],
    });
  });

  it('accepts every operator, and/or/not, grouping and precedence', () => {
    for (const op of ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le'] as const) {
      expect(parseUserFilter(`userName ${op.toUpperCase()} "a"`)).to.deep.equal({
        kind: 'compare',
        field: 'userName',
        op,
        value: 'a',
      });
    }
    expect(parseUserFilter('displayName pr')).to.deep.equal({ kind: 'present', field: 'displayName' });
    const a = { kind: 'compare', field: 'userName', op: 'eq', value: 'a' };
    const b = { kind: 'compare', field: 'givenName', op: 'sw', value: 'b' };
    const c = { kind: 'compare', field: 'active', op: 'eq', value: true };
    expect(parseUserFilter('userName eq "a" or name.givenName sw "b" and active eq true')).to.deep.equal({
      kind: 'or',
      filters: [a, { kind: 'and', filters: [b, c] }],
    });
    expect(parseUserFilter('(userName eq "a" or name.givenName sw "b") and active eq true')).to.deep.equal({
      kind: 'and',
      filters: [{ kind: 'or', filters: [a, b] }, c],
    });
    expect(parseUserFilter('not (userName eq "a")')).to.deep.equal({ kind: 'not', filter: a });
  });

  it('matches attribute names case-insensitively, with or without their schema URN', () => {
    const expected = { kind: 'compare', field: 'userName', op: 'eq', value: 'x' };
    expect(parseUserFilter('USERNAME eq "x"')).to.deep.equal(expected);
    expect(parseUserFilter('urn:ietf:params:scim:schemas:core:2.0:User:userName eq "x"')).to.deep.equal(
      expected,
    );
    expect(
      parseUserFilter('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "R&D"'),
    ).to.deep.equal({ kind: 'compare', field: 'department', op: 'eq', value: 'R&D' });
    expect(parseUserFilter('name.FamilyName ew "son"')).to.deep.equal({
      kind: 'compare',
      field: 'familyName',
      op: 'ew',
      value: 'son',
    });
  });

  it('reads quoted values with JSON escapes exactly (the library parser doubles backslashes)', () => {
    const v = (f: string) => (parseUserFilter(f) as { value: unknown }).value;
    expect(v(String.raw`userName eq "DOMAIN\\ada"`)).to.equal('DOMAIN\\ada');
    expect(v(String.raw`userName eq "say \"hi\""`)).to.equal('say "hi"');
    expect(v(String.raw`userName eq "caf\u00e9"`)).to.equal('café');
    expect(v(String.raw`userName eq "ends with \\"`)).to.equal('ends with \\');
    expect(v('userName eq "a and b or (c)"')).to.equal('a and b or (c)');
    expect(v('userName eq "0"')).to.equal('0');
  });

  it('turns comparisons on multi-valued attributes into entry conditions', () => {
    expect(parseUserFilter('emails co "@contoso.com"')).to.deep.equal({
      kind: 'element',
      field: 'emails',
      filter: { kind: 'compare', field: 'value', op: 'co', value: '@contoso.com' },
    });
    expect(parseUserFilter('phoneNumbers.type eq "mobile"')).to.deep.equal({
      kind: 'element',
      field: 'phoneNumbers',
      filter: { kind: 'compare', field: 'type', op: 'eq', value: 'mobile' },
    });
    expect(parseUserFilter('emails[primary eq true]')).to.deep.equal({
      kind: 'element',
      field: 'emails',
      filter: { kind: 'compare', field: 'primary', op: 'eq', value: true },
    });
    expect(parseUserFilter('emails pr')).to.deep.equal({ kind: 'present', field: 'emails' });
  });

  it('reads meta dates and or-ed member ids', () => {
    const f = parseUserFilter('meta.lastModified gt "2024-01-01T00:00:00Z"') as { value: unknown };
    expect(f.value).to.be.instanceOf(Date);
    expect(parseGroupFilter('members[value eq "a" or value eq "b"]')).to.deep.equal({
      kind: 'or',
      filters: [
        { kind: 'hasMember', userId: 'a' },
        { kind: 'hasMember', userId: 'b' },
      ],
    });
  });

  it('answers invalidFilter for attributes outside the allow-list, bad types, operators and syntax', () => {
    for (const bad of [
      'nickName eq "x"',
      'addresses[type eq "work"]',
      'manager.$ref eq "x"',
      'password eq "x"',
      '__proto__ eq "x"',
      'constructor.prototype eq "x"',
      'tenantId eq "x"',
      'userNameLower eq "x"',
      'userName xx "a"',
      '(userName eq "a"',
      'userName eq "a',
      'userName eq',
      'active eq "yes"',
      'active co true',
      'userName eq true',
      'emails[foo eq "x"]',
      'emails[type eq "work"][value eq "x"]',
      'meta.created gt "not a date"',
      'userName eq "a" and',
      '',
      `userName eq "${'a'.repeat(5000)}"`,
    ]) {
      invalid(() => parseUserFilter(bad));
    }
    for (const bad of ['members pr', 'members[display eq "x"]', 'members[value ne "x"]', 'name eq "x"']) {
      invalid(() => parseGroupFilter(bad));
    }
  });
});
