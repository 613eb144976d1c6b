import { guarded } from './errors.js';
import { SessionModel, type SessionDoc } from './models/index.js';

/**
 * Storage of sign-in sessions, shared by every service instance. The expiry lives in the document: an expired
 * session reads as absent, and `deleteExpired` sweeps them (FerretDB v1 has no TTL indexes, so nothing else does).
 * `data` is the session serialised by its owner; storage never looks inside it.
 */
export interface StoredSession {
  id: string;
  /** The directory tenant of the signed-in user; absent while a sign-in is still pending. */
  tenantId?: string | undefined;
  expiresAt: Date;
  data: string;
}

export const sessionStorage = guarded(
  {
    /** The session, unless it does not exist or has expired at `now`. */
    async get(id: string, now: Date = new Date()): Promise<StoredSession | undefined> {
      const d = await SessionModel.findOne({ _id: id, expiresAt: { $gt: now } }).lean<SessionDoc>();
      if (!d) return undefined;
      return { id: d._id, tenantId: d.tenantId, expiresAt: d.expiresAt, data: d.data };
    },
    /** Creates or replaces the session. */
    async put(s: StoredSession): Promise<void> {
      const doc: SessionDoc = { _id: s.id, expiresAt: s.expiresAt, data: s.data };
      if (s.tenantId) doc.tenantId = s.tenantId;
      await SessionModel.replaceOne({ _id: s.id }, doc, { upsert: true, runValidators: true });
    },
    async delete(id: string): Promise<void> {
      await SessionModel.deleteOne({ _id: id });
    },
    /** Removes every session that expired before `now`; returns how many. */
    async deleteExpired(now: Date = new Date()): Promise<number> {
      return (await SessionModel.deleteMany({ expiresAt: { $lte: now } })).deletedCount;
    },
  },
  { resource: 'session' },
);
