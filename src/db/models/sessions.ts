import mongoose, { Schema } from 'mongoose';

/** Sign-in sessions, shared by every instance. Expired ones are swept by the store (FerretDB has no TTL index). */
export interface SessionDoc {
  _id: string;
  tenantId?: string;
  expiresAt: Date;
  data: string;
}

const sessionSchema = new Schema<SessionDoc>(
  {
    _id: { type: String, required: true },
    tenantId: String,
    expiresAt: { type: Date, required: true },
    data: { type: String, required: true },
  },
  { versionKey: false, collection: 'sessions' },
);
sessionSchema.index({ expiresAt: 1 });

export const SessionModel = mongoose.model<SessionDoc>('Session', sessionSchema);
