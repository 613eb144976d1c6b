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
 * the record, then its memberships; a member add inserts first and checks its users and group afterwards, undoing
 * what it added for one that is gone. The repair sweep completes what a crash interrupted and removes what a race
 * left: memberships of recently deleted users and groups (from the deletion records), and — a batch per sweep, all
 * of them in turn — memberships whose user or group does not exist.
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

export interface SweepResult {
  /** Deletions examined (recorded within the retention). */
  deletions: number;
  /** Records whose delete had not finished, removed now. */
  recordsRemoved: number;
  /** Memberships of users or groups that are gone, removed now. */
  membershipsRemoved: number;
  /** Memberships examined by the full scan in this sweep. */
  scanned: number;
}

/** Storage for the repair sweep (all tenants). `scanFrom` is the full scan's position (a membership _id). */
export const integrityStorage = guarded(
  {
    async sweep(opts: {
      now: Date;
      retentionMs: number;
      scanBatch: number;
      scanFrom: string;
      /** Replay only deletions recorded since then (a sweep before has replayed the older ones); default: all kept. */
      replayFrom?: Date | undefined;
    }): Promise<SweepResult & { scanNext: string }> {
      const res: SweepResult = { deletions: 0, recordsRemoved: 0, membershipsRemoved: 0, scanned: 0 };
      const since = new Date(opts.now.getTime() - opts.retentionMs);
      const from = opts.replayFrom && opts.replayFrom > since ? opts.replayFrom : since;
      const deletions = await DeletionModel.find({ at: { $gte: from } })
        .sort({ at: 1 })
        .limit(10_000)
        .lean<DeletionDoc[]>();
      res.deletions = deletions.length;
      for (const d of deletions) {
        const model = d.kind === 'user' ? UserModel : GroupModel;
        res.recordsRemoved += (await model.deleteOne({ tenantId: d.tenantId, _id: d.targetId })).deletedCount;
        const ref = d.kind === 'user' ? { userId: d.targetId } : { groupId: d.targetId };
        res.membershipsRemoved += (
          await MembershipModel.deleteMany({ tenantId: d.tenantId, ...ref })
        ).deletedCount;
      }
      await DeletionModel.deleteMany({ at: { $lt: since } });

      // One batch of the full scan: memberships whose user or group does not exist.
      const batch = await MembershipModel.find(opts.scanFrom ? { _id: { $gt: opts.scanFrom } } : {})
        .sort({ _id: 1 })
        .limit(opts.scanBatch)
        .lean<MembershipDoc[]>();
      res.scanned = batch.length;
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
      if (orphans.length > 0) {
        // only as they were read: a membership written again since is left alone
        for (const o of orphans) {
          res.membershipsRemoved += (
            await MembershipModel.deleteOne({ _id: o._id, createdAt: o.createdAt })
          ).deletedCount;
        }
      }
      const scanNext = batch.length < opts.scanBatch ? '' : batch[batch.length - 1]!._id;
      return { ...res, scanNext };
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
