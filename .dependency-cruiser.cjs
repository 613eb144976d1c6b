// Lint guards the architecture (`npm run lint` runs `depcruise`). Type-only imports count: a cycle through types is
// still a cycle for a reader, and a folder rule broken by a type import is still broken.
// Packages of a transport, and their type packages.
const transports =
  '^node_modules/(@types/)?(express|express-[^/]+|@apollo/[^/]+|@as-integrations/[^/]+|graphql|passport[^/]*|@azure/msal-node|cookie-signature)/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import cycles among our own modules (graphql-js forbids them too).',
      from: {},
      to: { circular: true },
    },
    {
      name: 'protocols-not-storage',
      severity: 'error',
      comment: 'Protocol code (scim, graphql, auth, http, cli) talks to services, never to storage.',
      from: { path: '^src/(scim|graphql|auth|http|cli)/' },
      to: { path: ['^src/db/', '^node_modules/(mongoose|mongodb|connect-mongo)/'] },
    },
    {
      name: 'services-protocol-neutral',
      severity: 'error',
      comment:
        'The service layer, the domain and storage import no transport: no HTTP, GraphQL, passport, msal.',
      from: { path: '^src/(services|domain|db)/' },
      to: {
        path: ['^src/(http|scim|graphql|auth|cli)/'],
      },
    },
    {
      name: 'services-no-transport-packages',
      severity: 'error',
      comment: 'The service layer, the domain and storage import no transport package.',
      from: { path: '^src/(services|domain|db)/' },
      to: { path: transports },
    },
    {
      name: 'domain-no-storage',
      severity: 'error',
      comment: 'The domain is plain types and rules: no storage either.',
      from: { path: '^src/domain/' },
      to: { path: ['^src/db/', '^node_modules/(mongoose|mongodb)/'] },
    },
    {
      name: 'http-below-protocols',
      severity: 'error',
      comment:
        'src/http is the shared HTTP base the protocols stand on: it never imports them (src/server.ts wires them).',
      from: { path: '^src/http/' },
      to: { path: '^src/(scim|graphql|auth|cli)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['^src/generated/', '/build/', '^dist/'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
    },
    moduleSystems: ['es6', 'cjs'],
  },
};
