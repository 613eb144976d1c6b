import type { AccessPolicies, AccessRule } from '../domain/types.js';
import { guarded, isDuplicateKey } from './errors.js';
import { AccessPolicyModel, type AccessPolicyDoc } from './models/index.js';
import { clean } from './reads.js';
import { toAccessRule } from './workspaces.js';

type RuleName = 'mainDashboard' | 'workspaceDefaults';

/** The tenant's access policies: one document (`_id` = tenantId) with one rule per setting. */
export function createAccessPolicyQueries(tenantId: string) {
  return guarded(
    {
      async get(): Promise<AccessPolicies | undefined> {
        const d = await AccessPolicyModel.findOne({ _id: tenantId, tenantId }).lean<AccessPolicyDoc>();
        if (!d) return undefined;
        return {
          tenantId,
          mainDashboard: toAccessRule(d.mainDashboard),
          workspaceDefaults: toAccessRule(d.workspaceDefaults),
          updatedAt: d.updatedAt,
        };
      },
      /** Each rule's version (0 when never set): what setRule's compare-and-set names. */
      async versions(): Promise<Record<RuleName, number>> {
        const d = await AccessPolicyModel.findOne({ _id: tenantId, tenantId }).lean<AccessPolicyDoc>();
        return {
          mainDashboard: d?.mainDashboardVersion ?? 0,
          workspaceDefaults: d?.workspaceDefaultsVersion ?? 0,
        };
      },
      /**
       * Sets one rule if it is still at `expectedVersion`, leaving the other as it is: two admins changing different
       * rules at once both land, and of two changing the same rule one is told to try again (false) instead of
       * silently undoing the other. The document is created, with `others` as the rule not set, when the tenant has
       * none yet.
       */
      async setRule(
        which: RuleName,
        rule: AccessRule,
        others: AccessRule,
        at: Date,
        expectedVersion: number,
      ): Promise<boolean> {
        const other: RuleName = which === 'mainDashboard' ? 'workspaceDefaults' : 'mainDashboard';
        const field = `${which}Version`;
        try {
          const res = await AccessPolicyModel.updateOne(
            {
              _id: tenantId,
              tenantId,
              [field]: expectedVersion === 0 ? { $in: [null, 0] } : expectedVersion,
            },
            {
              $set: { [which]: clean({ ...rule }), [field]: expectedVersion + 1, updatedAt: at },
              $setOnInsert: { [other]: clean({ ...others }) },
            },
            { upsert: true, runValidators: true },
          );
          return res.matchedCount === 1 || res.upsertedCount === 1;
        } catch (err) {
          // the upsert of a document that exists at another version: someone else wrote first
          if (isDuplicateKey(err) || /duplicate key/i.test((err as Error).message)) return false;
          throw err;
        }
      },
    },
    { resource: 'access policy' },
  );
}

export type AccessPolicyQueries = ReturnType<typeof createAccessPolicyQueries>;
