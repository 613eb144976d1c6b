// Lint guards the architecture as well as the code:
// - protocol folders (scim, graphql, auth, http, cli) never touch storage (src/db, mongoose): they call services;
// - the service layer and the domain never import a transport (express, Apollo, graphql, passport, msal);
// - no import cycles: scripts/check-cycles.mjs (run by `npm run lint`).
import tseslint from 'typescript-eslint';

const storage = {
  group: ['**/db/*', '**/db/**', 'mongoose', 'mongodb'],
  message: 'Protocol code talks to services, never to storage (src/db, mongoose).',
};
const transports = {
  group: [
    'express',
    'express-*',
    '@apollo/*',
    '@as-integrations/*',
    'graphql',
    'graphql/*',
    'passport',
    'passport-*',
    '@azure/msal-node',
    '**/http/*',
    '**/scim/*',
    '**/graphql/*',
    '**/auth/*',
  ],
  message: 'The service layer is protocol-neutral: no HTTP, GraphQL, passport or msal here.',
};

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'dist/**',
      '.data/**',
      '.cache/**',
      'src/generated/**',
      'public/**',
      'test-artifacts/**',
      '**/build/**',
    ],
  },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-console': 'off',
    },
  },
  {
    files: [
      'src/scim/**/*.ts',
      'src/graphql/**/*.ts',
      'src/auth/**/*.ts',
      'src/http/**/*.ts',
      'src/cli/**/*.ts',
    ],
    rules: { 'no-restricted-imports': ['error', { patterns: [storage] }] },
  },
  {
    files: ['src/services/**/*.ts', 'src/domain/**/*.ts', 'src/db/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [transports] }] },
  },
  {
    files: ['src/domain/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [transports, storage] }] },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-unused-expressions': 'off' },
  },
);
