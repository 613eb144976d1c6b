// Builds the GraphQL playground (GraphiQL 5 + Monaco workers) from src/playground/ into public/graphiql/build/
// with esbuild, so the service serves it from its own origin (no CDN).
//
//   node scripts/build-playground.mjs              build
//   node scripts/build-playground.mjs --if-stale   build only when missing or when its inputs changed
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const srcDir = path.join(root, 'src/playground');
export const outDir = path.join(root, 'public/graphiql/build');
const stampFile = path.join(outDir, '.inputs-hash');

/** A hash of everything the bundle is made from: our sources and the versions of the packages bundled. */
function inputsHash() {
  const require = createRequire(path.join(root, 'package.json'));
  const h = createHash('sha256');
  for (const f of readdirSync(srcDir).sort()) h.update(f).update(readFileSync(path.join(srcDir, f)));
  for (const pkg of ['graphiql', '@graphiql/react', 'monaco-editor', 'monaco-graphql', 'react', 'esbuild']) {
    try {
      h.update(pkg).update(JSON.parse(readFileSync(require.resolve(`${pkg}/package.json`), 'utf8')).version);
    } catch {
      h.update(pkg);
    }
  }
  h.update(readFileSync(fileURLToPath(import.meta.url)));
  return h.digest('hex');
}

export async function buildPlayground({ ifStale = false, quiet = false } = {}) {
  const hash = inputsHash();
  if (ifStale && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === hash) return false;
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    console.error('[playground] esbuild is not installed (a devDependency): the playground is not built');
    return false;
  }
  const started = Date.now();
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const common = {
    absWorkingDir: root,
    bundle: true,
    minify: true,
    legalComments: 'external',
    target: ['es2022', 'chrome110', 'firefox110', 'safari16'],
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'warning',
    outdir: outDir,
  };
  await esbuild.build({
    ...common,
    entryPoints: { playground: path.join(srcDir, 'main.tsx') },
    format: 'esm',
    splitting: true,
    jsx: 'automatic',
    chunkNames: 'chunks/[name]-[hash]',
    assetNames: 'assets/[name]-[hash]',
    loader: { '.ttf': 'file', '.woff': 'file', '.woff2': 'file', '.svg': 'file' },
    // Only needed for subscriptions over websockets, which this API does not offer.
    external: ['graphql-ws'],
  });
  await esbuild.build({
    ...common,
    entryPoints: {
      'editor.worker': 'monaco-editor/esm/vs/editor/editor.worker.js',
      'json.worker': 'monaco-editor/esm/vs/language/json/json.worker.js',
      'graphql.worker': 'monaco-graphql/esm/graphql.worker.js',
    },
    format: 'iife',
  });
  writeFileSync(stampFile, hash);
  if (!quiet)
    console.error(`[playground] built in ${Date.now() - started} ms → ${path.relative(root, outDir)}`);
  return true;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await buildPlayground({ ifStale: process.argv.includes('--if-stale') });
}
