import mongoose, { Schema } from 'mongoose';

export interface TenantDoc {
  _id: string;
  slug: string;
  name: string;
  scimEnabled: boolean;
  createdAt: Date;
  updatedAt: Date;
}

const tenantSchema = new Schema<TenantDoc>(
  {
    _id: { type: String, required: true },
    slug: { type: String, required: true },
    name: { type: String, required: true },
    scimEnabled: { type: Boolean, required: true, default: true },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'tenants' },
);
tenantSchema.index({ slug: 1 }, { unique: true });

export const TenantModel = mongoose.model<TenantDoc>('Tenant', tenantSchema);
