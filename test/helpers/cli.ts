import { spawnSync } from 'node:child_process';
import path from 'node:path';
import mongoose from 'mongoose';
import { projectRoot } from '../../src/db/embedded.js';

/** The URI of the database this test run uses (the embedded one or MONGODB_URI), for child processes. */
export function testDatabaseUri(): string {
  const c = mongoose.connection;
  return `mongodb://${c.host}:${c.port}/${c.name}`;
}

/**
 * Runs the `directory` CLI as an operator does, in its own process (through tsx, no build needed), against the test
 * run's database. Returns its exit status and output.
 */
export function directoryCli(args: string[], env: Record<string, string> = {}) {
  return spawnSync(
    process.execPath,
    ['--import', 'tsx', path.join(projectRoot, 'src/cli/directory.ts'), ...args],
    {
      cwd: projectRoot,
      env: { ...process.env, MONGODB_URI: testDatabaseUri(), LOG_LEVEL: 'silent', ...env },
      encoding: 'utf8',
    },
  );
}
