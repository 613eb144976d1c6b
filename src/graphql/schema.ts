import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { buildASTSchema, parse, type GraphQLSchema } from 'graphql';
import { projectRoot } from '../paths.js';

/** The SDL files under schema/ (the same files codegen reads), in a stable order. */
export function loadTypeDefs(dir = path.join(projectRoot, 'schema')): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.graphql'))
    .sort()
    .map((f) => readFileSync(path.join(dir, f), 'utf8'));
}

/** The schema alone (no resolvers): what operations are validated against outside the server (tests, docs). */
export function loadSchema(): GraphQLSchema {
  return buildASTSchema(parse(loadTypeDefs().join('\n')));
}
