import { pingDatabase } from '../db/connection.js';

/** Readiness: the database answers a ping within the timeout. */
export function isDatabaseReachable(timeoutMs = 2000): Promise<boolean> {
  return pingDatabase(timeoutMs);
}
