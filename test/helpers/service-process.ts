import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { databaseUri } from './embedded.js';
import { projectRoot } from '../../src/paths.js';

/**
 * The service and the `directory` command as separate processes: from the TypeScript sources through tsx (tests),
 * or the service from its build in `dist/` (the bench, as production runs it).
 */
const tsxArgs = ['--import', 'tsx'];
const serviceEntries = {
  src: [...tsxArgs, path.join(projectRoot, 'src/main.ts')],
  dist: [path.join(projectRoot, 'dist/src/main.js')],
};

export interface ServiceProcess {
  child: ChildProcessWithoutNullStreams;
  url: string;
  /** Everything the process printed so far (stdout and stderr). */
  log: () => string;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
}

/** Starts the service (PORT=0 unless given) and resolves once it prints where it listens. */
export function startService(
  env: Record<string, string>,
  from: keyof typeof serviceEntries = 'src',
): Promise<ServiceProcess> {
  const child = spawn(process.execPath, serviceEntries[from], {
    cwd: projectRoot,
    env: { ...process.env, PORT: '0', LOG_LEVEL: 'info', ...env },
  });
  let stderr = '';
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`service did not start:\n${stderr}`)), 120_000);
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(stderr);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1]!, log: () => stdout + stderr, exited });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`service exited with ${code}:\n${stderr}`));
    });
  });
}

/** Runs `src/main.ts` to its end (for start-ups that must fail). */
export function runService(env: Record<string, string>) {
  return spawnSync(process.execPath, serviceEntries.src, {
    cwd: projectRoot,
    env: { ...process.env, PORT: '0', LOG_LEVEL: 'info', ...env },
    encoding: 'utf8',
    timeout: 120_000,
  });
}

/** Runs the `directory` command to its end. */
export function cli(args: string[], env: Record<string, string>, input?: string) {
  return spawnSync(process.execPath, [...tsxArgs, path.join(projectRoot, 'src/cli/directory.ts'), ...args], {
    cwd: projectRoot,
    env: { ...process.env, LOG_LEVEL: 'silent', ...env },
    encoding: 'utf8',
    // a command that hangs fails its test (status null, SIGTERM) instead of blocking the suite
    timeout: 90_000,
    ...(input !== undefined ? { input } : {}),
  });
}

/**
 * A connection string for a database of its own on the suite's database server (the suite's embedded database, or
 * the MongoDB of MONGODB_URI), so that a child process starts fast and shares nothing with other tests.
 */
export function freshDatabaseUri(prefix = 'child'): string {
  return databaseUri(`${prefix}_${randomUUID().slice(0, 8)}`);
}
