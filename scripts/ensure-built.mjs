// Builds the project (codegen, playground, TypeScript) when dist/ is missing or older than its sources.
// Used by `npm start` (prestart) and by the `directory` command.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function newest(dir) {
  let t = 0;
  if (!existsSync(dir)) return t;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    t = Math.max(t, entry.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

export async function ensureBuilt({ quiet = false } = {}) {
  const marker = path.join(root, 'dist/src/main.js');
  const built = existsSync(marker) ? statSync(marker).mtimeMs : 0;
  const sources = Math.max(
    newest(path.join(root, 'src')),
    newest(path.join(root, 'schema')),
    statSync(path.join(root, 'package.json')).mtimeMs,
  );
  if (built > 0 && built >= sources) return;
  if (!quiet) console.error('[directory] building (first start or sources changed)…');
  const res = spawnSync('npm', ['run', '--silent', 'build'], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (res.status !== 0) {
    console.error('[directory] build failed');
    process.exit(res.status ?? 1);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await ensureBuilt();
