/**
 * Buffers append-only records and writes them in batches: at most every `intervalMs`, or at once when `maxBatch`
 * records wait. A failed batch is retried once and then reported through `onError` (logs must not break requests).
 */
export class BatchWriter<T> {
  private queue: T[] = [];
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> = Promise.resolve();
  onError: (err: unknown, lost: number) => void = () => {};

  constructor(
    private readonly write: (batch: T[]) => Promise<void>,
    private readonly intervalMs = 20,
    private readonly maxBatch = 500,
  ) {}

  push(item: T): void {
    this.queue.push(item);
    if (this.queue.length >= this.maxBatch) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.intervalMs);
  }

  /** Writes everything queued so far; resolves when it is stored. */
  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const batch = this.queue;
    this.queue = [];
    this.inFlight = this.inFlight.then(async () => {
      if (batch.length === 0) return;
      try {
        await this.write(batch);
      } catch {
        try {
          await this.write(batch);
        } catch (err) {
          this.onError(err, batch.length);
        }
      }
    });
    return this.inFlight;
  }
}
