import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { projectRoot } from '../../src/paths.js';

/**
 * scripts/ensure-built.mjs (run by `npm start`, `npm run db:build` and the `directory` command) in a production
 * install: a copy of the project without node_modules, so without the build tools. It must never try to build
 * there (the build needs devDependencies: that is what failed with `graphql-codegen: not found`). The whole
 * production path with real npm runs is .ci/production-smoke.
 */
describe('ensure-built in a production install (no devDependencies)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'directory-prod-install-'));
    mkdirSync(path.join(dir, 'scripts'));
    for (const f of ['package.json', 'scripts/ensure-built.mjs', 'scripts/build-playground.mjs'])
      copyFileSync(path.join(projectRoot, f), path.join(dir, f));
    mkdirSync(path.join(dir, 'src'));
    writeFileSync(path.join(dir, 'src/main.ts'), '// newer than the build\n');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const run = () =>
    spawnSync(process.execPath, [path.join(dir, 'scripts/ensure-built.mjs')], { cwd: dir, encoding: 'utf8' });

  it('runs the existing build, even when sources look newer', () => {
    mkdirSync(path.join(dir, 'dist/src'), { recursive: true });
    writeFileSync(path.join(dir, 'dist/src/main.js'), '');
    const anHourAgo = new Date(Date.now() - 3_600_000);
    utimesSync(path.join(dir, 'dist/src/main.js'), anHourAgo, anHourAgo);
    const res = run();
    expect(res.status, res.stderr).to.equal(0);
    expect(res.stderr).not.to.contain('building');
  });

  it('without a build, stops and says how to make one', () => {
    const res = run();
    expect(res.status).to.equal(1);
    expect(res.stderr).to.contain('npm ci && npm run build && npm ci --omit=dev');
  });
});
