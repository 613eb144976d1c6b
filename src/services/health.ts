import { databaseCommandTotals, pingDatabase, type CommandTotal } from '../db/connection.js';

/** Readiness: the database answers a ping within the timeout. */
export function isDatabaseReachable(timeoutMs = 2000): Promise<boolean> {
  return pingDatabase(timeoutMs);
}

/** The commands sent to the database since the process started, by command name and collection (for /metrics). */
export function databaseCommands(): CommandTotal[] {
  return databaseCommandTotals();
}
