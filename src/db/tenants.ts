import type { Tenant } from '../domain/types.js';
import { guarded } from './errors.js';
import { TenantModel, type TenantDoc } from './models/index.js';
import { budget } from './reads.js';

function toTenant(d: TenantDoc): Tenant {
  return {
    id: d._id,
    slug: d.slug,
    name: d.name,
    scimEnabled: d.scimEnabled,
    createdAt: d.createdAt,
    updatedAt: d.updatedAt,
  };
}

/** The tenant registry (not bound to one tenant). */
export const tenantStorage = guarded(
  {
    async insert(t: Tenant): Promise<Tenant> {
      const { id, ...rest } = t;
      await TenantModel.insertMany([{ ...rest, _id: id }], { lean: false });
      return t;
    },
    async findBySlug(slug: string): Promise<Tenant | undefined> {
      const d = await TenantModel.findOne({ slug }).lean<TenantDoc>();
      return d ? toTenant(d) : undefined;
    },
    async findById(id: string): Promise<Tenant | undefined> {
      const d = await TenantModel.findOne({ _id: id }).lean<TenantDoc>();
      return d ? toTenant(d) : undefined;
    },
    async list(): Promise<Tenant[]> {
      const docs = await TenantModel.find({}).sort({ slug: 1 }).maxTimeMS(budget).lean<TenantDoc[]>();
      return docs.map(toTenant);
    },
    /** Sets these fields (field by field: concurrent changes of different settings both land). */
    async update(
      id: string,
      set: Partial<Pick<Tenant, 'name' | 'scimEnabled' | 'updatedAt'>>,
    ): Promise<Tenant | undefined> {
      const d = await TenantModel.findOneAndUpdate(
        { _id: id },
        { $set: set },
        { returnDocument: 'after', lean: true, runValidators: true },
      );
      return d ? toTenant(d as TenantDoc) : undefined;
    },
  },
  { resource: 'tenant', unique: { slug: 'slug', _id: 'id' } },
);
