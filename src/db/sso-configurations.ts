import type { SsoConfiguration } from '../domain/types.js';
import { guarded } from './errors.js';
import { SsoConfigurationModel, type SsoConfigurationDoc } from './models/index.js';
import { budget, clean, versionIs } from './reads.js';

function toDoc(tenantId: string, c: Omit<SsoConfiguration, 'tenantId'>): SsoConfigurationDoc {
  const { id, ...rest } = c;
  return clean({ ...rest, _id: id, tenantId, nameLower: c.name.toLowerCase() });
}

function toSso(d: SsoConfigurationDoc): SsoConfiguration {
  return clean({
    id: d._id,
    tenantId: d.tenantId,
    name: d.name,
    kind: d.kind,
    entraTenantId: d.entraTenantId,
    allowedEntraTenantIds: [...(d.allowedEntraTenantIds ?? [])],
    createdAt: d.createdAt,
    updatedAt: d.updatedAt,
    version: d.version ?? 0,
  });
}

/** SSO configurations of one tenant. */
export function createSsoConfigurationQueries(tenantId: string) {
  return guarded(
    {
      async insert(c: Omit<SsoConfiguration, 'tenantId'>): Promise<SsoConfiguration> {
        const [doc] = await SsoConfigurationModel.insertMany([toDoc(tenantId, c)], { lean: false });
        return toSso(doc!.toObject() as SsoConfigurationDoc);
      },
      async findById(id: string): Promise<SsoConfiguration | undefined> {
        const d = await SsoConfigurationModel.findOne({ tenantId, _id: id }).lean<SsoConfigurationDoc>();
        return d ? toSso(d) : undefined;
      },
      async list(): Promise<SsoConfiguration[]> {
        const docs = await SsoConfigurationModel.find({ tenantId })
          .sort({ nameLower: 1 })
          .maxTimeMS(budget)
          .lean<SsoConfigurationDoc[]>();
        return docs.map(toSso);
      },
      /** Replaces the configuration if its version is still `expectedVersion`; undefined when it is not. */
      async replace(c: SsoConfiguration, expectedVersion: number): Promise<SsoConfiguration | undefined> {
        const doc = toDoc(tenantId, c);
        const res = await SsoConfigurationModel.replaceOne(
          { _id: doc._id, tenantId, ...versionIs(expectedVersion) },
          doc,
          {
            runValidators: true,
          },
        );
        return res.matchedCount === 1 ? c : undefined;
      },
      async delete(id: string): Promise<boolean> {
        return (await SsoConfigurationModel.deleteOne({ tenantId, _id: id })).deletedCount === 1;
      },
    },
    { resource: 'SSO configuration', unique: { nameLower: 'name', _id: 'id' } },
  );
}

export type SsoConfigurationQueries = ReturnType<typeof createSsoConfigurationQueries>;

/**
 * Configurations of every tenant that accept this Entra tenant ID: single-tenant ones for it, multi-tenant ones that
 * list it. Access tokens name an Entra tenant, not a directory tenant.
 */
export const ssoConfigurationLookup = guarded(
  {
    async findAcceptingEntraTenant(entraTenantId: string): Promise<SsoConfiguration[]> {
      const tid = entraTenantId.toLowerCase();
      const docs = await SsoConfigurationModel.find({
        $or: [{ entraTenantId: tid }, { allowedEntraTenantIds: tid }],
      })
        .sort({ tenantId: 1, nameLower: 1 })
        .limit(1000)
        .maxTimeMS(budget)
        .lean<SsoConfigurationDoc[]>();
      return docs.map(toSso);
    },
  },
  { resource: 'SSO configuration' },
);
