import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/**
 * The zero-config database: FerretDB v1.24.2 (MongoDB wire protocol over SQLite or PostgreSQL), built from the Go
 * module proxy by the project's own small program in `ferretdb/`, started as a child process on loopback and
 * stopped with its parent. Production sets MONGODB_URI instead.
 */
/** The folder that holds package.json, from src/db (tsx) or dist/src/db (built). */
export const projectRoot = findProjectRoot(path.dirname(fileURLToPath(import.meta.url)));

function findProjectRoot(dir: string): string {
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('package.json not found above ' + dir);
    dir = parent;
  }
  return dir;
}

const sourceDir = path.join(projectRoot, 'ferretdb');

export interface EmbeddedOptions {
  /** SQLite data directory (sqlite backend). */
  dataDir?: string;
  /** PostgreSQL URL (postgresql backend). */
  postgresqlUrl?: string;
  /** Where the built binary is kept. */
  binDir: string;
  /** Progress messages (first build). */
  onProgress?: (message: string) => void;
}

export interface EmbeddedDatabase {
  uri: string;
  pid: number;
  stop(): Promise<void>;
}

export class EmbeddedDatabaseError extends Error {}

/** Builds the binary when missing or when its sources changed; returns its path. */
export function ensureBinary(binDir: string, onProgress: (m: string) => void = () => {}): string {
  const hash = createHash('sha256');
  const sources = [
    'go.mod',
    'go.sum',
    ...readdirSync(sourceDir)
      .filter((f) => f.endsWith('.go') && !f.endsWith('_test.go'))
      .sort(),
  ];
  for (const f of sources) hash.update(f).update(readFileSync(path.join(sourceDir, f)));
  const bin = path.resolve(projectRoot, binDir, `ferretdb-embedded-${hash.digest('hex').slice(0, 12)}`);
  if (existsSync(bin)) return bin;

  const go = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (go.error || go.status !== 0) {
    throw new EmbeddedDatabaseError(
      'Go is not installed, so the embedded database (FerretDB) cannot be built. Install Go 1.24+ ' +
        'or set MONGODB_URI to a MongoDB 6+ server (for example mongodb://127.0.0.1:27017/directory).',
    );
  }
  mkdirSync(path.dirname(bin), { recursive: true });
  onProgress(
    'building the embedded database (FerretDB v1.24.2) with Go; this happens once and takes one to three minutes…',
  );
  const started = Date.now();
  const tmp = `${bin}.tmp-${process.pid}`;
  const build = spawnSync('go', ['build', '-trimpath', '-o', tmp, '.'], {
    cwd: sourceDir,
    encoding: 'utf8',
    env: { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-mod=mod' },
  });
  if (build.status !== 0) {
    throw new EmbeddedDatabaseError(
      `building the embedded database failed (go build in ${sourceDir}):\n${build.stderr}\n` +
        'Set MONGODB_URI to use an existing MongoDB server instead.',
    );
  }
  renameSync(tmp, bin);
  onProgress(`embedded database built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return bin;
}

/** Starts FerretDB on a free loopback port and resolves once it accepts connections. */
export async function startEmbeddedDatabase(opts: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const bin = ensureBinary(opts.binDir, opts.onProgress);
  const args = opts.postgresqlUrl
    ? ['-handler', 'postgresql']
    : ['-handler', 'sqlite', '-data-dir', path.resolve(opts.dataDir ?? './.data')];
  // The PostgreSQL URL (which may carry a password) goes through the environment, not the visible command line.
  const env = opts.postgresqlUrl
    ? { ...process.env, FERRETDB_POSTGRESQL_URL: opts.postgresqlUrl }
    : process.env;
  const child = spawn(bin, args, { stdio: ['pipe', 'pipe', 'pipe'], env });

  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-8192);
  });

  const uri = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    const fail = (why: string) => reject(new EmbeddedDatabaseError(`${why}\n${stderr}`));
    child.once('error', (err) => fail(`embedded database failed to start: ${err.message}`));
    child.once('exit', (code) => fail(`embedded database exited with code ${code} before it was ready`));
    lines.once('line', (line) => {
      try {
        resolve((JSON.parse(line) as { uri: string }).uri);
      } catch {
        fail(`unexpected output from the embedded database: ${line}`);
      }
    });
  });
  child.removeAllListeners('exit');

  return { uri, pid: child.pid!, stop: () => stopChild(child) };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
