import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  appendFileSync,
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
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

const patchDir = path.join(sourceDir, '_patch');
const ferretdbModule = 'github.com/FerretDB/FerretDB';

/** Every file the binary is built from, relative to `ferretdb/`, in a stable order (tests excluded). */
function buildInputs(): string[] {
  const program = readdirSync(sourceDir).filter(
    (f) => f === 'go.mod' || f === 'go.sum' || (f.endsWith('.go') && !f.endsWith('_test.go')),
  );
  const patch = readdirSync(patchDir, { recursive: true, encoding: 'utf8' })
    .filter((f) => statSync(path.join(patchDir, f)).isFile())
    .map((f) => path.join('_patch', f));
  return [...program, ...patch].sort();
}

/** Builds the binary when missing or when its sources changed; returns its path. */
export function ensureBinary(binDir: string, onProgress: (m: string) => void = () => {}): string {
  const hash = createHash('sha256');
  for (const f of buildInputs()) hash.update(f).update(readFileSync(path.join(sourceDir, f)));
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
  build(tmp);
  renameSync(tmp, bin);
  onProgress(`embedded database built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return bin;
}

/**
 * Builds `ferretdb/` into `out` against a copy of FerretDB's module with the changes in `ferretdb/_patch` (see its
 * README), in a temporary directory: the program's files, FerretDB's source from the module cache (downloaded
 * from the module proxy when missing) with the files of `_patch/add` added and `_patch/pushdown.patch` applied, and
 * a `replace` that points the program at that copy.
 */
function build(out: string): void {
  const env = { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-mod=mod' };
  const run = (what: string, cmd: string, args: string[], cwd: string, extraEnv: NodeJS.ProcessEnv = {}) => {
    const res = spawnSync(cmd, args, { cwd, env: { ...env, ...extraEnv }, encoding: 'utf8' });
    if (res.error || res.status !== 0) {
      throw new EmbeddedDatabaseError(
        `building the embedded database failed: ${what}:\n${res.stderr || String(res.error)}\n` +
          'Set MONGODB_URI to use an existing MongoDB server instead.',
      );
    }
    return res.stdout;
  };
  const work = mkdtempSync(path.join(tmpdir(), 'ferretdb-build-'));
  try {
    for (const f of buildInputs().filter((f) => !f.startsWith('_patch'))) {
      copyFileSync(path.join(sourceDir, f), path.join(work, f));
    }
    const { Dir } = JSON.parse(
      run('downloading FerretDB', 'go', ['mod', 'download', '-json', ferretdbModule], sourceDir),
    ) as { Dir: string };
    const src = path.join(work, 'ferretdb-src');
    cpSync(Dir, src, { recursive: true });
    makeWritable(src); // the module cache is read-only
    cpSync(path.join(patchDir, 'add'), src, { recursive: true });
    // Outside any repository, git apply is a plain patch tool; the ceiling keeps it from finding one above.
    run(
      'applying ferretdb/_patch/pushdown.patch',
      'git',
      ['apply', '-p1', path.join(patchDir, 'pushdown.patch')],
      src,
      {
        GIT_CEILING_DIRECTORIES: work,
      },
    );
    appendFileSync(path.join(work, 'go.mod'), `\nreplace ${ferretdbModule} => ./ferretdb-src\n`);
    run('go build', 'go', ['build', '-trimpath', '-o', out, '.'], work);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function makeWritable(dir: string): void {
  chmodSync(dir, 0o755);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) makeWritable(p);
    else chmodSync(p, 0o644);
  }
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
