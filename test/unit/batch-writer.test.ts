import { expect } from 'chai';
import { UnavailableError } from '../../src/domain/errors.js';
import { BatchWriter } from '../../src/services/batch-writer.js';

/**
 * The batch writer behind the audit and provisioning logs: a batch whose write fails while the database is
 * unavailable (an embedded database restart) is tried again until the database is back, not given up after one
 * more try (the audit events of the requests around a restart were reported lost); other errors get one more try.
 */
describe('log batch writer (no database)', () => {
  const down = () => new UnavailableError('the database is unavailable; retry shortly');

  /** A write that fails with the given errors in turn, then stores; it records each try's batch and time. */
  function store(failures: Error[]) {
    const stored: number[][] = [];
    const tries: number[] = [];
    const started = Date.now();
    const write = async (batch: number[]) => {
      tries.push(Date.now() - started);
      const failure = failures.shift();
      if (failure) throw failure;
      stored.push(batch);
    };
    return { write, stored, tries };
  }

  it('tries a batch again while the database is unavailable, waiting longer each time, and stores it once', async () => {
    const s = store([down(), down(), down()]);
    const lost: number[] = [];
    const writer = new BatchWriter(s.write, 1, 500, [20, 40, 80, 160]);
    writer.onError = (_err, n) => lost.push(n);
    writer.push(1);
    writer.push(2);
    await writer.flush();
    expect(s.stored).to.deep.equal([[1, 2]]);
    expect(lost).to.deep.equal([]);
    expect(s.tries).to.have.length(4);
    // the waits before the second, third and fourth try: 20, 40 and 80 ms (timers may fire late, never early)
    const waits = s.tries.slice(1).map((t, i) => t - s.tries[i]!);
    waits.forEach((w, i) => expect(w, `wait ${i + 1}`).to.be.at.least([20, 40, 80][i]! - 2));
  });

  it('keeps the order of batches: a later batch waits for the one being retried', async () => {
    const s = store([down(), down()]);
    const writer = new BatchWriter(s.write, 1, 2, [10, 10, 10]);
    writer.push(1);
    writer.push(2); // a full batch: flushed at once, and failing
    writer.push(3);
    await writer.flush();
    expect(s.stored).to.deep.equal([[1, 2], [3]]);
  });

  it('reports the batch lost when the database stays unavailable beyond its waits', async () => {
    const s = store([down(), down(), down(), down()]);
    const lost: { err: unknown; n: number }[] = [];
    const writer = new BatchWriter(s.write, 1, 500, [5, 5]);
    writer.onError = (err, n) => lost.push({ err, n });
    writer.push(1);
    await writer.flush();
    expect(s.tries).to.have.length(3);
    expect(s.stored).to.deep.equal([]);
    expect(lost).to.have.length(1);
    expect(lost[0]!.n).to.equal(1);
    expect(lost[0]!.err).to.be.instanceOf(UnavailableError);
  });

  it('waits out one outage once: batches queued behind a batch given up are tried once each, until a write succeeds', async () => {
    const failures = [down(), down(), down(), down()];
    const s = store(failures);
    const lost: number[] = [];
    const writer = new BatchWriter(s.write, 1, 1, [30, 30]);
    writer.onError = (_err, n) => lost.push(n);
    const started = Date.now();
    writer.push(1); // tried 3 times (two waits), lost
    writer.push(2); // tried once, lost
    writer.push(3); // tried once, stored: the outage is over
    writer.push(4); // stored
    await writer.flush();
    expect(s.tries).to.have.length(3 + 1 + 1 + 1);
    expect(lost).to.deep.equal([1, 1]);
    expect(s.stored).to.deep.equal([[3], [4]]);
    expect(Date.now() - started).to.be.below(60 + 200);
    // the next outage gets the whole schedule again
    failures.push(down(), down());
    writer.push(5);
    await writer.flush();
    expect(s.stored).to.deep.equal([[3], [4], [5]]);
    expect(lost).to.deep.equal([1, 1]);
  });

  it('tries any other error once more, at once, then reports the batch lost', async () => {
    const s = store([new Error('invalid document'), new Error('invalid document')]);
    const lost: number[] = [];
    const writer = new BatchWriter(s.write, 1, 500, [1000]);
    writer.onError = (_err, n) => lost.push(n);
    writer.push(1);
    await writer.flush();
    expect(s.tries).to.have.length(2);
    expect(s.tries[1]! - s.tries[0]!).to.be.below(500);
    expect(lost).to.deep.equal([1]);
  });
});
