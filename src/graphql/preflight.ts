import type { ApolloServerPlugin } from '@apollo/server';
import {
  GraphQLError,
  TypeInfo,
  valueFromASTUntyped,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type GraphQLSchema,
} from 'graphql';
import { InvalidInputError } from '../domain/errors.js';
import { findUnfitText } from '../services/validate.js';
import type { GraphqlContext } from './context.js';
import { toGraphQLError } from './errors.js';
import { cursorParts, decodeCursor, pageSize } from './pagination.js';

/**
 * Checks of the whole operation before any resolver runs, so that a refused request has changed nothing (issue 12):
 * - a subscription is refused as BAD_REQUEST (the schema has none; it is a client mistake, not a server error);
 * - every argument string, literal or variable, must be fit to store (services/validate.ts: no U+0000, no lone
 *   surrogate), else BAD_USER_INPUT with `extensions.path` naming it;
 * - every page size (`first`) and cursor (`after`) is checked as its field will check it, so a mutation's selection
 *   cannot fail on one of them after the mutation has written.
 * Each refusal is HTTP 400.
 */
export function preflightPlugin(): ApolloServerPlugin<GraphqlContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation(rc) {
          if (rc.operation?.operation === 'subscription') {
            throw new GraphQLError('subscriptions are not supported: use queries and mutations', {
              extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
            });
          }
          try {
            checkArguments(rc.document, rc.schema, rc.request.variables ?? {});
          } catch (err) {
            if (!(err instanceof InvalidInputError)) throw err;
            const refused = toGraphQLError(err);
            refused.extensions.http = { status: 400 };
            throw refused;
          }
        },
      };
    },
  };
}

function checkArguments(
  document: DocumentNode,
  schema: GraphQLSchema,
  variables: Record<string, unknown>,
): void {
  const typeInfo = new TypeInfo(schema);
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        const field = `${typeInfo.getParentType()?.name ?? ''}.${node.name.value}`;
        for (const arg of node.arguments ?? []) {
          const name = arg.name.value;
          const value = valueFromASTUntyped(arg.value, variables);
          const unfit = findUnfitText(value, name);
          if (unfit) throw new InvalidInputError(`${unfit.path} ${unfit.problem}`, unfit.path);
          if (name === 'first' && (typeof value === 'number' || value === null)) pageSize(value);
          const parts = cursorParts[field];
          if (name === 'after' && parts !== undefined && (typeof value === 'string' || value === null)) {
            decodeCursor(value, parts);
          }
        }
      },
    }),
  );
}
