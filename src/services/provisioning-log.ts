import { randomUUID } from 'node:crypto';
import { type ServiceContext } from './context.js';
import type { ProvisioningLogEntry, ProvisioningOutcome } from '../domain/types.js';
import { logStorage } from '../db/storage.js';
import { BatchWriter } from './batch-writer.js';
import { assertMayRead } from './read-policy.js';

/**
 * The provisioning log: one entry per SCIM request (what Entra did and how it ended), written in batches so the
 * log costs no round trip per request. Reads flush first, so a reader in this process sees every finished request.
 */
const writer = new BatchWriter<ProvisioningLogEntry>((entries) =>
  logStorage.insertProvisioningEntries(entries),
);

export function recordProvisioning(
  ctx: ServiceContext,
  entry: Omit<ProvisioningLogEntry, 'id' | 'tenantId' | 'requestId'>,
): void {
  writer.push({
    id: randomUUID(),
    tenantId: ctx.tenantId,
    requestId: ctx.requestId,
    ...entry,
    path: loggable(entry.path),
    ...(entry.error === undefined ? {} : { error: loggable(entry.error) }),
  });
}

/**
 * What a client sent, fit to store and show: control characters (U+0000 above all, which PostgreSQL cannot store
 * and which made the whole batch of entries fail) and lone surrogates are written as `\uXXXX` escapes (issue 12).
 */
export function loggable(text: string): string {
  return text.replace(
    /[\u0000-\u001f\u007f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

export async function flushProvisioningLog(): Promise<void> {
  await writer.flush();
}

export async function listProvisioningLog(
  ctx: ServiceContext,
  opts: {
    userId?: string | undefined;
    groupId?: string | undefined;
    outcome?: ProvisioningOutcome | undefined;
    since?: Date | undefined;
    until?: Date | undefined;
    before?: { at: Date; id: string } | undefined;
    limit: number;
  },
): Promise<ProvisioningLogEntry[]> {
  assertMayRead(ctx, 'provisioningLog');
  await writer.flush();
  const clean = Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)) as typeof opts;
  return ctx.db.logs.provisioningEntries({
    ...clean,
    limit: Math.min(opts.limit, 500),
  });
}

export const provisioningLogWriter = writer;
