import { sessionStorage, type StoredSession } from '../db/sessions.js';

/**
 * Sign-in sessions as the service layer sees them: opaque data with an owner tenant and an expiry, shared by every
 * instance through the database. The sign-in adapter (src/auth) serialises and interprets the data.
 */
export type { StoredSession };

/** The live session with this id; expired sessions read as absent. */
export function loadSession(id: string, now: Date = new Date()): Promise<StoredSession | undefined> {
  return sessionStorage.get(id, now);
}

export function saveSession(session: StoredSession): Promise<void> {
  return sessionStorage.put(session);
}

export function endSession(id: string): Promise<void> {
  return sessionStorage.delete(id);
}

/** Deletes sessions that expired before `now` (there is no TTL index); returns how many. */
export function sweepExpiredSessions(now: Date = new Date()): Promise<number> {
  return sessionStorage.deleteExpired(now);
}
