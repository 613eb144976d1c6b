/**
 * Records read recently, kept in this process's memory so that reads of the same records shortly after can be
 * answered without the database: for records that many requests read and few change (a tenant's groups, shown with
 * every user of a page; verified tokens, services/credentials.ts).
 *
 * - A record is served for at most `maxAgeMs` after the read that fetched it *began*: a change made by another
 *   process that shares the database (another service instance, the CLI) is seen within that time.
 * - A change made through this process (`changed`, called by the storage module after every write of the record,
 *   failed or not) is seen at once: the record leaves the cache, and a read that was already running when the change
 *   was made neither keeps what it read (it may have read the record as it was before) nor answers later readers.
 * - A record that is being read already (by a read that began less than `maxAgeMs` ago, and not changed here since)
 *   is not read again: the reader waits for that read. When records expire under load, the requests in flight then
 *   share one read instead of each reading them all.
 * - At most `maxEntries` records; the oldest reads leave first.
 *
 * Keys are the caller's (they must hold the tenant). Values are shared by every reader: they are frozen.
 */
export class RecentReads<T extends object> {
  private readonly entries = new Map<string, { value: Readonly<T>; readAt: number }>();
  /** Reads in progress: key → the read and what it will find (undefined: no such record). */
  private readonly pending = new Map<string, { read: Read; value: Promise<Readonly<T> | undefined> }>();
  /** Key → the sequence number and time of its last change, in the order of the changes. */
  private readonly changes = new Map<string, Read>();
  private seq = 0;
  /** The sequence number at the last `clear`: reads that began before it keep nothing. */
  private clearedSeq = -1;

  constructor(
    private readonly maxAgeMs: number,
    private readonly maxEntries: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /**
   * The records under `keys` that exist (in no particular order): those kept, those a read in progress is fetching,
   * and the rest from one call of `fetch`, which returns the records it found by key.
   */
  async getMany(
    keys: readonly string[],
    fetch: (keys: string[]) => Promise<Map<string, T>>,
  ): Promise<Readonly<T>[]> {
    if (this.maxAgeMs <= 0) return [...(await fetch([...keys])).values()];
    const found: Readonly<T>[] = [];
    const waits: Promise<Readonly<T> | undefined>[] = [];
    const missing: string[] = [];
    const now = this.now();
    for (const key of keys) {
      const kept = this.entries.get(key);
      if (kept && now - kept.readAt < this.maxAgeMs) {
        found.push(kept.value);
        continue;
      }
      if (kept) this.entries.delete(key);
      const p = this.pending.get(key);
      if (p && now - p.read.at < this.maxAgeMs && !this.changedSince(key, p.read)) waits.push(p.value);
      else missing.push(key);
    }
    if (missing.length > 0) waits.push(...this.read(missing, fetch));
    for (const v of await Promise.all(waits)) if (v) found.push(v);
    return found;
  }

  /** Starts one read of `keys`; returns what it finds for each key, and keeps it. */
  private read(
    keys: string[],
    fetch: (keys: string[]) => Promise<Map<string, T>>,
  ): Promise<Readonly<T> | undefined>[] {
    const read: Read = { seq: this.seq, at: this.now() };
    const fetched = fetch(keys);
    const done = () => {
      for (const key of keys) if (this.pending.get(key)?.read === read) this.pending.delete(key);
    };
    fetched.then(done, done);
    return keys.map((key) => {
      const value = fetched.then((m) => {
        const v = m.get(key);
        return v === undefined ? undefined : this.keep(read, key, v);
      });
      this.pending.set(key, { read, value });
      return value;
    });
  }

  /** Freezes a record the read begun at `read` found, and keeps it unless it changed (here) since that read began. */
  private keep(read: Read, key: string, value: T): Readonly<T> {
    const frozen = Object.freeze(value);
    if (this.changedSince(key, read) || this.now() - read.at >= this.maxAgeMs) return frozen;
    this.entries.delete(key); // re-inserted last: the map stays in the order of the reads
    this.entries.set(key, { value: frozen, readAt: read.at });
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries) break;
      this.entries.delete(oldest);
    }
    return frozen;
  }

  private changedSince(key: string, read: Read): boolean {
    return read.seq <= this.clearedSeq || (this.changes.get(key)?.seq ?? -1) >= read.seq;
  }

  /** The record under `key` was written (or may have been: a write whose outcome is unknown counts). */
  changed(key: string): void {
    this.entries.delete(key);
    const at = this.now();
    this.changes.delete(key);
    this.changes.set(key, { seq: this.seq++, at });
    // A change older than the maximum age cannot matter: a read that began before it is too old to be kept or joined.
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

/** When a read began (or a change was made): the sequence of changes at that moment, and the time. */
interface Read {
  seq: number;
  at: number;
}
