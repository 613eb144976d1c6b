import { expect } from 'chai';
import type { User } from '../../src/domain/types.js';
import { userAttribute, userAttributeKeys } from '../../src/scim/attributes.js';
import { userInputFromResource } from '../../src/scim/input.js';
import { presentUser } from '../../src/scim/presenters.js';
import { applyUserPatch } from '../../src/scim/patch-user.js';
import { parsePatchRequest } from '../../src/scim/patch.js';
import { enterpriseUserSchema, userSchema, type AttributeDef } from '../../src/scim/schema.js';
import { urn } from '../../src/scim/urns.js';

const coreUser = urn.user;
const enterpriseUser = urn.enterpriseUser;

/**
 * The attribute model (src/scim/schema.ts) is the one source of truth: what create/replace reads, what PATCH writes
 * and what a resource shows are the same attributes, for every attribute the schemas declare (unit tests).
 */
describe('SCIM attribute model (schema.ts → input, PATCH, presenters)', () => {
  const base = 'https://directory.example/scim/v2/tenants/t';

  /** A value for every writable attribute of a schema, built from the schema alone. */
  function sample(attrs: readonly AttributeDef[], path = ''): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const a of attrs) {
      if (a.mutability === 'readOnly' || a.computed) continue;
      const name = `${path}${a.name}`;
      if (a.multiValued) {
        out[a.name] = [sample(a.subAttributes ?? [], `${name}.`)];
      } else if (a.type === 'complex') {
        out[a.name] = sample(a.subAttributes ?? [], `${name}.`);
      } else if (a.type === 'boolean') {
        out[a.name] = a.name === 'active' ? false : true;
      } else {
        out[a.name] = `v-${name}`;
      }
    }
    return out;
  }

  const resource = () => ({
    ...sample(userSchema.attributes),
    [enterpriseUser]: sample(enterpriseUserSchema.attributes),
  });

  function asUser(fields: object): User {
    return {
      id: 'u1',
      tenantId: 't',
      emails: [],
      phoneNumbers: [],
      addresses: [],
      source: 'scim',
      createdAt: new Date(0),
      updatedAt: new Date(0),
      version: 1,
      ...fields,
    } as unknown as User;
  }

  it('reads every attribute of a create body and shows it back unchanged', () => {
    const body = resource();
    const shown = presentUser(asUser(userInputFromResource(body)), base);
    const { schemas, id, meta, ...attributes } = shown;
    expect(schemas).to.deep.equal([coreUser, enterpriseUser]);
    expect(id).to.equal('u1');
    expect(meta).to.be.an('object');
    const manager = (body[enterpriseUser] as { manager: { value: string } }).manager.value;
    expect(attributes).to.deep.equal({
      ...body,
      [enterpriseUser]: {
        ...(body[enterpriseUser] as object),
        manager: { value: manager, $ref: `${base}/Users/${manager}` },
      },
    });
  });

  it('writes every attribute path through PATCH, and clears each with remove', () => {
    const body = resource();
    const full = asUser(userInputFromResource(body));
    const empty = asUser({ userName: 'x', active: true });
    for (const key of userAttributeKeys()) {
      const a = userAttribute(key)!;
      if (a.kind !== 'simple') continue;
      const value = a.type === 'boolean' ? false : 'patched';
      const set = applyUserPatch(
        empty,
        parsePatchRequest({ Operations: [{ op: 'Replace', path: a.path, value }] }),
      );
      expect(set, a.path).to.deep.equal({ [a.field]: value });
      if (a.field === 'active') continue; // never cleared (services/users.ts: nextActive)
      const cleared = applyUserPatch(
        full,
        parsePatchRequest({ Operations: [{ op: 'Remove', path: a.path }] }),
      );
      expect(cleared, a.path).to.deep.equal({ [a.field]: undefined });
    }
  });
});
