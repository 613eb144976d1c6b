// Working on ferretdb/_patch (see its README):
//   npm run ferretdb:patch -- checkout <dir>   a git repository of FerretDB's pristine source (one commit) with the
//                                              patch applied on top, uncommitted: edit, build and test there
//   npm run ferretdb:patch -- export <dir>     writes that repository's changes back: new files to _patch/add,
//                                              changes to existing files to _patch/changes.patch
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../src/paths.js';

const patchDir = path.join(projectRoot, 'ferretdb/_patch');
const [command, dir] = process.argv.slice(2);
if (!dir || (command !== 'checkout' && command !== 'export')) {
  console.error('usage: npm run ferretdb:patch -- checkout|export <dir>');
  process.exit(2);
}
const repo = path.resolve(dir);
const git = (...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=patch', '-c', 'user.email=patch@localhost', ...args], {
    cwd: repo,
    encoding: 'utf8',
  });

if (command === 'checkout') {
  if (existsSync(repo)) throw new Error(`${repo} exists`);
  const [version] = readFileSync(path.join(patchDir, 'VERSION'), 'utf8').trim().split(/\s+/);
  const { Dir } = JSON.parse(
    execFileSync('go', ['mod', 'download', '-json', `github.com/FerretDB/FerretDB@${version}`], {
      cwd: path.join(projectRoot, 'ferretdb'),
      encoding: 'utf8',
    }),
  ) as { Dir: string };
  cpSync(Dir, repo, { recursive: true });
  execFileSync('chmod', ['-R', 'u+w', repo]);
  git('init', '-q');
  git('add', '-A');
  git('commit', '-q', '-m', `FerretDB ${version}, pristine`);
  cpSync(path.join(patchDir, 'add'), repo, { recursive: true });
  git('apply', path.join(patchDir, 'changes.patch'));
  console.log(`${repo}: FerretDB ${version} with the patch applied (uncommitted)`);
} else {
  const status = git('status', '--porcelain', '--untracked-files=all').split('\n').filter(Boolean);
  const added = status.filter((l) => l.startsWith('??')).map((l) => l.slice(3));
  rmSync(path.join(patchDir, 'add'), { recursive: true, force: true });
  for (const f of added) {
    mkdirSync(path.dirname(path.join(patchDir, 'add', f)), { recursive: true });
    cpSync(path.join(repo, f), path.join(patchDir, 'add', f));
  }
  writeFileSync(path.join(patchDir, 'changes.patch'), git('diff'));
  console.log(`exported ${added.length} new files and the changes to ${status.length - added.length} files`);
}
