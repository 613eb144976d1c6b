import { expect } from 'chai';
import {
  ConflictError,
  ImmutableFieldError,
  InvalidInputError,
  NotFoundError,
} from '../../src/domain/errors.js';
import { flushAudit, listAuditEvents } from '../../src/services/audit.js';
import {
  addMembers,
  changeGroup,
  countGroupMembers,
  createGroup,
  deleteGroup,
  getGroup,
  listGroupMembers,
  listGroups,
  listUserGroupMemberships,
  removeMembers,
} from '../../src/services/groups.js';
import { createUser, deleteUser } from '../../src/services/users.js';
import { commandCounter } from '../../src/db/connection.js';
import { caught, ctxFor, guid, makeTenant } from '../helpers/factories.js';

async function users(ctx: ReturnType<typeof ctxFor>, n: number) {
  const out = [];
  for (let i = 0; i < n; i++) out.push(await createUser(ctx, { userName: `u${i}-${guid()}@example.com` }));
  return out;
}

describe('groups and memberships service (real database)', () => {
  it('keeps displayName unique per tenant, case-insensitively', async () => {
    const t = await makeTenant();
    const ctx = ctxFor(t, 'scim');
    await createGroup(ctx, { displayName: 'Sales Team', externalId: guid() });
    const err = await caught(createGroup(ctx, { displayName: 'sales team' }));
    expect(err).to.be.instanceOf(ConflictError);
    expect((err as ConflictError).field).to.equal('displayName');
    const other = await makeTenant();
    await createGroup(ctxFor(other, 'scim'), { displayName: 'SALES TEAM' });
    const renamed = await createGroup(ctx, { displayName: 'Marketing' });
    expect(
      await caught(changeGroup(ctx, renamed.id, { set: { displayName: 'SALES team' } })),
    ).to.be.instanceOf(ConflictError);
    expect((await getGroup(ctx, renamed.id)).displayName).to.equal('Marketing');
  });

  it('adds and removes members idempotently', async () => {
    const t = await makeTenant();
    const ctx = ctxFor(t, 'scim');
    const [a, b] = await users(ctx, 2);
    const g = await createGroup(ctx, { displayName: 'G', members: [a!.id] });
    await addMembers(ctx, g.id, [a!.id, b!.id]);
    await addMembers(ctx, g.id, [a!.id, b!.id]);
    expect(await countGroupMembers(ctx, g.id)).to.equal(2);
    await removeMembers(ctx, g.id, [a!.id]);
    await removeMembers(ctx, g.id, [a!.id]);
    const members = await listGroupMembers(ctx, g.id, { limit: 10 });
    expect(members.map((m) => m.userId)).to.deep.equal([b!.id]);
    expect((await listUserGroupMemberships(ctx, b!.id, { limit: 10 })).map((m) => m.groupId)).to.deep.equal([
      g.id,
    ]);
  });

  it('never loses concurrent adds and removes', async () => {
    const t = await makeTenant();
    const ctx = ctxFor(t, 'scim');
    const us = await users(ctx, 12);
    const g = await createGroup(ctx, { displayName: 'Concurrent' });
    const keep = us.slice(0, 6);
    const drop = us.slice(6);
    await addMembers(
      ctx,
      g.id,
      drop.map((u) => u.id),
    );
    // Every user added in its own request, the "drop" ones removed in parallel, some adds repeated.
    await Promise.all([
      ...keep.map((u) => addMembers(ctx, g.id, [u.id])),
      ...keep.map((u) => addMembers(ctx, g.id, [u.id])),
      ...drop.map((u) => removeMembers(ctx, g.id, [u.id])),
    ]);
    const members = await listGroupMembers(ctx, g.id, { limit: 100 });
    expect(members.map((m) => m.userId).sort()).to.deep.equal(keep.map((u) => u.id).sort());
  });

  it('keeps up with many large member changes at once', async () => {
    const t = await makeTenant();
    const ctx = ctxFor(t, 'scim');
    const us = await users(ctx, 30);
    const groups = await Promise.all(
      Array.from({ length: 16 }, (_, i) => createGroup(ctx, { displayName: `Parallel ${i}` })),
    );
    // 16 changes of 30 members each in flight together (Entra sends member PATCHes in parallel).
    await Promise.all(
      groups.map((g) =>
        addMembers(
          ctx,
          g.id,
          us.map((u) => u.id),
        ),
      ),
    );
    for (const g of groups) expect(await countGroupMembers(ctx, g.id)).to.equal(30);
  });

  it('changes nothing when a member change names an unknown user or group', async () => {
    const t = await makeTenant();
    const ctx = ctxFor(t, 'scim');
    const [a] = await users(ctx, 1);
    const g = await createGroup(ctx, { displayName: 'Strict' });
    const err = await caught(
      changeGroup(ctx, g.id, { set: { displayName: 'Renamed' }, addMembers: [a!.id, guid()] }),
    );
    expect(err).to.be.instanceOf(InvalidInputError);
    expect(await getGroup(ctx, g.id)).to.deep.equal(g);
    expect(await countGroupMembers(ctx, g.id)).to.equal(0);
    expect(await caught(addMembers(ctx, guid(), [a!.id]))).to.be.instanceOf(NotFoundError);
  });

  it("checks members against the tenant's users, and a refused add leaves the members as they were", async () => {
    const t = await makeTenant();
    const ctx = ctxFor(t, 'scim');
    const [a, b] = await users(ctx, 2);
    const other = await makeTenant();
    const [stranger] = await users(ctxFor(other, 'scim'), 1);
    const g = await createGroup(ctx, { displayName: 'Checked' });
    await addMembers(ctx, g.id, [a!.id]);

    // Another tenant's user is no user here: the add is refused, and what it inserted first is gone again.
    expect(await caught(addMembers(ctx, g.id, [b!.id, stranger!.id]))).to.be.instanceOf(InvalidInputError);
    expect((await listGroupMembers(ctx, g.id, { limit: 10 })).map((m) => m.userId)).to.deep.equal([a!.id]);

    // A deleted user is no user either, and its memberships went with it.
    await addMembers(ctx, g.id, [b!.id]);
    await deleteUser(ctx, b!.id);
    expect(await countGroupMembers(ctx, g.id)).to.equal(1);
    const g2 = await createGroup(ctx, { displayName: 'Checked 2' });
    expect(await caught(addMembers(ctx, g2.id, [a!.id, b!.id]))).to.be.instanceOf(InvalidInputError);
    expect(await countGroupMembers(ctx, g2.id)).to.equal(0);
  });

  it('costs at most three database commands for a member change of any size', async () => {
    const t = await makeTenant();
    const ctx = ctxFor(t, 'scim');
    const us = await users(ctx, 40);
    const g = await createGroup(ctx, { displayName: 'Big' });
    await flushAudit(); // audit events of the set-up are written in a batch; keep them out of the count
    const counter = commandCounter();
    await addMembers(
      ctx,
      g.id,
      us.map((u) => u.id),
    );
    const adds = counter.total();
    counter.stop();
    const counter2 = commandCounter();
    await removeMembers(
      ctx,
      g.id,
      us.slice(0, 20).map((u) => u.id),
    );
    const removes = counter2.total();
    counter2.stop();
    expect(adds).to.be.at.most(3);
    expect(removes).to.be.at.most(3);
    expect(await countGroupMembers(ctx, g.id)).to.equal(20);
  });

  it('paginates members by keyset', async () => {
    const t = await makeTenant();
    const ctx = ctxFor(t, 'scim');
    const us = await users(ctx, 7);
    const g = await createGroup(ctx, { displayName: 'Paged', members: us.map((u) => u.id) });
    const seen: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await listGroupMembers(ctx, g.id, { afterUserId: after, limit: 3 });
      if (page.length === 0) break;
      seen.push(...page.map((m) => m.userId));
      after = page[page.length - 1]!.userId;
    }
    expect(seen).to.deep.equal(us.map((u) => u.id).sort());
  });

  it('drops memberships with their user or group', async () => {
    const t = await makeTenant();
    const ctx = ctxFor(t, 'scim');
    const [a, b] = await users(ctx, 2);
    const g1 = await createGroup(ctx, { displayName: 'One', members: [a!.id, b!.id] });
    const g2 = await createGroup(ctx, { displayName: 'Two', members: [a!.id] });
    await deleteUser(ctx, a!.id);
    expect(await countGroupMembers(ctx, g1.id)).to.equal(1);
    expect(await countGroupMembers(ctx, g2.id)).to.equal(0);
    await deleteGroup(ctx, g1.id);
    expect(await listUserGroupMemberships(ctx, b!.id, { limit: 10 })).to.have.length(0);
  });

  it('filters groups by member through the membership index', async () => {
    const t = await makeTenant();
    const ctx = ctxFor(t, 'scim');
    const [a] = await users(ctx, 1);
    const g = await createGroup(ctx, { displayName: 'With A', members: [a!.id] });
    await createGroup(ctx, { displayName: 'Without A' });
    const page = await listGroups(ctx, {
      filter: {
        kind: 'and',
        filters: [
          { kind: 'compare', field: 'id', op: 'eq', value: g.id },
          { kind: 'hasMember', userId: a!.id },
        ],
      },
      skip: 0,
      limit: 10,
    });
    expect(page.items.map((x) => x.id)).to.deep.equal([g.id]);
  });

  it('refuses admin edits of provisioned groups, allows admin-made ones, and audits', async () => {
    const t = await makeTenant();
    const scim = ctxFor(t, 'scim');
    const admin = ctxFor(t, 'graphql');
    const [a] = await users(scim, 1);
    const provisioned = await createGroup(scim, { displayName: 'From Entra', externalId: guid() });
    expect(await caught(addMembers(admin, provisioned.id, [a!.id]))).to.be.instanceOf(ImmutableFieldError);
    expect(await caught(deleteGroup(admin, provisioned.id))).to.be.instanceOf(ImmutableFieldError);
    const own = await createGroup(admin, { displayName: 'Local' });
    expect(own.source).to.equal('admin');
    await addMembers(admin, own.id, [a!.id]);
    const events = await listAuditEvents(admin, { targetId: own.id });
    expect(events.map((e) => e.action)).to.deep.equal(['group.members', 'group.create']);
    expect(events[0]!.changes).to.include({ added: 1 });
  });
});
