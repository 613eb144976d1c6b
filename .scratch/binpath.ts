import { binaryPath } from '../src/db/embedded/build.js';
console.log(binaryPath('.cache/ferretdb'));
