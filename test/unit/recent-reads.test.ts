import { expect } from 'chai';
import { RecentReads } from '../../src/db/recent-reads.js';

/** The recent-reads cache (db/recent-reads.ts) on a clock the test moves. */
describe('RecentReads', () => {
  let clock = 0;
  const cache = (maxAgeMs = 1000, maxEntries = 100) =>
    new RecentReads<{ v: number }>(maxAgeMs, maxEntries, () => clock);
  beforeEach(() => (clock = 0));

  it('serves a record for the maximum age counted from the start of the read that fetched it', () => {
    const c = cache();
    const read = c.begin();
    clock = 300; // the read took 300 ms
    c.keep(read, 'a', { v: 1 });
    clock = 999;
    expect(c.get('a')).to.deep.equal({ v: 1 });
    clock = 1000;
    expect(c.get('a')).to.equal(undefined);
  });

  it('keeps nothing from a read that took longer than the maximum age', () => {
    const c = cache();
    const read = c.begin();
    clock = 1000;
    c.keep(read, 'a', { v: 1 });
    expect(c.get('a')).to.equal(undefined);
  });

  it('forgets a record when it changes, and keeps nothing of it from a read that was running then', () => {
    const c = cache();
    c.keep(c.begin(), 'a', { v: 1 });
    const running = c.begin();
    clock = 10;
    c.changed('a');
    expect(c.get('a')).to.equal(undefined);
    c.keep(running, 'a', { v: 1 }); // read before the change: may be the old record
    expect(c.get('a')).to.equal(undefined);
    c.keep(running, 'b', { v: 2 }); // another record of the same read is kept
    expect(c.get('b')).to.deep.equal({ v: 2 });
    c.keep(c.begin(), 'a', { v: 3 }); // a read begun after the change is kept
    expect(c.get('a')).to.deep.equal({ v: 3 });
  });

  it('a change long past no longer matters, and its record is dropped from memory', () => {
    const c = cache();
    c.changed('a');
    clock = 5000;
    c.changed('b'); // prunes the change of 'a' (older than the maximum age)
    c.keep(c.begin(), 'a', { v: 1 });
    expect(c.get('a')).to.deep.equal({ v: 1 });
    expect((c as unknown as { changes: Map<string, unknown> }).changes.size).to.equal(1);
  });

  it('clear forgets everything and keeps nothing from reads that were running', () => {
    const c = cache();
    c.keep(c.begin(), 'a', { v: 1 });
    const running = c.begin();
    c.clear();
    expect(c.get('a')).to.equal(undefined);
    c.keep(running, 'b', { v: 2 });
    expect(c.get('b')).to.equal(undefined);
    c.keep(c.begin(), 'b', { v: 2 });
    expect(c.get('b')).to.deep.equal({ v: 2 });
  });

  it('holds at most maxEntries records, dropping the oldest reads first', () => {
    const c = cache(1000, 3);
    for (const k of ['a', 'b', 'c']) c.keep(c.begin(), k, { v: 1 });
    c.keep(c.begin(), 'a', { v: 2 }); // read again: now the newest
    c.keep(c.begin(), 'd', { v: 1 });
    expect(['a', 'b', 'c', 'd'].map((k) => c.get(k) !== undefined)).to.deep.equal([true, false, true, true]);
  });

  it('hands out frozen records, and keeps nothing with a maximum age of 0', () => {
    const on = cache();
    const kept = on.keep(on.begin(), 'a', { v: 1 });
    expect(Object.isFrozen(kept)).to.equal(true);
    expect(() => ((kept as { v: number }).v = 2)).to.throw(TypeError);
    const off = cache(0);
    expect(off.enabled).to.equal(false);
    off.keep(off.begin(), 'a', { v: 1 });
    expect(off.get('a')).to.equal(undefined);
  });
});
