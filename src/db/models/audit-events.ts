import mongoose, { Schema } from 'mongoose';

export interface AuditEventDoc {
  _id: string;
  tenantId: string;
  at: Date;
  actorType: string;
  actorId: string;
  source: string;
  requestId: string;
  action: string;
  targetType: string;
  targetId: string;
  changes?: Record<string, unknown>;
}

const auditEventSchema = new Schema<AuditEventDoc>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    at: { type: Date, required: true },
    actorType: { type: String, required: true },
    actorId: { type: String, required: true },
    source: { type: String, required: true },
    requestId: { type: String, required: true },
    action: { type: String, required: true },
    targetType: { type: String, required: true },
    targetId: { type: String, required: true },
    changes: Schema.Types.Mixed,
  },
  { versionKey: false, collection: 'auditevents' },
);
auditEventSchema.index({ tenantId: 1, at: -1, _id: -1 });
auditEventSchema.index({ tenantId: 1, targetId: 1, at: -1 });

export const AuditEventModel = mongoose.model<AuditEventDoc>('AuditEvent', auditEventSchema);
