// `npm run db:test`: go vet and go test of the embedded database program and of the patched FerretDB packages.
import path from 'node:path';
import { parseConfig } from '../src/config.js';
import { testPatchedSource } from '../src/db/embedded/build.js';
import { projectRoot } from '../src/paths.js';

const config = parseConfig();
await testPatchedSource(path.resolve(projectRoot, config.FERRETDB_BIN_DIR), (chunk) =>
  process.stdout.write(chunk),
);
