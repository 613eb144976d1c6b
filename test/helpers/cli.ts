import { spawn } from 'node:child_process';
import path from 'node:path';
import mongoose from 'mongoose';
import { projectRoot } from '../../src/paths.js';
import { databaseUri } from './embedded.js';

/** The URI of the database this test run uses (the embedded one or MONGODB_URI), for child processes. */
export function testDatabaseUri(): string {
  return databaseUri(mongoose.connection.name);
}

/**
 * Runs the `directory` CLI as an operator does, in its own process (through tsx, no build needed), against the test
 * run's database. Asynchronous: the test process keeps serving HTTP meanwhile (a synchronous spawn would freeze its
 * server's and client's keep-alive timers, and a stale connection would then be reused).
 */
export function directoryCli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(projectRoot, 'src/cli/directory.ts'), ...args],
    {
      cwd: projectRoot,
      env: { ...process.env, MONGODB_URI: testDatabaseUri(), LOG_LEVEL: 'silent', ...env },
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, stdout, stderr }));
  });
}
