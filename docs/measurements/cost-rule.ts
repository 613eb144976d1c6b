// Compares the GraphQL cost rule (src/graphql/cost.ts) with graphql-query-complexity 2.0.0, on the playground's
// example operations and on operations written to get around a cost limit. Not part of the build: run with
//   npm install --no-save graphql-query-complexity@2.0.0 && npx tsx docs/measurements/cost-rule.ts
// Results and the decision: docs/architecture.md ("GraphQL cost rule").
import { performance } from 'node:perf_hooks';
import {
  buildASTSchema,
  Kind,
  parse,
  type DocumentNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
} from 'graphql';
import { getComplexity, simpleEstimator, type ComplexityEstimator } from 'graphql-query-complexity';
import { defaultMaxCost, operationCost } from '../../src/graphql/cost.js';
import { loadTypeDefs } from '../../src/graphql/schema.js';
import { examples } from '../../src/playground/examples.js';

const schema = buildASTSchema(parse(loadTypeDefs().join('\n')));

function ours(query: string | DocumentNode, variables: Record<string, unknown> = {}): number {
  const doc = typeof query === 'string' ? parse(query) : query;
  const fragments: Record<string, FragmentDefinitionNode> = {};
  let op: OperationDefinitionNode | undefined;
  for (const d of doc.definitions) {
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
    else if (d.kind === Kind.OPERATION_DEFINITION) op ??= d;
  }
  return operationCost(schema, op!, fragments, variables);
}

/** Our rule written as a graphql-query-complexity estimator: 1 + children × `first` (connections' lists are 1). */
const pageEstimator: ComplexityEstimator = ({ args, childComplexity, field, type }) => {
  if (field.name.startsWith('__')) return 0;
  const firstArg = field.args.find((a) => a.name === 'first');
  const first = typeof args.first === 'number' ? args.first : (firstArg?.defaultValue as number | undefined);
  const list = String(field.type).startsWith('[');
  const n = first ?? (type.name.endsWith('Connection') ? 1 : list ? 10 : 1);
  return 1 + childComplexity * (childComplexity > 0 ? n : 0);
};

function theirs(
  query: string,
  variables: Record<string, unknown>,
  estimators: ComplexityEstimator[],
): number {
  return getComplexity({ schema, query: parse(query), variables, estimators });
}

const adversarial: { name: string; query: string; variables?: Record<string, unknown> }[] = [
  { name: 'one user page', query: '{ users(first: 100) { nodes { id } } }' },
  {
    name: 'users × groups (literal pages)',
    query: '{ users(first: 100) { nodes { id groups(first: 100) { nodes { id displayName } } } } }',
  },
  {
    name: 'users × groups (pages as variables)',
    query:
      'query($a: Int, $b: Int) { users(first: $a) { nodes { id groups(first: $b) { nodes { id displayName } } } } }',
    variables: { a: 100, b: 100 },
  },
  {
    name: 'groups × members × groups',
    query:
      '{ groups(first: 100) { nodes { members(first: 100) { nodes { groups(first: 10) { nodes { id } } } } } } }',
  },
  {
    name: 'aliased pages through a fragment',
    query:
      'fragment U on User { id groups(first: 100) { nodes { id } } } { a: users(first: 100) { nodes { ...U } } b: users(first: 100) { nodes { ...U } } }',
  },
];

const rows: string[] = [];
const cases = [
  ...examples.map((e) => ({ name: `example: ${e.title}`, query: e.query, variables: e.variables ?? {} })),
  ...adversarial.map((a) => ({ ...a, variables: a.variables ?? {} })),
];
let disagreements = 0;
for (const c of cases) {
  const o = ours(c.query, c.variables);
  const simple = theirs(c.query, c.variables, [simpleEstimator({ defaultComplexity: 1 })]);
  const page = theirs(c.query, c.variables, [pageEstimator]);
  if (o !== page) disagreements++;
  rows.push(
    `${c.name.padEnd(60).slice(0, 60)} ours ${String(o).padStart(8)}  gqc-simple ${String(simple).padStart(5)}  gqc-page ${String(page).padStart(8)}`,
  );
}
console.log(rows.join('\n'));
console.log(`limit ${defaultMaxCost}; cases where ours and gqc with our estimator differ: ${disagreements}`);

function time(label: string, fn: () => void) {
  for (let i = 0; i < 200; i++) fn();
  const n = 2000;
  const t = performance.now();
  for (let i = 0; i < n; i++) fn();
  console.log(`${label}: ${(((performance.now() - t) / n) * 1000).toFixed(1)} µs per operation`);
}
const heavy = adversarial[4]!;
const heavyDoc = parse(heavy.query);
time('ours', () => ours(heavyDoc));
time('gqc + our estimator', () =>
  getComplexity({ schema, query: heavyDoc, variables: {}, estimators: [pageEstimator] }),
);
