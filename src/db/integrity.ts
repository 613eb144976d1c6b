import { guarded } from './errors.js';
import {
  DeletionModel,
  GroupModel,
  MembershipModel,
  UserModel,
  type DeletionDoc,
  type MembershipDoc,
} from './models/index.js';

/**
 * Membership integrity without transactions. Deleting a user or group writes a deletion record first, then removes
 * the record, then what refers to it (services/deletions.ts); a member add inserts first and checks its users and
 * group afterwards, undoing what it added for one that is gone. The repair sweep (services/maintenance.ts) finishes
 * the recorded deletions a crash interrupted, and a race's leftovers, through the same step, and removes — a batch
 * per sweep, all of them in turn — memberships whose user or group does not exist.
 */
export function createDeletionQueries(tenantId: string) {
  return guarded(
    {
      async record(kind: 'user' | 'group', targetId: string, at: Date): Promise<void> {
        await DeletionModel.replaceOne(
          { _id: `${tenantId}:${kind}:${targetId}` },
          { _id: `${tenantId}:${kind}:${targetId}`, tenantId, kind, targetId, at },
          { upsert: true, runValidators: true },
        );
      },
      /** Whether a delete of this record was recorded (and is kept): it may not have finished. */
      async has(kind: 'user' | 'group', targetId: string): Promise<boolean> {
        return (await DeletionModel.exists({ _id: `${tenantId}:${kind}:${targetId}` })) !== null;
      },
    },
    { resource: 'deletion' },
  );
}

/** A delete that was recorded (within the retention): it may not have finished. */
export interface RecordedDeletion {
  tenantId: string;
  kind: 'user' | 'group';
  targetId: string;
}

/** Storage for the repair sweep (all tenants). */
export const integrityStorage = guarded(
  {
    /** Deletions recorded since `from`, oldest first (at most `limit`). */
    async recordedDeletions(from: Date, limit: number): Promise<RecordedDeletion[]> {
      const docs = await DeletionModel.find({ at: { $gte: from } })
        .sort({ at: 1 })
        .limit(limit)
        .lean<DeletionDoc[]>();
      return docs.map((d) => ({ tenantId: d.tenantId, kind: d.kind, targetId: d.targetId }));
    },
    /** Forgets deletions recorded before `before` (past the retention). */
    async forgetDeletions(before: Date): Promise<void> {
      await DeletionModel.deleteMany({ at: { $lt: before } });
    },
    /**
     * One batch of the full scan, from the membership after `scanFrom` (a membership _id; '' for the first):
     * removes memberships whose user or group does not exist. `scanNext` is where the next batch starts ('' when
     * this one ended the scan).
     */
    async removeOrphanMemberships(
      scanFrom: string,
      scanBatch: number,
    ): Promise<{ scanned: number; removed: number; scanNext: string }> {
      const batch = await MembershipModel.find(scanFrom ? { _id: { $gt: scanFrom } } : {})
        .sort({ _id: 1 })
        .limit(scanBatch)
        .lean<MembershipDoc[]>();
      const orphans: MembershipDoc[] = [];
      for (const [tenantId, docs] of groupBy(batch, (m) => m.tenantId)) {
        const users = await existing(
          UserModel,
          tenantId,
          docs.map((m) => m.userId),
        );
        const groups = await existing(
          GroupModel,
          tenantId,
          docs.map((m) => m.groupId),
        );
        orphans.push(...docs.filter((m) => !users.has(m.userId) || !groups.has(m.groupId)));
      }
      let removed = 0;
      // only as they were read: a membership written again since is left alone
      for (const o of orphans) {
        removed += (await MembershipModel.deleteOne({ _id: o._id, createdAt: o.createdAt })).deletedCount;
      }
      const scanNext = batch.length < scanBatch ? '' : batch[batch.length - 1]!._id;
      return { scanned: batch.length, removed, scanNext };
    },
  },
  { resource: 'membership' },
);

async function existing(
  model: typeof UserModel | typeof GroupModel,
  tenantId: string,
  ids: string[],
): Promise<Set<string>> {
  const q = { tenantId, _id: { $in: [...new Set(ids)] } };
  const docs =
    model === UserModel
      ? await UserModel.find(q).select({ _id: 1 }).lean<{ _id: string }[]>()
      : await GroupModel.find(q).select({ _id: 1 }).lean<{ _id: string }[]>();
  return new Set(docs.map((d) => d._id));
}

function groupBy<T>(items: T[], key: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const i of items) m.set(key(i), [...(m.get(key(i)) ?? []), i]);
  return m;
}
