import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
  ApolloServerPluginSchemaReportingDisabled,
  ApolloServerPluginUsageReportingDisabled,
} from '@apollo/server/plugin/disabled';
import { unwrapResolverError } from '@apollo/server/errors';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import type { Logger } from '../log.js';
import type { GraphqlContext } from './context.js';
import { costLimitPlugin, defaultMaxCost } from './cost.js';
import { formatError, isExpectedError } from './errors.js';
import { preflightPlugin } from './preflight.js';
import { resolvers } from './resolvers/index.js';
import { loadTypeDefs } from './schema.js';

/**
 * Query limits: depth, aliases and directives by graphql-armor (introspection is exempt from depth, so the
 * playground can load the schema); tokens by graphql-js's own parser limit (armor's token plugin turns every syntax
 * error into a 500); cost by our plugin (cost.ts), which also counts `first` given as a variable. Page sizes are
 * capped at 100 by the connection fields themselves.
 */
export const limits = {
  maxDepth: 10,
  maxAliases: 15,
  maxCost: defaultMaxCost,
  maxTokens: 2000,
  maxDirectives: 20,
} as const;

/** Logs every unexpected error (formatError masks it in the response) with the request id. */
function errorLogging(logger: Logger): ApolloServerPlugin<GraphqlContext> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors(rc) {
          for (const error of rc.errors) {
            if (isExpectedError(error)) continue;
            logger.error(
              {
                err: unwrapResolverError(error),
                reqId: rc.contextValue?.service?.requestId,
                path: error.path,
                operationName: rc.operationName,
              },
              'graphql: unexpected error',
            );
          }
        },
      };
    },
  };
}

export function createApolloServer(logger: Logger): ApolloServer<GraphqlContext> {
  const armor = new ApolloArmor({
    maxDepth: { n: limits.maxDepth },
    maxAliases: { n: limits.maxAliases },
    maxTokens: { enabled: false },
    costLimit: { enabled: false },
    maxDirectives: { n: limits.maxDirectives },
  }).protect();
  return new ApolloServer<GraphqlContext>({
    typeDefs: loadTypeDefs(),
    resolvers,
    csrfPrevention: true,
    persistedQueries: false,
    introspection: true,
    includeStacktraceInErrorResponses: false,
    allowBatchedHttpRequests: false,
    stopOnTerminationSignals: false,
    formatError,
    parseOptions: { maxLexicalTokens: limits.maxTokens },
    validationRules: armor.validationRules,
    logger: {
      debug: (m: unknown) => logger.debug(String(m)),
      info: (m: unknown) => logger.info(String(m)),
      warn: (m: unknown) => logger.warn(String(m)),
      error: (m: unknown) => logger.error(String(m)),
    },
    plugins: [
      ...(armor.plugins as ApolloServerPlugin<GraphqlContext>[]),
      preflightPlugin(),
      costLimitPlugin(limits.maxCost),
      errorLogging(logger),
      ApolloServerPluginLandingPageDisabled(),
      // no HTTP caching of API answers: and the plugin's per-field hook costs every field of every response
      ApolloServerPluginCacheControlDisabled(),
      ApolloServerPluginUsageReportingDisabled(),
      ApolloServerPluginSchemaReportingDisabled(),
    ],
  });
}
