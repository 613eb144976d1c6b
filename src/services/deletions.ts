import type { TenantStorage } from '../db/storage.js';

/** What finishing one recorded delete did. */
export interface FinishedDeletion {
  /** The user or group was still there and is removed now. */
  recordRemoved: boolean;
  membershipsRemoved: number;
  /** Users whose manager was the deleted user, and who lost the reference. */
  reportsCleared: number;
}

/**
 * The one step that finishes a delete once it is recorded (db/integrity.ts): the user or group goes, with what refers
 * to it — its memberships, and for a user the manager reference of their direct reports (a manager who is gone is no
 * manager: no dangling manager.value). deleteUser and deleteGroup run it, a client's retry of a delete that stopped
 * midway runs it, and the repair sweep runs it for every recorded deletion; each step is idempotent.
 */
export async function finishDeletion(
  db: TenantStorage,
  kind: 'user' | 'group',
  id: string,
): Promise<FinishedDeletion> {
  if (kind === 'group') {
    const recordRemoved = await db.groups.delete(id);
    return {
      recordRemoved,
      membershipsRemoved: await db.memberships.removeAllOfGroup(id),
      reportsCleared: 0,
    };
  }
  const recordRemoved = await db.users.delete(id);
  const membershipsRemoved = await db.memberships.removeAllOfUser(id);
  return { recordRemoved, membershipsRemoved, reportsCleared: await db.users.clearManager(id, new Date()) };
}
