import { expect } from 'chai';
import {
  isObjectType,
  parse,
  validate,
  Kind,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
} from 'graphql';
import { operationCost, defaultMaxCost } from '../../src/graphql/cost.js';
import { resolvers } from '../../src/graphql/resolvers/index.js';
import { loadSchema } from '../../src/graphql/schema.js';
import { examples, welcomeQuery } from '../../src/playground/examples.js';

/** Unit checks of the schema-first setup: SDL ↔ resolvers, playground examples ↔ SDL, and the cost estimate. */
const schema = loadSchema();

function cost(query: string, variables: Record<string, unknown> = {}): number {
  const doc = parse(query);
  const op = doc.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION) as OperationDefinitionNode;
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const d of doc.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
  return operationCost(schema, op, fragments, variables);
}

describe('GraphQL schema, resolvers and examples', () => {
  it('has a resolver for every Query and Mutation field, and none for fields the SDL lacks', () => {
    for (const root of ['Query', 'Mutation'] as const) {
      const type = schema.getType(root);
      const fields = isObjectType(type) ? Object.keys(type.getFields()) : [];
      const implemented = Object.keys((resolvers as Record<string, object>)[root] ?? {});
      expect(implemented.sort(), root).to.deep.equal(fields.sort());
    }
    for (const [type, fields] of Object.entries(resolvers as Record<string, object>)) {
      const t = schema.getType(type);
      expect(t, type).to.not.equal(undefined);
      if (isObjectType(t)) {
        for (const f of Object.keys(fields)) expect(t.getFields(), `${type}.${f}`).to.have.property(f);
      }
    }
  });

  it('offers valid example operations for every admin task', () => {
    const titles = examples.map((e) => e.title);
    expect(new Set(titles).size).to.equal(titles.length);
    for (const ex of [...examples, { title: 'welcome', query: welcomeQuery }]) {
      const errors = validate(schema, parse(ex.query));
      expect(
        errors.map((e) => e.message),
        ex.title,
      ).to.deep.equal([]);
    }
    const mutations = new Set(
      examples.flatMap((e) =>
        parse(e.query).definitions.flatMap((d) =>
          d.kind === Kind.OPERATION_DEFINITION && d.operation === 'mutation'
            ? d.selectionSet.selections.map((s) => (s.kind === Kind.FIELD ? s.name.value : ''))
            : [],
        ),
      ),
    );
    for (const task of [
      'setMainDashboardAccess',
      'setWorkspaceDefaultAccess',
      'createWorkspace',
      'updateWorkspace',
      'deleteWorkspace',
      'setWorkspaceAccess',
      'resetWorkspaceAccess',
      'createSsoConfiguration',
      'updateSsoConfiguration',
      'deleteSsoConfiguration',
      'setScimEnabled',
      'issueScimToken',
    ]) {
      expect(mutations.has(task), task).to.equal(true);
    }
  });

  it('estimates cost with page sizes, including those given as variables', () => {
    const page = cost(
      '{ users(first: 100) { nodes { id userName groups { nodes { id displayName externalId } } } } }',
    );
    expect(page).to.be.below(defaultMaxCost);
    expect(page).to.be.above(10_000);
    const viaVariable = cost('query($n: Int) { users(first: $n) { nodes { id } } }', { n: 100 });
    expect(viaVariable).to.equal(cost('{ users(first: 100) { nodes { id } } }'));
    expect(cost('{ users { nodes { id } } }')).to.equal(cost('{ users(first: 50) { nodes { id } } }'));
    expect(
      cost(
        '{ groups(first: 100) { nodes { members(first: 100) { nodes { groups(first: 10) { nodes { id } } } } } } }',
      ),
    ).to.be.above(defaultMaxCost);
    expect(cost('{ __schema { types { name fields { name } } } }')).to.equal(0);
  });
});
