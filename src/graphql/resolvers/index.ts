import type { Resolvers } from '../../generated/graphql.js';
import { Mutation } from './mutation.js';
import { Query } from './query.js';
import { typeResolvers } from './types.js';

export const resolvers: Resolvers = { Query, Mutation, ...typeResolvers };
