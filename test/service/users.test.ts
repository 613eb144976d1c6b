import { expect } from 'chai';
import {
  ConflictError,
  ImmutableFieldError,
  InvalidInputError,
  NotFoundError,
} from '../../src/domain/errors.js';
import { listAuditEvents } from '../../src/services/audit.js';
import {
  createUser,
  deleteUser,
  findUserByUserName,
  getUser,
  listUsers,
  updateUser,
} from '../../src/services/users.js';
import { ctxFor, makeTenant } from '../helpers/factories.js';

describe('users service (real database)', () => {
  it('keeps userName as given and finds it case-insensitively', async () => {
    const t = await makeTenant();
    const ctx = ctxFor(t, 'scim');
    const u = await createUser(ctx, { userName: 'Ada.Lovelace@Example.com', givenName: 'Ada' });
    expect(u.userName).to.equal('Ada.Lovelace@Example.com');
    expect((await findUserByUserName(ctx, 'ada.lovelace@example.COM'))?.id).to.equal(u.id);
    const page = await listUsers(ctx, {
      filter: { kind: 'compare', field: 'userName', op: 'eq', value: 'ADA.LOVELACE@example.com' },
      skip: 0,
      limit: 10,
    });
    expect(page.items.map((x) => x.id)).to.deep.equal([u.id]);
    expect(page.total).to.equal(1);
  });

  it('refuses a second userName that differs only in case, in the same tenant only', async () => {
    const t1 = await makeTenant();
    const t2 = await makeTenant();
    await createUser(ctxFor(t1, 'scim'), { userName: 'bob@example.com' });
    let err: unknown;
    try {
      await createUser(ctxFor(t1, 'scim'), { userName: 'BOB@example.com' });
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(ConflictError);
    expect((err as ConflictError).field).to.equal('userName');
    const other = await createUser(ctxFor(t2, 'scim'), { userName: 'BOB@example.com' });
    expect(other.tenantId).to.equal(t2.id);
  });

  it('never shows one tenant another tenant’s users', async () => {
    const t1 = await makeTenant();
    const t2 = await makeTenant();
    const u = await createUser(ctxFor(t1, 'scim'), { userName: 'secret@example.com' });
    let err: unknown;
    try {
      await getUser(ctxFor(t2), u.id);
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(NotFoundError);
    const page = await listUsers(ctxFor(t2), { skip: 0, limit: 50 });
    expect(page.items).to.have.length(0);
    expect(page.total).to.equal(0);
  });

  it('validates input and changes nothing on failure', async () => {
    const t = await makeTenant();
    const ctx = ctxFor(t, 'scim');
    const u = await createUser(ctx, { userName: 'carol@example.com', givenName: 'Carol' });
    for (const bad of [
      { userName: '' },
      {
        emails: [
          { value: 'a@x', primary: true },
          { value: 'b@x', primary: true },
        ],
      },
    ]) {
      let err: unknown;
      try {
        await updateUser(ctx, u.id, bad);
      } catch (e) {
        err = e;
      }
      expect(err).to.be.instanceOf(InvalidInputError);
    }
    const again = await getUser(ctx, u.id);
    expect(again).to.deep.equal(u);
  });

  it('lets only Entra change what Entra provisioned', async () => {
    const t = await makeTenant();
    const u = await createUser(ctxFor(t, 'scim'), { userName: 'dave@example.com', department: 'R&D' });
    let err: unknown;
    try {
      await updateUser(ctxFor(t, 'graphql'), u.id, { department: 'Sales' });
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(ImmutableFieldError);
    expect((await getUser(ctxFor(t), u.id)).department).to.equal('R&D');
    const updated = await updateUser(ctxFor(t, 'scim'), u.id, { department: 'Sales' });
    expect(updated.department).to.equal('Sales');
    expect(updated.version).to.equal(2);
  });

  it('records an audit event for every write', async () => {
    const t = await makeTenant();
    const ctx = ctxFor(t, 'scim');
    const u = await createUser(ctx, { userName: 'erin@example.com' });
    await updateUser(ctx, u.id, { active: false });
    await deleteUser(ctx, u.id);
    const events = await listAuditEvents(ctxFor(t), { targetId: u.id });
    expect(events.map((e) => e.action)).to.deep.equal(['user.delete', 'user.update', 'user.create']);
    expect(events[1]!.changes).to.deep.equal({ active: false });
    expect(events.every((e) => e.source === 'scim' && e.requestId === ctx.requestId)).to.equal(true);
  });
});
