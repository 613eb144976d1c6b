import mongoose, { Schema } from 'mongoose';

/**
 * A user or group being deleted: written before the record and its memberships are removed, kept for a while after.
 * The repair sweep (integrity.ts) finishes a delete a crash interrupted and removes memberships that a concurrent
 * member add wrote after the delete removed them.
 */
export interface DeletionDoc {
  _id: string;
  tenantId: string;
  kind: 'user' | 'group';
  targetId: string;
  at: Date;
}

const deletionSchema = new Schema<DeletionDoc>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    kind: { type: String, required: true, enum: ['user', 'group'] },
    targetId: { type: String, required: true },
    at: { type: Date, required: true },
  },
  { versionKey: false, collection: 'deletions' },
);
deletionSchema.index({ at: 1 });

export const DeletionModel = mongoose.model<DeletionDoc>('Deletion', deletionSchema);
