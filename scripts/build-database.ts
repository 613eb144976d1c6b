// `npm run db:build`: builds the embedded database (FerretDB) now instead of on first start.
import path from 'node:path';
import { parseConfig } from '../src/config.js';
import { ensureBinary, projectRoot } from '../src/db/embedded.js';

const config = parseConfig();
const bin = ensureBinary(path.resolve(projectRoot, config.FERRETDB_BIN_DIR), (m) =>
  console.error(`[directory] ${m}`),
);
console.error(`[directory] embedded database ready: ${path.relative(projectRoot, bin)}`);
