import mongoose, { Schema } from 'mongoose';
import { accessRuleSchema, type AccessRuleDoc } from './shared.js';

export interface WorkspaceDoc {
  _id: string;
  tenantId: string;
  name: string;
  nameLower: string;
  description?: string;
  accessOverride?: AccessRuleDoc;
  createdAt: Date;
  updatedAt: Date;
  /** Optimistic concurrency (absent in documents written before it existed: version 0). */
  version?: number;
}

const workspaceSchema = new Schema<WorkspaceDoc>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    name: { type: String, required: true },
    nameLower: { type: String, required: true },
    description: String,
    accessOverride: { type: accessRuleSchema, default: undefined },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
    version: Number,
  },
  { versionKey: false, collection: 'workspaces' },
);
workspaceSchema.index({ tenantId: 1, nameLower: 1 }, { unique: true });

export const WorkspaceModel = mongoose.model<WorkspaceDoc>('Workspace', workspaceSchema);
