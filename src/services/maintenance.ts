import type { Config } from '../config.js';
import { createTenantStorage, integrityStorage, logStorage, tenantStorage } from '../db/storage.js';
import type { Logger } from '../log.js';
import { finishDeletion } from './deletions.js';
import { flushProvisioningLog } from './provisioning-log.js';

/**
 * The maintenance sweep (issue 12, items 2 and 7): the repair of memberships (db/integrity.ts: finish deletes a
 * crash interrupted, remove memberships whose user or group is gone, a batch of the full scan per run) and the
 * provisioning log's retention (by age, and by count per tenant). Every step is idempotent, so any number of
 * instances may run it at once; after any race or crash the directory converges within one sweep.
 */
export interface MaintenanceSettings {
  /** How long deletion records are kept (and replayed). */
  deletionRetentionMs: number;
  /** Memberships checked by one run's batch of the full scan. */
  scanBatch: number;
  logMaxAgeMs: number;
  logMaxEntriesPerTenant: number;
}

/** The repair's counts. */
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

export interface MaintenanceResult extends SweepResult {
  /** Provisioning log entries removed by the retention. */
  logEntriesRemoved: number;
  /** Tenants whose log the retention went through. */
  tenants: number;
  /** Whether this run's batch ended the full scan (the next run starts it again). */
  scanCompleted: boolean;
  durationMs: number;
}

/** Where a sweep left off: the full scan's position, and when the deletions were last replayed. */
export interface SweepCursor {
  scanFrom: string;
  replayedFrom?: Date | undefined;
}

export function maintenanceSettings(config: Config): MaintenanceSettings {
  return {
    deletionRetentionMs: config.DELETION_RECORD_RETENTION_HOURS * 3_600_000,
    scanBatch: config.MAINTENANCE_MEMBERSHIP_SCAN_BATCH,
    logMaxAgeMs: config.PROVISIONING_LOG_RETENTION_DAYS * 86_400_000,
    logMaxEntriesPerTenant: config.PROVISIONING_LOG_MAX_ENTRIES_PER_TENANT,
  };
}

/**
 * One sweep over every tenant. `cursor` carries the full scan's position from run to run, and lets a run replay only
 * the deletions recorded since the previous run started (with a minute's margin for clocks and slow deletes); a new
 * cursor replays every deletion still kept.
 */
export async function runMaintenance(
  settings: MaintenanceSettings,
  cursor: SweepCursor = { scanFrom: '' },
  now: Date = new Date(),
): Promise<MaintenanceResult> {
  const started = performance.now();
  const since = new Date(now.getTime() - settings.deletionRetentionMs);
  const replayFrom = cursor.replayedFrom ? new Date(cursor.replayedFrom.getTime() - 60_000) : undefined;
  const deletions = await integrityStorage.recordedDeletions(
    replayFrom && replayFrom > since ? replayFrom : since,
    10_000,
  );
  const repaired: SweepResult = {
    deletions: deletions.length,
    recordsRemoved: 0,
    membershipsRemoved: 0,
    scanned: 0,
  };
  for (const d of deletions) {
    const done = await finishDeletion(createTenantStorage(d.tenantId), d.kind, d.targetId);
    repaired.recordsRemoved += Number(done.recordRemoved);
    repaired.membershipsRemoved += done.membershipsRemoved;
  }
  await integrityStorage.forgetDeletions(since);
  const scan = await integrityStorage.removeOrphanMemberships(cursor.scanFrom, settings.scanBatch);
  repaired.scanned = scan.scanned;
  repaired.membershipsRemoved += scan.removed;
  cursor.scanFrom = scan.scanNext;
  cursor.replayedFrom = now;

  await flushProvisioningLog();
  const tenants = await tenantStorage.list();
  const logEntriesRemoved = await logStorage.pruneProvisioningLog({
    olderThan: new Date(now.getTime() - settings.logMaxAgeMs),
    keep: settings.logMaxEntriesPerTenant,
    tenantIds: tenants.map((t) => t.id),
  });
  return {
    ...repaired,
    logEntriesRemoved,
    tenants: tenants.length,
    scanCompleted: scan.scanNext === '',
    durationMs: Math.round(performance.now() - started),
  };
}

export interface Maintenance {
  /** Runs a sweep now (or waits for the one running) and returns its result. */
  runNow(): Promise<MaintenanceResult>;
  /** No further sweeps; resolves once a sweep in progress has finished. */
  stop(): Promise<void>;
}

/**
 * The first sweep comes within this long of the start: a start may follow a crash, and what the crash interrupted (a
 * delete whose record is gone and whose memberships are not) is finished as soon as the service is back, like a
 * database's recovery, not up to an interval later.
 */
const firstSweepWithinMs = 10_000;

/**
 * Runs the sweep every `intervalMs` (the first one within `firstSweepWithinMs` of the start, after a random part of
 * that time, so that instances started together spread out), one at a time: a sweep still running when the next is
 * due is not doubled. Each sweep is logged with its counts (info when it changed something, debug otherwise); a
 * failed sweep is logged and retried at the next interval.
 */
export function startMaintenance(
  settings: MaintenanceSettings,
  intervalMs: number,
  logger: Logger,
): Maintenance {
  const cursor: SweepCursor = { scanFrom: '' };
  let running: Promise<MaintenanceResult> | undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  const sweep = (): Promise<MaintenanceResult> => {
    running ??= runMaintenance(settings, cursor)
      .then((result) => {
        const changed = result.recordsRemoved + result.membershipsRemoved + result.logEntriesRemoved > 0;
        logger[changed ? 'info' : 'debug']({ maintenance: result }, 'maintenance sweep');
        return result;
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  const schedule = (delayMs: number) => {
    if (stopped || intervalMs <= 0) return;
    timer = setTimeout(() => {
      sweep()
        .catch((err: unknown) =>
          logger.warn({ err }, 'maintenance sweep failed; retried at the next interval'),
        )
        .finally(() => schedule(intervalMs));
    }, delayMs);
    timer.unref();
  };
  schedule(Math.round(Math.min(intervalMs, firstSweepWithinMs) * (0.1 + 0.9 * Math.random())));

  return {
    runNow: sweep,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running?.catch(() => undefined);
    },
  };
}
