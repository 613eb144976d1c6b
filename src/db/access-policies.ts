import type { AccessPolicies, AccessRule } from '../domain/types.js';
import { guarded } from './errors.js';
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
      /**
       * Sets one rule, leaving the other as it is: two admins changing different rules at once both land. The
       * document is created, with `others` as the rules not set, when the tenant has none yet.
       */
      async setRule(which: RuleName, rule: AccessRule, others: AccessRule, at: Date): Promise<void> {
        const other: RuleName = which === 'mainDashboard' ? 'workspaceDefaults' : 'mainDashboard';
        await AccessPolicyModel.updateOne(
          { _id: tenantId, tenantId },
          {
            $set: { [which]: clean({ ...rule }), updatedAt: at },
            $setOnInsert: { [other]: clean({ ...others }) },
          },
          { upsert: true, runValidators: true },
        );
      },
    },
    { resource: 'access policy' },
  );
}

export type AccessPolicyQueries = ReturnType<typeof createAccessPolicyQueries>;
