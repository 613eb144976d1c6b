import { expect } from 'chai';
import { ConflictError, InvalidInputError, UnauthenticatedError } from '../../src/domain/errors.js';
import { CredentialModel } from '../../src/db/models/index.js';
import { hashToken, issueToken, seedBootstrapToken, verifyToken } from '../../src/services/credentials.js';
import { createTenant, getTenantBySlug, setScimEnabled } from '../../src/services/tenants.js';
import { listAuditEvents } from '../../src/services/audit.js';
import { caught, ctxFor, guid, makeTenant } from '../helpers/factories.js';

describe('tenants and tokens (real database)', () => {
  it('creates tenants with unique slugs and validates them', async () => {
    const slug = `acme-${guid().slice(0, 8)}`;
    const t = await createTenant({ slug, name: 'Acme Oy' });
    expect((await getTenantBySlug(slug)).id).to.equal(t.id);
    expect(await caught(createTenant({ slug }))).to.be.instanceOf(ConflictError);
    expect(await caught(createTenant({ slug: 'Not A Slug' }))).to.be.instanceOf(InvalidInputError);
  });

  it('stores tokens only as hashes and verifies them for their own tenant and kind', async () => {
    const t = await makeTenant();
    const { token, credential } = await issueToken(ctxFor(t, 'cli'), 'scim');
    const stored = await CredentialModel.findById(credential.id).lean();
    expect(stored?.hash).to.equal(hashToken(token));
    expect(JSON.stringify(stored)).not.to.contain(token);
    expect((await verifyToken(token, 'scim')).tenant.id).to.equal(t.id);
    expect(await caught(verifyToken(token, 'admin'))).to.be.instanceOf(UnauthenticatedError);
    expect(await caught(verifyToken(token + 'x', 'scim'))).to.be.instanceOf(UnauthenticatedError);
  });

  it('rotates with a grace period: the old token works until it ends', async () => {
    const t = await makeTenant();
    const ctx = ctxFor(t, 'cli');
    const first = await issueToken(ctx, 'scim');
    const second = await issueToken(ctx, 'scim', { previousTokensGraceSeconds: 3600 });
    expect((await verifyToken(first.token, 'scim')).tenant.id).to.equal(t.id);
    expect((await verifyToken(second.token, 'scim')).tenant.id).to.equal(t.id);
    const third = await issueToken(ctx, 'scim', { previousTokensGraceSeconds: 0 });
    expect(await caught(verifyToken(first.token, 'scim'))).to.be.instanceOf(UnauthenticatedError);
    expect(await caught(verifyToken(second.token, 'scim'))).to.be.instanceOf(UnauthenticatedError);
    expect((await verifyToken(third.token, 'scim')).tenant.id).to.equal(t.id);
  });

  it('seeds a bootstrap token idempotently and refuses one that belongs to another tenant', async () => {
    const t1 = await makeTenant();
    const t2 = await makeTenant();
    const secret = `bootstrap-secret-${guid()}`;
    expect(await seedBootstrapToken(ctxFor(t1, 'bootstrap'), 'admin', secret)).to.equal('stored');
    expect(await seedBootstrapToken(ctxFor(t1, 'bootstrap'), 'admin', secret)).to.equal('current');
    expect((await verifyToken(secret, 'admin')).tenant.id).to.equal(t1.id);
    expect(await caught(seedBootstrapToken(ctxFor(t2, 'bootstrap'), 'admin', secret))).to.be.instanceOf(
      InvalidInputError,
    );
  });

  it('switches SCIM synchronisation and audits it', async () => {
    const t = await makeTenant();
    const ctx = ctxFor(t, 'graphql');
    expect((await setScimEnabled(ctx, false)).scimEnabled).to.equal(false);
    expect((await setScimEnabled(ctx, true)).scimEnabled).to.equal(true);
    const events = await listAuditEvents(ctx, { targetId: t.id });
    expect(events.map((e) => e.action)).to.deep.equal(['scim.enable', 'scim.disable', 'tenant.create']);
  });
});
