// Fails when the project's own modules import each other in a cycle (graphql-js and others forbid them too).
// Reads every relative import/export of src/, test/ and bench/ TypeScript files and reports each cycle once.
// `import type` / `export type` statements are erased at run time and do not count.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dirs = ['src', 'test', 'bench'].map((d) => path.join(root, d));
const skip = new Set(['node_modules', 'generated', 'build']);

function files(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return skip.has(e.name) ? [] : files(p);
    return /\.tsx?$/.test(e.name) && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

const importPattern =
  /(?:^|\n)\s*(?:import|export)\b[^'"`;]*?from\s*['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;

function resolve(from, spec) {
  const base = path.resolve(path.dirname(from), spec);
  const candidates = [
    base,
    base.replace(/\.js$/, '.ts'),
    base.replace(/\.js$/, '.tsx'),
    `${base}.ts`,
    path.join(base, 'index.ts'),
  ];
  return candidates.find((c) => existsSync(c) && /\.tsx?$/.test(c));
}

const graph = new Map();
for (const f of dirs.flatMap(files)) {
  const src = readFileSync(f, 'utf8');
  const deps = new Set();
  for (const m of src.matchAll(importPattern)) {
    if (/^\s*(?:import|export)\s+type\b/.test(m[0])) continue;
    const target = resolve(f, m[1] ?? m[2]);
    if (target) deps.add(target);
  }
  graph.set(f, deps);
}

// Tarjan's strongly connected components: any component with more than one module (or a self-import) is a cycle.
let index = 0;
const stack = [];
const meta = new Map();
const cycles = [];
function visit(v) {
  meta.set(v, { index, low: index, on: true });
  index++;
  stack.push(v);
  for (const w of graph.get(v) ?? []) {
    if (!graph.has(w)) continue;
    if (!meta.has(w)) {
      visit(w);
      meta.get(v).low = Math.min(meta.get(v).low, meta.get(w).low);
    } else if (meta.get(w).on) {
      meta.get(v).low = Math.min(meta.get(v).low, meta.get(w).index);
    }
  }
  if (meta.get(v).low === meta.get(v).index) {
    const component = [];
    let w;
    do {
      w = stack.pop();
      meta.get(w).on = false;
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || graph.get(v).has(v)) cycles.push(component);
  }
}
for (const v of graph.keys()) if (!meta.has(v)) visit(v);

if (cycles.length > 0) {
  for (const c of cycles)
    console.error(
      `import cycle: ${c
        .map((f) => path.relative(root, f))
        .sort()
        .join(' ↔ ')}`,
    );
  process.exit(1);
}
console.log(`no import cycles among ${graph.size} modules`);
