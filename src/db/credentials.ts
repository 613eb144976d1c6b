import type { Credential, CredentialKind } from '../domain/types.js';
import { guarded } from './errors.js';
import { CredentialModel, type CredentialDoc } from './models/index.js';
import { budget, clean } from './reads.js';

function toCredential(d: CredentialDoc): Credential & { hash: string } {
  return clean({
    id: d._id,
    tenantId: d.tenantId,
    kind: d.kind,
    hash: d.hash,
    label: d.label,
    createdAt: d.createdAt,
    expiresAt: d.expiresAt,
  });
}

function withoutHash({ hash, ...c }: Credential & { hash: string }): Credential {
  void hash;
  return c;
}

/** Still valid at `at`: no expiry, or a later one. */
const liveAt = (at: Date) => ({
  $or: [{ expiresAt: { $exists: false } }, { expiresAt: null }, { expiresAt: { $gt: at } }],
});

/** Token credentials of one tenant (hashes only; the tokens themselves are never stored). */
export function createCredentialQueries(tenantId: string) {
  return guarded(
    {
      async insert(c: Omit<Credential, 'tenantId'> & { hash: string }): Promise<Credential> {
        const { id, ...rest } = c;
        const [doc] = await CredentialModel.insertMany([clean({ ...rest, _id: id, tenantId })], {
          lean: false,
        });
        return withoutHash(toCredential(doc!.toObject() as CredentialDoc));
      },
      /** Newest first, retired ones included (they say when they ended). */
      async list(kind: CredentialKind): Promise<Credential[]> {
        const docs = await CredentialModel.find({ tenantId, kind })
          .sort({ createdAt: -1 })
          .maxTimeMS(budget)
          .lean<CredentialDoc[]>();
        return docs.map((d) => withoutHash(toCredential(d)));
      },
      /** Sets an expiry on every live credential of this kind, except `keepId`. */
      async expireAll(kind: CredentialKind, at: Date, keepId?: string): Promise<void> {
        await CredentialModel.updateMany(
          { tenantId, kind, ...(keepId ? { _id: { $ne: keepId } } : {}), ...liveAt(at) },
          { $set: { expiresAt: at } },
          { runValidators: true },
        );
      },
      /** Sets one credential's expiry (revocation), unless it already ends sooner. */
      async expire(id: string, at: Date): Promise<void> {
        await CredentialModel.updateOne(
          { _id: id, tenantId, ...liveAt(at) },
          { $set: { expiresAt: at } },
          { runValidators: true },
        );
      },
    },
    { resource: 'credential', unique: { hash: 'token', _id: 'id' } },
  );
}

export type CredentialQueries = ReturnType<typeof createCredentialQueries>;

/** Credential lookup by token hash (the token names its tenant). */
export const credentialLookup = guarded(
  {
    async findByHash(hash: string): Promise<(Credential & { hash: string }) | undefined> {
      const d = await CredentialModel.findOne({ hash }).lean<CredentialDoc>();
      return d ? toCredential(d) : undefined;
    },
  },
  { resource: 'credential' },
);
