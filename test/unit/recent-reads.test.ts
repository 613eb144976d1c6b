import { expect } from 'chai';
import { RecentReads } from '../../src/db/recent-reads.js';

type Rec = { v: number };

/** The recent-reads cache (db/recent-reads.ts) on a clock the test moves, over a source the test answers. */
describe('RecentReads', () => {
  let clock = 0;
  beforeEach(() => (clock = 0));
  const cache = (maxAgeMs = 1000, maxEntries = 100) =>
    new RecentReads<Rec>(maxAgeMs, maxEntries, () => clock);

  /** A database stand-in: records by key; each fetch is held until `answer` (or answered at once with `auto`). */
  function source(records: Record<string, number>, auto = true) {
    const calls: { keys: string[]; answer: () => void; fail: (e: Error) => void }[] = [];
    const fetch = (keys: string[]) =>
      new Promise<Map<string, Rec>>((resolve, reject) => {
        const answer = () =>
          resolve(new Map(keys.filter((k) => k in records).map((k) => [k, { v: records[k]! }])));
        calls.push({ keys, answer, fail: reject });
        if (auto) answer();
      });
    return { calls, fetch, records };
  }
  const values = (rs: readonly Readonly<Rec>[]) => rs.map((r) => r.v).sort((x, y) => x - y);

  it('serves a record for the maximum age counted from the start of the read that fetched it', async () => {
    const c = cache();
    const s = source({ a: 1 }, false);
    const first = c.getMany(['a'], s.fetch);
    clock = 300; // the read takes 300 ms
    s.calls[0]!.answer();
    expect(values(await first)).to.deep.equal([1]);
    clock = 999;
    expect(values(await c.getMany(['a'], s.fetch))).to.deep.equal([1]);
    expect(s.calls).to.have.length(1);
    clock = 1000;
    const again = c.getMany(['a'], s.fetch);
    s.calls[1]!.answer();
    await again;
    expect(s.calls).to.have.length(2);
  });

  it('keeps nothing from a read that took longer than the maximum age, and leaves out records not found', async () => {
    const c = cache();
    const s = source({ a: 1 }, false);
    const slow = c.getMany(['a', 'gone'], s.fetch);
    clock = 1000;
    s.calls[0]!.answer();
    expect(values(await slow)).to.deep.equal([1]);
    const again = c.getMany(['a'], s.fetch);
    s.calls[1]!.answer();
    await again;
    expect(s.calls.map((x) => x.keys)).to.deep.equal([['a', 'gone'], ['a']]);
  });

  it('requests in flight share one read of the records they all miss', async () => {
    const c = cache();
    const s = source({ a: 1, b: 2, c: 3 }, false);
    const one = c.getMany(['a', 'b'], s.fetch);
    const two = c.getMany(['a', 'b', 'c'], s.fetch); // joins the read of a and b, reads c itself
    expect(s.calls.map((x) => x.keys)).to.deep.equal([['a', 'b'], ['c']]);
    s.calls[1]!.answer();
    s.calls[0]!.answer();
    expect(values(await one)).to.deep.equal([1, 2]);
    expect(values(await two)).to.deep.equal([1, 2, 3]);
    expect(values(await c.getMany(['a', 'b', 'c'], s.fetch))).to.deep.equal([1, 2, 3]);
    expect(s.calls).to.have.length(2);
  });

  it('a change drops the record; a read running then neither keeps it nor answers later readers', async () => {
    const c = cache();
    const s = source({ a: 1, b: 2 });
    await c.getMany(['a'], s.fetch);
    c.changed('a');
    s.records.a = 10;
    expect(values(await c.getMany(['a'], s.fetch))).to.deep.equal([10]);

    clock = 2000; // a (kept above) has expired
    const held = source({ a: 10, b: 2 }, false);
    const running = c.getMany(['a', 'b'], held.fetch);
    clock = 2010;
    c.changed('a'); // written while the read runs: the read may hold the record as it was
    held.records.a = 11;
    const after = c.getMany(['a', 'b'], held.fetch); // reads a itself, joins the read of b
    expect(held.calls.map((x) => x.keys)).to.deep.equal([['a', 'b'], ['a']]);
    held.calls[0]!.answer();
    held.calls[1]!.answer();
    await running;
    expect(values(await after)).to.deep.equal([2, 11]);
    // b of the running read was kept, a of the later read too
    expect(values(await c.getMany(['a', 'b'], held.fetch))).to.deep.equal([2, 11]);
    expect(held.calls).to.have.length(2);
  });

  it('does not join a read that began longer ago than the maximum age', async () => {
    const c = cache();
    const s = source({ a: 1 }, false);
    const old = c.getMany(['a'], s.fetch);
    clock = 1000;
    const fresh = c.getMany(['a'], s.fetch);
    expect(s.calls).to.have.length(2);
    s.calls.forEach((x) => x.answer());
    await Promise.all([old, fresh]);
  });

  it('a failed read fails those waiting for it, and the next request reads again', async () => {
    const c = cache();
    const s = source({ a: 1 }, false);
    const one = c.getMany(['a'], s.fetch);
    const two = c.getMany(['a'], s.fetch);
    s.calls[0]!.fail(new Error('database gone'));
    for (const p of [one, two]) {
      const err = await p.then(
        () => undefined,
        (e: Error) => e,
      );
      expect(err?.message).to.equal('database gone');
    }
    const three = c.getMany(['a'], s.fetch);
    s.calls[1]!.answer();
    expect(values(await three)).to.deep.equal([1]);
  });

  it('a change long past no longer matters, and its record is dropped from memory', async () => {
    const c = cache();
    c.changed('a');
    clock = 5000;
    c.changed('b'); // prunes the change of 'a' (older than the maximum age)
    const s = source({ a: 1 });
    await c.getMany(['a'], s.fetch);
    await c.getMany(['a'], s.fetch);
    expect(s.calls).to.have.length(1);
    expect((c as unknown as { changes: Map<string, unknown> }).changes.size).to.equal(1);
  });

  it('clear forgets everything and keeps nothing from reads that were running', async () => {
    const c = cache();
    const s = source({ a: 1, b: 2 });
    await c.getMany(['a'], s.fetch);
    const held = source({ b: 2 }, false);
    const running = c.getMany(['b'], held.fetch);
    c.clear();
    held.calls[0]!.answer();
    await running;
    await c.getMany(['a', 'b'], s.fetch);
    expect(s.calls.map((x) => x.keys)).to.deep.equal([['a'], ['a', 'b']]);
  });

  it('holds at most maxEntries records, dropping the oldest reads first', async () => {
    const c = cache(1000, 3);
    const s = source({ a: 1, b: 2, c: 3, d: 4 });
    for (const k of ['a', 'b', 'c']) await c.getMany([k], s.fetch);
    clock = 1;
    c.changed('a');
    await c.getMany(['a'], s.fetch); // read again: now the newest
    await c.getMany(['d'], s.fetch); // b leaves
    s.calls.length = 0;
    await c.getMany(['a', 'b', 'c', 'd'], s.fetch);
    expect(s.calls.map((x) => x.keys)).to.deep.equal([['b']]);
  });

  it('hands out frozen records, and with a maximum age of 0 reads every time', async () => {
    const on = cache();
    const [kept] = await on.getMany(['a'], source({ a: 1 }).fetch);
    expect(Object.isFrozen(kept)).to.equal(true);
    expect(() => ((kept as Rec).v = 2)).to.throw(TypeError);
    const off = cache(0);
    const s = source({ a: 1 });
    await off.getMany(['a'], s.fetch);
    await off.getMany(['a'], s.fetch);
    expect(s.calls).to.have.length(2);
  });
});
