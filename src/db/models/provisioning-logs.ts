import mongoose, { Schema } from 'mongoose';

export interface ProvisioningLogDoc {
  _id: string;
  tenantId: string;
  at: Date;
  requestId: string;
  method: string;
  path: string;
  operation: string;
  resourceType: 'User' | 'Group' | 'Other';
  resourceId?: string;
  userId?: string;
  groupId?: string;
  status: number;
  outcome: 'SUCCESS' | 'FAILURE';
  error?: string;
  durationMs: number;
}

const provisioningLogSchema = new Schema<ProvisioningLogDoc>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    at: { type: Date, required: true },
    requestId: { type: String, required: true },
    method: { type: String, required: true },
    path: { type: String, required: true },
    operation: { type: String, required: true },
    resourceType: { type: String, required: true, enum: ['User', 'Group', 'Other'] },
    resourceId: String,
    userId: String,
    groupId: String,
    status: { type: Number, required: true },
    outcome: { type: String, required: true, enum: ['SUCCESS', 'FAILURE'] },
    error: String,
    durationMs: { type: Number, required: true },
  },
  { versionKey: false, collection: 'provisioninglogs' },
);
provisioningLogSchema.index({ tenantId: 1, at: -1, _id: -1 });
provisioningLogSchema.index({ tenantId: 1, userId: 1, at: -1 });
provisioningLogSchema.index({ tenantId: 1, groupId: 1, at: -1 });

export const ProvisioningLogModel = mongoose.model<ProvisioningLogDoc>(
  'ProvisioningLog',
  provisioningLogSchema,
);
