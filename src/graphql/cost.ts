import type { ApolloServerPlugin } from '@apollo/server';
import {
  GraphQLError,
  Kind,
  getNamedType,
  getNullableType,
  isInterfaceType,
  isListType,
  isObjectType,
  valueFromAST,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import type { GraphqlContext } from './context.js';

/**
 * Query cost limit: an estimate of how many objects and fields an operation can return, computed with its
 * variables (graphql-armor's cost rule only sees literal `first` values, so a variable would bypass it).
 *
 * A field costs 1; a field with a selection costs 1 + (its children's cost × how many items it can return): its
 * `first` argument (variable or literal, else the schema default), 10 for other lists (except a connection's
 * edges and nodes, which are the page `first` already counted), 1 otherwise. Introspection
 * is free. A 100-user page with each user's groups costs about 21,000.
 */
export const defaultMaxCost = 50_000;
const unpaginatedListSize = 10;

export function operationCost(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: Record<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
): number {
  const root =
    operation.operation === 'mutation'
      ? schema.getMutationType()
      : operation.operation === 'subscription'
        ? schema.getSubscriptionType()
        : schema.getQueryType();
  const costOf = (set: SelectionSetNode, type: GraphQLNamedType | null | undefined): number => {
    let total = 0;
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        if (sel.name.value.startsWith('__')) continue;
        const field =
          type && (isObjectType(type) || isInterfaceType(type))
            ? type.getFields()[sel.name.value]
            : undefined;
        total += 1;
        if (sel.selectionSet) {
          total +=
            itemsOf(type, field, sel.arguments ?? [], variables) *
            costOf(sel.selectionSet, field && getNamedType(field.type));
        }
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        const t = sel.typeCondition ? schema.getType(sel.typeCondition.name.value) : type;
        total += costOf(sel.selectionSet, t);
      } else {
        const fragment = fragments[sel.name.value];
        if (fragment)
          total += costOf(fragment.selectionSet, schema.getType(fragment.typeCondition.name.value));
      }
    }
    return total;
  };
  return costOf(operation.selectionSet, root);
}

function itemsOf(
  parent: GraphQLNamedType | null | undefined,
  field: GraphQLField<unknown, unknown> | undefined,
  args: readonly import('graphql').ArgumentNode[],
  variables: Record<string, unknown>,
): number {
  if (!field) return 1;
  const firstDef = field.args.find((a) => a.name === 'first');
  if (firstDef) {
    const node = args.find((a) => a.name.value === 'first');
    const value = node ? valueFromAST(node.value, firstDef.type, variables) : firstDef.defaultValue;
    return typeof value === 'number' && value > 0 ? value : 1;
  }
  // A connection's edges/nodes are the page its field already counted with `first`.
  if (parent?.name.endsWith('Connection')) return 1;
  return isListType(getNullableType(field.type)) ? unpaginatedListSize : 1;
}

/** Rejects operations whose cost exceeds `maxCost` before they run (HTTP 400, GRAPHQL_VALIDATION_FAILED). */
export function costLimitPlugin(maxCost = defaultMaxCost): ApolloServerPlugin<GraphqlContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation(rc) {
          if (!rc.operation) return;
          const fragments: Record<string, FragmentDefinitionNode> = {};
          for (const def of (rc.document as DocumentNode).definitions) {
            if (def.kind === Kind.FRAGMENT_DEFINITION) fragments[def.name.value] = def;
          }
          const cost = operationCost(rc.schema, rc.operation, fragments, rc.request.variables ?? {});
          if (cost > maxCost) {
            throw new GraphQLError(
              `Query too costly: estimated cost ${Math.round(cost)} exceeds the limit of ${maxCost}; ask for fewer items per page or fewer nested lists`,
              {
                extensions: {
                  code: 'GRAPHQL_VALIDATION_FAILED',
                  cost: Math.round(cost),
                  maxCost,
                  http: { status: 400 },
                },
              },
            );
          }
        },
      };
    },
  };
}
