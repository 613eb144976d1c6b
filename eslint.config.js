// Lint guards the architecture as well as the code:
// - protocol folders (scim, graphql, auth, http, cli) never touch storage (src/db, mongoose): they call services;
// - the service layer and the domain never import a transport (express, Apollo, graphql, passport, msal);
// - no import cycles.
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

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
    plugins: { 'import-x': importX },
    settings: {
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/extensions': ['.ts', '.js', '.mjs'],
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })],
    },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-default-export': 'off',
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
