import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import type { MongoNetworkError as NetworkError } from 'mongodb';

/**
 * A guard against a hang in the MongoDB Node.js driver (seen in 7.8.0, unchanged in 7.9.1): a command written on a
 * connection whose socket was destroyed a moment earlier — the database went away, and the socket's 'close' event
 * had not come yet — waits for ever. The driver's `writeCommand` gets `false` from `socket.write` (a destroyed
 * stream emits no error) and waits for a 'drain' that never comes; when 'close' arrives, the connection's cleanup
 * only ends reads in progress, not that wait. The request behind it got no answer at all (found after a restart of
 * the embedded database: a SCIM list unanswered for minutes while /readyz said 200, one of ~20 kills).
 *
 * The guard ends that wait when the connection closes, with the connection's network error: a retryable read is
 * tried again on a new connection, anything else fails as "unavailable". It wraps the method on the driver's
 * Connection class (the driver mongoose uses), once per process.
 */
interface DriverConnection {
  closed: boolean;
  error?: Error;
  id: number | '<monitor>';
  address: string;
  socket: Socket;
  once(event: 'close', listener: () => void): void;
  off(event: 'close', listener: () => void): void;
  writeCommand(command: unknown, options: unknown): Promise<void>;
}

const guarded = Symbol.for('directory.driverWriteGuard');

export function guardDriverWrites(): void {
  const fromMongoose = createRequire(createRequire(import.meta.url).resolve('mongoose'));
  const { Connection } = fromMongoose('mongodb/lib/cmap/connection.js') as {
    Connection: { prototype: DriverConnection & { [guarded]?: true } };
  };
  const { MongoNetworkError } = fromMongoose('mongodb') as { MongoNetworkError: typeof NetworkError };
  const proto = Connection.prototype;
  if (proto[guarded]) return;
  proto[guarded] = true;
  const writeCommand = proto.writeCommand;
  proto.writeCommand = function (this: DriverConnection, command: unknown, options: unknown) {
    const written = writeCommand.call(this, command, options);
    return new Promise<void>((resolve, reject) => {
      const closed = () =>
        reject(this.error ?? new MongoNetworkError(`connection ${this.id} to ${this.address} closed`));
      if (this.closed) return closed();
      this.once('close', closed);
      written.then(
        () => {
          this.off('close', closed);
          resolve();
        },
        (err: unknown) => {
          this.off('close', closed);
          reject(err as Error);
        },
      );
    });
  };
}
