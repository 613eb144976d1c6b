import mongoose, { Schema } from 'mongoose';
import { accessRuleSchema, type AccessRuleDoc } from './shared.js';

/** One document per tenant (`_id` = tenantId). */
export interface AccessPolicyDoc {
  _id: string;
  tenantId: string;
  mainDashboard: AccessRuleDoc;
  workspaceDefaults: AccessRuleDoc;
  updatedAt: Date;
}

const accessPolicySchema = new Schema<AccessPolicyDoc>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    mainDashboard: { type: accessRuleSchema, required: true },
    workspaceDefaults: { type: accessRuleSchema, required: true },
    updatedAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'accesspolicies' },
);
accessPolicySchema.index({ tenantId: 1 }, { unique: true });

export const AccessPolicyModel = mongoose.model<AccessPolicyDoc>('AccessPolicy', accessPolicySchema);
