import type { Membership, MembershipPair } from '../domain/types.js';
import { guarded, isDuplicateKey } from './errors.js';
import { MembershipModel, type MembershipDoc } from './models/index.js';
import { budget, oneBatch } from './reads.js';

export function membershipId(groupId: string, userId: string): string {
  return `${groupId}:${userId}`;
}

const fields = { _id: 0, groupId: 1, userId: 1, createdAt: 1 } as const;

/** Memberships of one tenant: one document per (group, user). */
export function createMembershipQueries(tenantId: string) {
  return guarded(
    {
      /** Inserts the pairs that are missing; existing ones are left alone. Returns the user ids added. */
      async add(groupId: string, userIds: readonly string[], at: Date): Promise<string[]> {
        const users = [...new Set(userIds)];
        if (users.length === 0) return [];
        const docs = users.map((userId) => ({
          _id: membershipId(groupId, userId),
          tenantId,
          groupId,
          userId,
          createdAt: at,
        }));
        try {
          await MembershipModel.insertMany(docs, { ordered: false });
          return users;
        } catch (err) {
          // Duplicates are members already: adding is idempotent. Anything else is a real failure.
          if (!isDuplicateKey(err)) throw err;
          const failed = new Set(
            ((err as { writeErrors?: { index?: number; err?: { index?: number } }[] }).writeErrors ?? []).map(
              (w) => w.index ?? w.err?.index,
            ),
          );
          return users.filter((_, i) => !failed.has(i));
        }
      },
      async remove(groupId: string, userIds: readonly string[]): Promise<number> {
        if (userIds.length === 0) return 0;
        const ids = [...new Set(userIds)].map((u) => membershipId(groupId, u));
        return (await MembershipModel.deleteMany({ tenantId, groupId, _id: { $in: ids } })).deletedCount;
      },
      async removeAllOfGroup(groupId: string): Promise<number> {
        return (await MembershipModel.deleteMany({ tenantId, groupId })).deletedCount;
      },
      async removeAllOfUser(userId: string): Promise<number> {
        return (await MembershipModel.deleteMany({ tenantId, userId })).deletedCount;
      },
      async has(groupId: string, userId: string): Promise<boolean> {
        return (await MembershipModel.exists({ tenantId, _id: membershipId(groupId, userId) })) !== null;
      },
      /** Members of a group, by user id order, keyset-paginated. */
      async listByGroup(
        groupId: string,
        opts: { afterUserId?: string | undefined; limit: number },
      ): Promise<Membership[]> {
        return MembershipModel.find({
          tenantId,
          groupId,
          ...(opts.afterUserId ? { userId: { $gt: opts.afterUserId } } : {}),
        })
          .sort({ userId: 1 })
          .limit(opts.limit)
          .batchSize(oneBatch(opts.limit))
          .maxTimeMS(budget)
          .select(fields)
          .lean<Membership[]>();
      },
      async listByUser(
        userId: string,
        opts: { afterGroupId?: string | undefined; limit: number },
      ): Promise<Membership[]> {
        return MembershipModel.find({
          tenantId,
          userId,
          ...(opts.afterGroupId ? { groupId: { $gt: opts.afterGroupId } } : {}),
        })
          .sort({ groupId: 1 })
          .limit(opts.limit)
          .batchSize(oneBatch(opts.limit))
          .maxTimeMS(budget)
          .select(fields)
          .lean<Membership[]>();
      },
      /**
       * Which groups several users are in, in one query (DataLoader batches): the pairs only, not when each was made
       * (a page of 100 users has ~500 of them; each field less is decoded ~500 times less, in three processes).
       */
      async listByUsers(userIds: readonly string[]): Promise<MembershipPair[]> {
        if (userIds.length === 0) return [];
        return MembershipModel.find({ tenantId, userId: { $in: [...userIds] } })
          .batchSize(oneBatch(50_000))
          .maxTimeMS(budget)
          .select({ _id: 0, groupId: 1, userId: 1 })
          .lean<MembershipPair[]>();
      },
      /** Distinct user ids that belong to any of these groups, ascending, after `afterUserId`. */
      async distinctUserIdsOfGroups(
        groupIds: readonly string[],
        opts: { afterUserId?: string | undefined; limit: number },
      ): Promise<string[]> {
        if (groupIds.length === 0) return [];
        // A user in k of these groups appears k times in a row: over-fetch so a page still fills after de-duplication.
        const docs = await MembershipModel.find({
          tenantId,
          groupId: { $in: [...groupIds] },
          ...(opts.afterUserId ? { userId: { $gt: opts.afterUserId } } : {}),
        })
          .sort({ userId: 1 })
          .limit(opts.limit * groupIds.length)
          .batchSize(oneBatch(opts.limit * groupIds.length))
          .maxTimeMS(budget)
          .select({ _id: 0, userId: 1 })
          .lean<{ userId: string }[]>();
        const ids: string[] = [];
        for (const d of docs) if (ids[ids.length - 1] !== d.userId) ids.push(d.userId);
        return ids.slice(0, opts.limit);
      },
      async countByGroup(groupId: string): Promise<number> {
        return MembershipModel.countDocuments({ tenantId, groupId }).maxTimeMS(budget);
      },
      /** Member counts of several groups in one command; groups without members are absent from the map. */
      async countByGroups(groupIds: readonly string[]): Promise<Map<string, number>> {
        if (groupIds.length === 0) return new Map();
        const rows = await MembershipModel.aggregate<{ _id: string; n: number }>([
          { $match: { tenantId, groupId: { $in: [...groupIds] } } },
          { $group: { _id: '$groupId', n: { $sum: 1 } } },
        ]).option({ batchSize: oneBatch(groupIds.length), maxTimeMS: budget });
        return new Map(rows.map((r) => [r._id, r.n]));
      },
      async groupIdsOfUser(userId: string): Promise<string[]> {
        const docs = await MembershipModel.find({ tenantId, userId })
          .select({ _id: 0, groupId: 1 })
          .maxTimeMS(budget)
          .lean<Pick<MembershipDoc, 'groupId'>[]>();
        return docs.map((d) => d.groupId);
      },
      async userIdsOfGroup(groupId: string, limit: number): Promise<string[]> {
        const docs = await MembershipModel.find({ tenantId, groupId })
          .sort({ userId: 1 })
          .limit(limit)
          .maxTimeMS(budget)
          .select({ _id: 0, userId: 1 })
          .lean<Pick<MembershipDoc, 'userId'>[]>();
        return docs.map((d) => d.userId);
      },
    },
    { resource: 'membership' },
  );
}

export type MembershipQueries = ReturnType<typeof createMembershipQueries>;
