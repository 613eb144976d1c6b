// Makes sure the build the service runs from (dist/, the playground bundle) is there before `npm start`, the
// `directory` command and `npm run db:build` run it.
//
// - Development checkout (devDependencies installed): builds when dist/ is missing or older than its sources, and
//   the playground when its inputs changed. `npm start` keeps working right after a `git pull`.
// - Production install (`npm ci --omit=dev` after `npm run build`): the build tools are not there, so nothing is
//   rebuilt; the existing build runs. Without a build it stops and says how to make one.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The devDependencies `npm run build` needs: codegen, the TypeScript compiler, the playground bundler. */
export const buildTools = ['@graphql-codegen/cli', 'typescript', 'esbuild'];

/** Files `npm run build` compiles into dist/ (besides src/ and schema/). */
const buildInputs = ['package.json', 'tsconfig.json', 'tsconfig.build.json', 'codegen.yml', 'scripts'];

function newest(p) {
  if (!existsSync(p)) return 0;
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let t = 0;
  for (const entry of readdirSync(p)) t = Math.max(t, newest(path.join(p, entry)));
  return t;
}

export function buildToolsInstalled(dir = root) {
  const require = createRequire(path.join(dir, 'package.json'));
  return buildTools.every((pkg) => {
    try {
      require.resolve(`${pkg}/package.json`);
      return true;
    } catch {
      return false;
    }
  });
}

export async function ensureBuilt({ quiet = false } = {}) {
  const marker = path.join(root, 'dist/src/main.js');
  const built = existsSync(marker) ? statSync(marker).mtimeMs : 0;
  if (!buildToolsInstalled()) {
    if (built > 0) return;
    console.error(
      '[directory] dist/ is missing and the build tools (devDependencies) are not installed.\n' +
        '  Build with them first, then drop them:  npm ci && npm run build && npm ci --omit=dev',
    );
    process.exit(1);
  }
  const sources = Math.max(
    newest(path.join(root, 'src')),
    newest(path.join(root, 'schema')),
    ...buildInputs.map((f) => newest(path.join(root, f))),
  );
  if (built > 0 && built >= sources) {
    const { buildPlayground } = await import('./build-playground.mjs');
    await buildPlayground({ ifStale: true, quiet });
    return;
  }
  if (!quiet) console.error('[directory] building (first start or sources changed)…');
  // The build's own output goes to stderr, so that it never mixes with a command's output (`directory … --json`).
  const res = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: ['ignore', 2, 2] });
  if (res.status !== 0) {
    console.error('[directory] build failed');
    process.exit(res.status ?? 1);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await ensureBuilt();
