import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse, validate } from 'graphql';
import { loadSchema } from '../../src/graphql/schema.js';
import { projectRoot } from '../../src/paths.js';

/**
 * Every GraphQL example in the README and in docs/ is a valid operation against the schema in `schema/`: a reader
 * who pastes one into the playground gets data, not a validation error (issue 13: examples that work as written).
 */
describe('GraphQL examples in the README and docs/', () => {
  const schema = loadSchema();
  const files = [
    'README.md',
    ...readdirSync(path.join(projectRoot, 'docs'))
      .filter((f) => f.endsWith('.md'))
      .map((f) => path.join('docs', f)),
  ];
  const examples = files.flatMap((file) => {
    const text = readFileSync(path.join(projectRoot, file), 'utf8');
    return [...text.matchAll(/```graphql\n([\s\S]*?)```/g)].map((m, i) => ({
      name: `${file} #${i + 1}`,
      source: m[1]!,
    }));
  });

  it('finds examples to check', () => {
    expect(examples.length).to.be.greaterThan(3);
  });

  for (const { name, source } of examples) {
    it(`${name} is valid against the schema`, () => {
      const errors = validate(schema, parse(source)).map((e) => e.message);
      expect(errors, source).to.deep.equal([]);
    });
  }
});
