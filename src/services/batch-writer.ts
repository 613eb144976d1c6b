import { setTimeout as sleep } from 'node:timers/promises';
import { UnavailableError } from '../domain/errors.js';

/**
 * Waits between tries while the database is unavailable (250 ms doubling, 15.75 s in all): an embedded database
 * restart takes one to three seconds, and records are not given up for a restart. An outage longer than that loses
 * the batches written during it (each tried once, reported) rather than holding them, and shutdown, indefinitely.
 * Any other error is tried once more.
 */
export const unavailableRetryDelaysMs = [250, 500, 1000, 2000, 4000, 8000];

/**
 * Buffers append-only records and writes them in batches: at most every `intervalMs`, or at once when `maxBatch`
 * records wait. A failed batch is tried again (once, or while the database is unavailable for up to
 * `retryDelaysMs` in one outage; the write must store each record once however often it is tried) and then
 * reported through `onError` (logs must not break requests).
 */
export class BatchWriter<T> {
  private queue: T[] = [];
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> = Promise.resolve();
  /** Waits spent in the current outage: the schedule is the outage's, not each batch's (batches queue behind). */
  private outageWaits = 0;
  onError: (err: unknown, lost: number) => void = () => {};

  constructor(
    private readonly write: (batch: T[]) => Promise<void>,
    private readonly intervalMs = 20,
    private readonly maxBatch = 500,
    private readonly retryDelaysMs: readonly number[] = unavailableRetryDelaysMs,
  ) {}

  push(item: T): void {
    this.queue.push(item);
    if (this.queue.length >= this.maxBatch) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.intervalMs);
  }

  /** Writes everything queued so far; resolves when it is stored (or reported lost). */
  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const batch = this.queue;
    this.queue = [];
    this.inFlight = this.inFlight.then(() => (batch.length > 0 ? this.store(batch) : undefined));
    return this.inFlight;
  }

  private async store(batch: T[]): Promise<void> {
    for (let tries = 1; ; tries++) {
      try {
        await this.write(batch);
        this.outageWaits = 0;
        return;
      } catch (err) {
        const wait = err instanceof UnavailableError ? this.retryDelaysMs[this.outageWaits] : undefined;
        if (wait !== undefined) {
          this.outageWaits++;
          await sleep(wait);
        } else if (tries > 1 || err instanceof UnavailableError) {
          this.onError(err, batch.length);
          return;
        }
      }
    }
  }
}
