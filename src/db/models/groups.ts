import mongoose, { Schema } from 'mongoose';
import type { RecordSourceDoc } from './shared.js';

export interface GroupDoc {
  _id: string;
  tenantId: string;
  displayName: string;
  displayNameLower: string;
  externalId?: string;
  source: RecordSourceDoc;
  createdAt: Date;
  updatedAt: Date;
  version: number;
}

const groupSchema = new Schema<GroupDoc>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    displayName: { type: String, required: true },
    displayNameLower: { type: String, required: true, substringSearch: true },
    externalId: String,
    source: { type: String, required: true, enum: ['scim', 'admin', 'sso'] },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
    version: { type: Number, required: true },
  },
  { versionKey: false, collection: 'groups' },
);
groupSchema.index({ tenantId: 1, displayNameLower: 1 }, { unique: true });
groupSchema.index({ tenantId: 1, _id: 1 }); // SCIM's pages
groupSchema.index({ tenantId: 1, externalId: 1 });

export const GroupModel = mongoose.model<GroupDoc>('Group', groupSchema);
