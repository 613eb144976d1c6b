// Worker-thread entry: registers tsx in this thread (Node 20 does not pass --import loaders to workers), then
// loads the TypeScript load generator.
import { register } from 'tsx/esm/api';

register();
await import('./loadgen.ts');
