import { NotFoundError, PreconditionFailedError } from '../domain/errors.js';

/**
 * A read-change-write with optimistic concurrency: the write names the version it read, and when another writer got
 * in between, the record is read again and the change applied again to what it is now (at most 5 times) — a
 * concurrent change is never silently overwritten. `change` returns the next record, or undefined for "no change";
 * `write` returns false when the stored version was no longer `expected`. The services' one retry loop.
 */
export async function changeVersioned<T extends { version: number }>(
  resource: string,
  id: string,
  read: () => Promise<T | undefined>,
  change: (current: T) => T | undefined | Promise<T | undefined>,
  write: (next: T, expected: number) => Promise<boolean>,
): Promise<{ record: T; changed: boolean }> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const current = await read();
    if (!current) throw new NotFoundError(resource, id);
    const next = await change(current);
    if (!next) return { record: current, changed: false };
    const record = { ...next, version: current.version + 1 };
    if (await write(record, current.version)) return { record, changed: true };
  }
  throw new PreconditionFailedError(`the ${resource} is being changed concurrently; try again`);
}
