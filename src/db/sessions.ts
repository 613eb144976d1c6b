import MongoStore from 'connect-mongo';
import mongoose from 'mongoose';
import { SessionModel } from './models/index.js';

/**
 * express-session's store for sign-in sessions: connect-mongo over the one database connection, in the `sessions`
 * collection (models/sessions.ts). The expiry is the session cookie's (an absolute lifetime from sign-in);
 * expired sessions read as absent and are deleted every `sweepIntervalMinutes` (jittered, so instances spread
 * out), which needs no TTL index (FerretDB v1 has none). `touchAfter` spans the whole lifetime, so reading a
 * session never extends it.
 *
 * The interval clean-up is ours, not connect-mongo's `autoRemove: 'interval'`: that one deletes with an
 * unacknowledged write (`w: 0`), and FerretDB v1 answers it anyway, so the next command on that pooled connection
 * reads the wrong reply ("BSON element cursor is missing", measured in test/auth/session.test.ts). Ours is an
 * acknowledged delete through the model. The store's own reads and writes go through the driver: it is the
 * maintained package doing the job, and it only ever touches its own collection.
 */
export function createSessionStore(opts: {
  lifetimeMs: number;
  sweepIntervalMinutes: number;
  onSweepError?: (err: unknown) => void;
}) {
  const seconds = Math.ceil(opts.lifetimeMs / 1000);
  const store = MongoStore.create({
    clientPromise: mongoose.connection.asPromise().then(async (c) => {
      // Sessions of the earlier shape (before connect-mongo) cannot be read: their users sign in again.
      await SessionModel.deleteMany({ session: { $exists: false } }).catch(() => {});
      return c.getClient();
    }),
    dbName: mongoose.connection.name,
    collectionName: SessionModel.collection.collectionName,
    ttl: seconds,
    touchAfter: seconds,
    autoRemove: 'disabled',
  });
  /** Deletes the sessions that expired before now; returns how many. */
  const sweep = async () => (await SessionModel.deleteMany({ expires: { $lt: new Date() } })).deletedCount;
  const intervalMs = opts.sweepIntervalMinutes * 60_000;
  const sweeper = setInterval(
    () => void sweep().catch((err: unknown) => opts.onSweepError?.(err)),
    intervalMs + Math.floor(Math.random() * Math.min(intervalMs, 60_000)),
  );
  sweeper.unref();
  return {
    store,
    /** The live session's data, undefined when absent or expired. */
    read: (sid: string) =>
      new Promise<Parameters<Parameters<typeof store.get>[1]>[1] | undefined>((resolve, reject) =>
        store.get(sid, (err, data) => (err ? reject(err) : resolve(data ?? undefined))),
      ),
    end: (sid: string) =>
      new Promise<void>((resolve, reject) => store.destroy(sid, (err) => (err ? reject(err) : resolve()))),
    sweep,
    /** Stops the interval clean-up. The connection stays open: it is the application's, not the store's. */
    stop: () => clearInterval(sweeper),
  };
}

export type SessionStore = ReturnType<typeof createSessionStore>;
