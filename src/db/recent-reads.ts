/**
 * Records read recently, kept in this process's memory so that reads of the same records shortly after can be
 * answered without the database: for records that many requests read and few change (a tenant's groups, shown with
 * every user of a page).
 *
 * - A record is served for at most `maxAgeMs` after the read that fetched it *began*: a change made by another
 *   process that shares the database (another service instance, the CLI) is seen within that time.
 * - A change made through this process (`changed`, called by the storage module after every write of the record,
 *   failed or not) is seen at once: the record leaves the cache, and a read that was already running when the change
 *   was made does not put what it read into the cache (it may have read the record as it was before).
 * - At most `maxEntries` records; the oldest reads leave first.
 *
 * Keys are the caller's (they must hold the tenant). Values are shared by every reader: they are frozen.
 */
export class RecentReads<T extends object> {
  private readonly entries = new Map<string, { value: Readonly<T>; readAt: number }>();
  /** Key → the sequence number and time of its last change, in the order of the changes. */
  private readonly changes = new Map<string, { seq: number; at: number }>();
  private seq = 0;
  /** The sequence number at the last `clear`: reads that began before it keep nothing. */
  private clearedSeq = -1;

  constructor(
    private readonly maxAgeMs: number,
    private readonly maxEntries: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Whether records are kept at all (a maximum age of 0 turns the cache off). */
  get enabled(): boolean {
    return this.maxAgeMs > 0;
  }

  /** The record under `key` if a read that began less than `maxAgeMs` ago fetched it and it has not changed since. */
  get(key: string): Readonly<T> | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (this.now() - e.readAt < this.maxAgeMs) return e.value;
    this.entries.delete(key);
    return undefined;
  }

  /** Marks the start of a database read whose results may be kept (`keep`). */
  begin(): { seq: number; at: number } {
    return { seq: this.seq, at: this.now() };
  }

  /** Keeps a record that the read begun at `read` returned, unless it changed (here) since that read began. */
  keep(read: { seq: number; at: number }, key: string, value: T): Readonly<T> {
    const frozen = Object.freeze(value);
    if (!this.enabled || read.seq <= this.clearedSeq || this.now() - read.at >= this.maxAgeMs) return frozen;
    const change = this.changes.get(key);
    if (change && change.seq >= read.seq) return frozen;
    this.entries.delete(key); // re-inserted last: the map stays in the order of the reads
    this.entries.set(key, { value: frozen, readAt: read.at });
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries) break;
      this.entries.delete(oldest);
    }
    return frozen;
  }

  /** The record under `key` was written (or may have been: a write whose outcome is unknown counts). */
  changed(key: string): void {
    this.entries.delete(key);
    const at = this.now();
    this.changes.delete(key);
    this.changes.set(key, { seq: this.seq++, at });
    // A change older than the maximum age cannot stop a keep: a read that began before it is too old to be kept.
    for (const [k, c] of this.changes) {
      if (at - c.at <= this.maxAgeMs) break;
      this.changes.delete(k);
    }
  }

  /** Forgets every record (a restore replaced the data). */
  clear(): void {
    this.entries.clear();
    this.changes.clear();
    this.clearedSeq = this.seq++;
  }
}
