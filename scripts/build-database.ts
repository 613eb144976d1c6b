// `npm run db:build`: builds the embedded database now instead of on first start.
import path from 'node:path';
import { parseConfig } from '../src/config.js';
import { ensureBinary } from '../src/db/embedded/build.js';
import { projectRoot } from '../src/paths.js';

const config = parseConfig();
const bin = await ensureBinary(path.resolve(projectRoot, config.FERRETDB_BIN_DIR), (m) =>
  console.error(`[directory] ${m}`),
);
console.error(`[directory] embedded database ready: ${path.relative(projectRoot, bin)}`);
