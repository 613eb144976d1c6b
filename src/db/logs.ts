import type { AuditEvent, ProvisioningLogEntry, ProvisioningOutcome } from '../domain/types.js';
import { guarded, isDuplicateKey } from './errors.js';
import {
  AuditEventModel,
  ProvisioningLogModel,
  type AuditEventDoc,
  type ProvisioningLogDoc,
} from './models/index.js';
import { budget, clean, oneBatch } from './reads.js';

type Q = Record<string, unknown>;

function fromDoc<T extends { id: string }>(d: { _id: string }): T {
  const { _id, ...rest } = d;
  return { id: _id, ...rest } as unknown as T;
}

/**
 * Keyset condition for pages in (at, _id) descending order: before `at`, or at `at` with a smaller id. The plain
 * range on `at` is implied, and is what an index on (tenantId, at) starts from.
 */
function before(at: Date, id: string): Q {
  return { $and: [{ at: { $lte: at } }, { $or: [{ at: { $lt: at } }, { at, _id: { $lt: id } }] }] };
}

/**
 * Log entries one delete command removes at most. The embedded database reads every document a delete matches
 * before it deletes them (its compare-and-set): one delete of the 40,000 entries beyond the retention at 50,000
 * users held them all at once (the database's memory rose by 700 MiB). In batches, a prune of any size holds this
 * many.
 */
export const pruneBatch = 1_000;

/** Deletes the provisioning-log entries a filter matches, `pruneBatch` per command. */
async function deleteInBatches(filter: Q): Promise<number> {
  let removed = 0;
  for (;;) {
    const ids = await ProvisioningLogModel.find(filter)
      .limit(pruneBatch)
      .batchSize(oneBatch(pruneBatch))
      .select({ _id: 1 })
      .lean<{ _id: string }[]>();
    if (ids.length > 0) {
      removed += (await ProvisioningLogModel.deleteMany({ _id: { $in: ids.map((d) => d._id) } }))
        .deletedCount;
    }
    if (ids.length < pruneBatch) return removed;
  }
}

/** The audit log and the provisioning log of one tenant (reads; writes are batched through logStorage). */
export function createLogQueries(tenantId: string) {
  return guarded(
    {
      async auditEvents(opts: {
        targetId?: string | undefined;
        limit: number;
        before?: Date | undefined;
      }): Promise<AuditEvent[]> {
        const docs = await AuditEventModel.find(
          clean({ tenantId, targetId: opts.targetId, at: opts.before ? { $lt: opts.before } : undefined }),
        )
          .sort({ at: -1, _id: -1 })
          .limit(opts.limit)
          .maxTimeMS(budget)
          .lean<AuditEventDoc[]>();
        return docs.map((d) => fromDoc<AuditEvent>(d));
      },
      async provisioningEntries(opts: {
        userId?: string | undefined;
        groupId?: string | undefined;
        outcome?: ProvisioningOutcome | undefined;
        since?: Date | undefined;
        until?: Date | undefined;
        before?: { at: Date; id: string } | undefined;
        limit: number;
      }): Promise<ProvisioningLogEntry[]> {
        const and: Q[] = [];
        if (opts.since) and.push({ at: { $gte: opts.since } });
        if (opts.until) and.push({ at: { $lte: opts.until } });
        if (opts.before) and.push(before(opts.before.at, opts.before.id));
        const q: Q = clean({ tenantId, userId: opts.userId, groupId: opts.groupId, outcome: opts.outcome });
        if (and.length > 0) q.$and = and;
        const docs = await ProvisioningLogModel.find(q)
          .sort({ at: -1, _id: -1 })
          .limit(opts.limit)
          .maxTimeMS(budget)
          .lean<ProvisioningLogDoc[]>();
        return docs.map((d) => fromDoc<ProvisioningLogEntry>(d));
      },
    },
    { resource: 'log entry' },
  );
}

/**
 * Inserts log records that carry their own ids, each once. A batch is retried when its write failed (BatchWriter),
 * and a write can fail after the database stored it (the connection dropped before the answer: seen when the
 * embedded database was restarted), so the retry meets records already there: a duplicate id is a record already
 * stored, not a conflict (it was reported as entries lost).
 */
async function appendOnce<D>(
  model: { insertMany(docs: D[], opts: { ordered: false }): Promise<unknown> },
  docs: D[],
) {
  try {
    await model.insertMany(docs, { ordered: false });
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
  }
}

export type LogQueries = ReturnType<typeof createLogQueries>;

/** Append-only writes of both logs (all tenants, in batches), and the provisioning log's retention. */
export const logStorage = guarded(
  {
    async insertAuditEvents(events: AuditEvent[]): Promise<void> {
      if (events.length === 0) return;
      await appendOnce(
        AuditEventModel,
        events.map(({ id, ...rest }) => clean({ ...rest, _id: id })),
      );
    },
    async insertProvisioningEntries(entries: ProvisioningLogEntry[]): Promise<void> {
      if (entries.length === 0) return;
      await appendOnce(
        ProvisioningLogModel,
        entries.map(({ id, ...rest }) => clean({ ...rest, _id: id })),
      );
    },
    /**
     * Removes provisioning-log entries older than `olderThan`, and for each tenant all but its newest `keep`.
     * Returns how many were removed.
     */
    async pruneProvisioningLog(opts: {
      olderThan: Date;
      keep: number;
      tenantIds: readonly string[];
    }): Promise<number> {
      let removed = 0;
      for (const tenantId of opts.tenantIds) {
        // by tenant, so that the index on (tenantId, at) finds them
        removed += await deleteInBatches({ tenantId, at: { $lt: opts.olderThan } });
        const [last] = await ProvisioningLogModel.find({ tenantId })
          .sort({ at: -1, _id: -1 })
          .skip(opts.keep - 1)
          .limit(1)
          .select({ at: 1 })
          .lean<Pick<ProvisioningLogDoc, '_id' | 'at'>[]>();
        if (last) removed += await deleteInBatches({ tenantId, ...before(last.at, last._id) });
      }
      return removed;
    },
  },
  { resource: 'log entry' },
);
