import mongoose, { Schema } from 'mongoose';

export interface SsoConfigurationDoc {
  _id: string;
  tenantId: string;
  name: string;
  nameLower: string;
  kind: 'ENTRA_SINGLE_TENANT' | 'ENTRA_MULTI_TENANT';
  entraTenantId?: string;
  allowedEntraTenantIds: string[];
  createdAt: Date;
  updatedAt: Date;
  version?: number;
}

const ssoConfigurationSchema = new Schema<SsoConfigurationDoc>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    name: { type: String, required: true },
    nameLower: { type: String, required: true },
    kind: { type: String, required: true, enum: ['ENTRA_SINGLE_TENANT', 'ENTRA_MULTI_TENANT'] },
    entraTenantId: String,
    allowedEntraTenantIds: { type: [String], default: [] },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
    version: Number,
  },
  { versionKey: false, collection: 'ssoconfigurations' },
);
ssoConfigurationSchema.index({ tenantId: 1, nameLower: 1 }, { unique: true });
ssoConfigurationSchema.index({ entraTenantId: 1 });
ssoConfigurationSchema.index({ allowedEntraTenantIds: 1 });

export const SsoConfigurationModel = mongoose.model<SsoConfigurationDoc>(
  'SsoConfiguration',
  ssoConfigurationSchema,
);
