import { spawn } from 'node:child_process';
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
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../paths.js';

/**
 * Builds the embedded database program (`ferretdb/`, Go) against FerretDB's module with the changes in
 * `ferretdb/_patch` (see its README): the files of `_patch/add` are added to a copy of FerretDB's source and
 * `_patch/changes.patch` is applied, for exactly the FerretDB version and module checksum in `_patch/VERSION`.
 */
export class EmbeddedBuildError extends Error {}

const sourceDir = path.join(projectRoot, 'ferretdb');
const patchDir = path.join(sourceDir, '_patch');
const ferretdbModule = 'github.com/FerretDB/FerretDB';

/** How to go on without the embedded database: said by every build error. */
const alternative = 'Or set MONGODB_URI to use an existing MongoDB server instead of the embedded database.';

/** Files of the program (tests excluded) and of the patch, relative to `ferretdb/`, in a stable order. */
function buildInputs(): string[] {
  const program = readdirSync(sourceDir).filter(
    (f) => f === 'go.mod' || f === 'go.sum' || (f.endsWith('.go') && !f.endsWith('_test.go')),
  );
  const patch = readdirSync(patchDir, { recursive: true, encoding: 'utf8' })
    .filter((f) => statSync(path.join(patchDir, f)).isFile() && !f.endsWith('_test.go'))
    .map((f) => path.join('_patch', f));
  return [...program, ...patch].sort();
}

/** The binary's path for the current sources (its name carries their hash). */
export function binaryPath(binDir: string): string {
  const hash = createHash('sha256');
  for (const f of buildInputs()) hash.update(f).update(readFileSync(path.join(sourceDir, f)));
  return path.resolve(projectRoot, binDir, `ferretdb-embedded-${hash.digest('hex').slice(0, 12)}`);
}

/** Builds the binary when missing or when its sources changed; returns its path. */
export async function ensureBinary(
  binDir: string,
  onProgress: (m: string) => void = () => {},
): Promise<string> {
  const bin = binaryPath(binDir);
  if (existsSync(bin)) return bin;
  const dir = path.dirname(bin);
  mkdirSync(dir, { recursive: true });
  removeAbandoned(dir);
  await checkGo();
  onProgress(
    'building the embedded database (FerretDB v1.24.2 over PostgreSQL) with Go; this happens once and takes one to three minutes…',
  );
  const started = Date.now();
  const tmp = `${bin}.tmp-${process.pid}`;
  await withWorkDir(dir, async (work) => {
    await assemble(work, { tests: false });
    // FerretDB's SQLite backend is not used: leaving it out saves compiling modernc.org/sqlite, most of a cold build.
    await run('go build', 'go', ['build', '-trimpath', '-tags=ferretdb_no_sqlite', '-o', tmp, '.'], work);
  }).catch((err: unknown) => {
    rmSync(tmp, { force: true });
    throw err;
  });
  renameSync(tmp, bin);
  onProgress(`embedded database built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return bin;
}

/**
 * `go vet` and `go test` of the program and of the patched FerretDB packages, in a freshly assembled copy
 * (`npm run db:test`, run by CI). Returns Go's output; throws when a check fails.
 */
export async function testPatchedSource(binDir: string, onOutput: (chunk: string) => void): Promise<void> {
  const dir = path.resolve(projectRoot, binDir);
  mkdirSync(dir, { recursive: true });
  removeAbandoned(dir);
  await checkGo();
  await withWorkDir(dir, async (work) => {
    const src = await assemble(work, { tests: true });
    const packages = patchedPackages();
    // FerretDB's own tests run as its main module, whose build/version panics without the version file its
    // release tooling generates; and they expect a debug build (FerretDB's Taskfile tests with this tag).
    writeFileSync(path.join(src, 'build/version/version.txt'), `${patchTarget().version}\n`);
    const tags = '-tags=ferretdb_debug';
    await run('go vet (program)', 'go', ['vet', './...'], work, onOutput);
    await run('go test (program)', 'go', ['test', '-count=1', './...'], work, onOutput);
    await run('go vet (FerretDB, patched packages)', 'go', ['vet', tags, ...packages], src, onOutput);
    await run(
      'go test (FerretDB, patched packages)',
      'go',
      ['test', '-count=1', '-short', tags, ...packages],
      src,
      onOutput,
    );
  });
}

/** The FerretDB packages the patch adds files to or changes, as `./internal/…` patterns. */
function patchedPackages(): string[] {
  const dirs = new Set<string>();
  const add = path.join(patchDir, 'add');
  for (const f of readdirSync(add, { recursive: true, encoding: 'utf8' })) {
    if (f.endsWith('.go')) dirs.add(path.dirname(f));
  }
  const patch = readFileSync(path.join(patchDir, 'changes.patch'), 'utf8');
  for (const m of patch.matchAll(/^\+\+\+ b\/(.+)\/[^/]+\.go$/gm)) dirs.add(m[1]!);
  return [...dirs].sort().map((d) => `./${d}`);
}

/**
 * A copy of the program's module (with its tests when asked) in `work` and of FerretDB's patched source in
 * `work/ferretdb-src`, which the program's go.mod is pointed at. Returns the FerretDB source directory.
 */
async function assemble(work: string, opts: { tests: boolean }): Promise<string> {
  for (const f of readdirSync(sourceDir)) {
    const keep =
      f === 'go.mod' || f === 'go.sum' || (f.endsWith('.go') && (opts.tests || !f.endsWith('_test.go')));
    if (keep) copyFileSync(path.join(sourceDir, f), path.join(work, f));
  }
  const target = patchTarget();
  const required = requiredVersion();
  if (required !== target.version) {
    throw new EmbeddedBuildError(
      `ferretdb/go.mod requires FerretDB ${required}, but ferretdb/_patch was written for ${target.version}: ` +
        'update the patch (see ferretdb/_patch/README.md) before changing the version.',
    );
  }
  const download = await run(
    `downloading FerretDB ${target.version} from the Go module proxy`,
    'go',
    ['mod', 'download', '-json', `${ferretdbModule}@${target.version}`],
    sourceDir,
  );
  const { Dir, Sum } = JSON.parse(download) as { Dir: string; Sum: string };
  if (Sum !== target.sum) {
    throw new EmbeddedBuildError(
      `FerretDB ${target.version} from the module proxy has checksum ${Sum}, not ${target.sum} (ferretdb/_patch/VERSION): refusing to patch it.`,
    );
  }
  const src = path.join(work, 'ferretdb-src');
  cpSync(Dir, src, { recursive: true });
  makeWritable(src); // the module cache is read-only
  cpSync(path.join(patchDir, 'add'), src, { recursive: true });
  // what FerretDB's `task gen-version` writes, and its module lacks: its packages' tests refuse to start without it
  writeFileSync(path.join(src, 'build/version/version.txt'), `${target.version}\n`);
  // Outside any repository git apply is a plain patch tool; the ceiling keeps it from finding one above.
  await run(
    'applying ferretdb/_patch/changes.patch',
    'git',
    ['apply', '-p1', path.join(patchDir, 'changes.patch')],
    src,
    undefined,
    {
      GIT_CEILING_DIRECTORIES: work,
    },
  );
  appendFileSync(path.join(work, 'go.mod'), `\nreplace ${ferretdbModule} => ./ferretdb-src\n`);
  return src;
}

/** `_patch/VERSION`: the FerretDB version and module checksum (go.sum's h1: line) the patch applies to. */
function patchTarget(): { version: string; sum: string } {
  const [version, sum] = readFileSync(path.join(patchDir, 'VERSION'), 'utf8').trim().split(/\s+/);
  return { version: version!, sum: sum! };
}

function requiredVersion(): string | undefined {
  const goMod = readFileSync(path.join(sourceDir, 'go.mod'), 'utf8');
  return new RegExp(`^\\s*${ferretdbModule.replace(/\./g, '\\.')} (v\\S+)`, 'm').exec(goMod)?.[1];
}

async function checkGo(): Promise<void> {
  try {
    await run('go version', 'go', ['version'], projectRoot);
  } catch {
    throw new EmbeddedBuildError(
      'Go is not installed, so the embedded database cannot be built. Install Go 1.24 or later ' +
        "(https://go.dev/doc/install, or your distribution's golang package). " +
        alternative,
    );
  }
}

/**
 * Runs `fn` in a fresh work directory inside `dir`, removed afterwards — also when the process is interrupted
 * (SIGINT, SIGTERM) while `fn` runs: the handlers remove it, then end the process as the signal would.
 */
async function withWorkDir<T>(dir: string, fn: (work: string) => Promise<T>): Promise<T> {
  const work = mkdtempSync(path.join(dir, `build-${process.pid}-`));
  const onSignal = (signal: NodeJS.Signals) => {
    rmSync(work, { recursive: true, force: true });
    for (const f of readdirSync(dir))
      if (f.endsWith(`.tmp-${process.pid}`)) rmSync(path.join(dir, f), { force: true });
    process.kill(process.pid, signal);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await fn(work);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    rmSync(work, { recursive: true, force: true });
  }
}

/** Removes what builds of processes that no longer exist left behind (killed with SIGKILL, say). */
function removeAbandoned(dir: string): void {
  for (const f of readdirSync(dir)) {
    const m = /^build-(\d+)-|\.tmp-(\d+)$/.exec(f);
    const pid = Number(m?.[1] ?? m?.[2]);
    if (m && !alive(pid)) rmSync(path.join(dir, f), { recursive: true, force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Runs a command; resolves with its stdout; rejects with Go's (or git's) own message and what to do. */
function run(
  what: string,
  cmd: string,
  args: string[],
  cwd: string,
  onOutput?: (chunk: string) => void,
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<string> {
  const env = { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-mod=mod', ...extraEnv };
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      stdout += c;
      onOutput?.(c);
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
      onOutput?.(c);
    });
    child.once('error', (err) => reject(new EmbeddedBuildError(`${what}: ${err.message}. ${alternative}`)));
    child.once('close', (code) => {
      if (code === 0) return resolve(stdout);
      reject(new EmbeddedBuildError(`${what} failed:\n${goMessage(stdout, stderr)}\n${advice(what)}`));
    });
  });
}

/** Go's own message: `go mod download -json` reports its error as JSON on stdout, other commands on stderr. */
function goMessage(stdout: string, stderr: string): string {
  try {
    const { Error: error } = JSON.parse(stdout) as { Error?: string };
    if (error) return `  ${error}`;
  } catch {
    // not JSON
  }
  return (stderr || stdout).trim().replace(/^/gm, '  ');
}

function advice(what: string): string {
  if (what.startsWith('downloading')) {
    return (
      "The embedded database is built from FerretDB's source on the Go module proxy. Allow this machine to reach " +
      'the Go module proxy (GOPROXY, by default https://proxy.golang.org), or build it where it can and copy ' +
      `the binary into FERRETDB_BIN_DIR (npm run db:build). ${alternative}`
    );
  }
  return alternative;
}

function makeWritable(dir: string): void {
  chmodSync(dir, 0o755);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) makeWritable(p);
    else chmodSync(p, 0o644);
  }
}
