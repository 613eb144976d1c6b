import { randomUUID } from 'node:crypto';
import { type ServiceContext } from './context.js';
import type { AuditEvent } from '../domain/types.js';
import { logStorage } from '../db/storage.js';
import { BatchWriter } from './batch-writer.js';

/**
 * The audit log. Every service write calls `recordAudit`; events are written in small batches (one insertMany per
 * few milliseconds) so an audited write costs no extra database round trip of its own. `flushAudit` drains the
 * queue: reads of the log and shutdown call it.
 */
const writer = new BatchWriter<AuditEvent>((events) => logStorage.insertAuditEvents(events));

/** Who did it, for whom, from where: the part of a service context an audit event records. */
export type AuditContext = Pick<ServiceContext, 'tenantId' | 'actor' | 'source' | 'requestId'>;

export function recordAudit(
  ctx: AuditContext,
  action: string,
  target: { type: string; id: string },
  changes?: Record<string, unknown>,
): void {
  writer.push({
    id: randomUUID(),
    tenantId: ctx.tenantId,
    at: new Date(),
    actorType: ctx.actor.type,
    actorId: ctx.actor.id,
    source: ctx.source,
    requestId: ctx.requestId,
    action,
    targetType: target.type,
    targetId: target.id,
    changes,
  });
}

export async function flushAudit(): Promise<void> {
  await writer.flush();
}

export async function listAuditEvents(
  ctx: ServiceContext,
  opts: { targetId?: string; limit?: number; before?: Date } = {},
): Promise<AuditEvent[]> {
  await writer.flush();
  return ctx.db.logs.auditEvents({ ...opts, limit: Math.min(opts.limit ?? 50, 500) });
}

export const auditWriter = writer;
