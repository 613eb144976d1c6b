#!/usr/bin/env node
// The `directory` command: builds the project first when needed, then runs the compiled CLI.
import { ensureBuilt } from '../scripts/ensure-built.mjs';

await ensureBuilt({ quiet: true });
await import('../dist/src/cli/directory.js');
