import mongoose, { Schema } from 'mongoose';
import { accessRuleSchema, type AccessRuleDoc } from './shared.js';

/** One document per tenant (`_id` = tenantId). */
export interface AccessPolicyDoc {
  _id: string;
  tenantId: string;
  mainDashboard: AccessRuleDoc;
  workspaceDefaults: AccessRuleDoc;
  /** Each rule's version, for compare-and-set writes (absent on documents written before: version 0). */
  mainDashboardVersion?: number;
  workspaceDefaultsVersion?: number;
  updatedAt: Date;
}

const accessPolicySchema = new Schema<AccessPolicyDoc>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    mainDashboard: { type: accessRuleSchema, required: true },
    workspaceDefaults: { type: accessRuleSchema, required: true },
    mainDashboardVersion: Number,
    workspaceDefaultsVersion: Number,
    updatedAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'accesspolicies' },
);
accessPolicySchema.index({ tenantId: 1 }, { unique: true });

export const AccessPolicyModel = mongoose.model<AccessPolicyDoc>('AccessPolicy', accessPolicySchema);
