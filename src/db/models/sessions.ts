import mongoose, { Schema } from 'mongoose';

/**
 * Sign-in sessions, shared by every instance, in the shape connect-mongo writes (db/sessions.ts): the session
 * serialised as JSON and its expiry. Expired ones are removed by the store at an interval (FerretDB v1 has no TTL
 * index). The fields are optional so that backups holding sessions of the earlier shape still restore (those
 * sessions read as absent).
 */
export interface SessionDoc {
  _id: string;
  session?: string;
  expires?: Date;
  lastModified?: Date;
}

const sessionSchema = new Schema<SessionDoc>(
  {
    _id: { type: String, required: true },
    session: String,
    expires: Date,
    lastModified: Date,
  },
  { versionKey: false, collection: 'sessions' },
);
sessionSchema.index({ expires: 1 });

export const SessionModel = mongoose.model<SessionDoc>('Session', sessionSchema);
