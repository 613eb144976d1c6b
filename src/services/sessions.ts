/**
 * Sign-in sessions: express-session's store in the database (db/sessions.ts), shared by every
 * instance. The sign-in adapter (src/auth) creates it once per app and interprets the session data.
 */
export { createSessionStore, type SessionStore } from '../db/storage.js';
