import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import type { MongoNetworkError as NetworkError } from 'mongodb';

/**
 * What the service adds to the MongoDB Node.js driver (the one mongoose uses), by wrapping two methods of its
 * Connection class once per process (`installDriverHooks`, called by connectDatabase):
 *
 * - **A guard against a hang** (seen in 7.8.0, unchanged in 7.9.1): a command written on a connection whose socket
 *   was destroyed a moment earlier — the database went away, and the socket's 'close' event had not come yet —
 *   waited for ever. The driver's `writeCommand` gets `false` from `socket.write` (a destroyed stream emits no
 *   error) and waits for a 'drain' that never comes; when 'close' arrives, the connection's cleanup only ends reads
 *   in progress, not that wait. The request behind it got no answer at all (found after a restart of the embedded
 *   database: a SCIM list unanswered for minutes while /readyz said 200, one of ~20 kills). The guard ends that wait
 *   when the connection closes, with the connection's network error: a retryable read is tried again on a new
 *   connection, anything else fails as "unavailable".
 * - **Command observation** (`onDriverCommand`): every command a connection sends, named before it goes out, for
 *   the counts in /metrics, the benchmarks and the tests. The driver's own command monitoring (`monitorCommands`)
 *   also reports each reply, which made it decode every reply in full a second time (the cursor decodes it
 *   again): 2 ms of the service's CPU on a page of 100 users with their groups.
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
  command(
    ns: unknown,
    command: Record<string, unknown>,
    options?: unknown,
    responseType?: unknown,
  ): Promise<unknown>;
}

/** Called with a command's name (its first key) and the command, before it is sent. */
export type DriverCommandListener = (name: string, command: Record<string, unknown>) => void;

const listeners = new Set<DriverCommandListener>();
const installed = Symbol.for('directory.driverHooks');

/** Calls `listener` with every command any driver connection of this process sends; returns the unsubscribe. */
export function onDriverCommand(listener: DriverCommandListener): () => void {
  installDriverHooks();
  listeners.add(listener);
  return () => void listeners.delete(listener);
}

export function installDriverHooks(): void {
  const fromMongoose = createRequire(createRequire(import.meta.url).resolve('mongoose'));
  const { Connection } = fromMongoose('mongodb/lib/cmap/connection.js') as {
    Connection: { prototype: DriverConnection & { [installed]?: true } };
  };
  const { MongoNetworkError } = fromMongoose('mongodb') as { MongoNetworkError: typeof NetworkError };
  const proto = Connection.prototype;
  if (proto[installed]) return;
  proto[installed] = true;

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

  const command = proto.command;
  proto.command = function (
    this: DriverConnection,
    ns: unknown,
    cmd: Record<string, unknown>,
    options?: unknown,
    responseType?: unknown,
  ) {
    if (listeners.size > 0) {
      const name = Object.keys(cmd)[0];
      if (name !== undefined) for (const listener of listeners) listener(name, cmd);
    }
    return command.call(this, ns, cmd, options, responseType);
  };
}
